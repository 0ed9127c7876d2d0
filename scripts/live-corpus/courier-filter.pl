# Courier perlfilter (B): a header check, a body check and a temporary refusal, each with the
# administrator's text. Protocol as in Courier's perlfilter-ratelimit.pl: the socket's file
# descriptor is the argument; it sends the data file's name, then the control files' names,
# then an empty line; the answer is one SMTP reply line.
use IO::File;
my $socket = IO::File->new("+<&" . shift(@ARGV)) or die "$!";
my ($first, $reply) = (1, "200 Ok");
while (defined(my $name = <$socket>)) {
    chomp $name;
    last unless $name;
    my $fh = IO::File->new($name, "r") or next;
    my @lines = <$fh>;
    close $fh;
    my $msg = "";
    if ($first) {
        my $in_header = 1;
        for (@lines) {
            $in_header = 0 if /^\r?$/;
            $msg = "550 Message header X-Live-Corpus is not allowed here"
                if $in_header && /^X-Live-Corpus:\s*forbidden-header/i;
            $msg = "550 Message content rejected as spam"
                if !$in_header && /buy cheap pharmacy pills/i;
        }
    } else {
        $msg = "451 4.3.0 Temporary failure, please try again later"
            if grep { /^r.*\@tempfail\.test\s*$/i } @lines;
    }
    $first = 0;
    $reply = $msg if $msg;
}
$reply .= "\n";
print $socket $reply;
$socket->close;
