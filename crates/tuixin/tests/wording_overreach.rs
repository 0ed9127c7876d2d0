//! Wording that a rule written for one cause must not take from another: for each phrase found
//! too general in review (issue 18), the other causes' real wording that it also matched, read
//! as its own cause (`TAKEN_RIGHT`), or at least not as the over-reaching one (`NOT_TAKEN`), and
//! the wording the narrowed rule was meant for, still read by it (`KEPT`).
//!
//! Each line is written the way its emitter writes it, with documentation addresses and example
//! names in place of real ones.

mod wording;

/// Other causes' wording, each decided by its words as its own cause.
/// (emitter, diagnostic, status, reply, command, reason).
const TAKEN_RIGHT: &[wording::Line] = &[
    // "is not a valid user" (Domino's directory answer) said in reply to MAIL FROM speaks of
    // the sender: no recipient has been named yet.
    (
        "Domino SMTP, sender check",
        "553 sender@example.com is not a valid user",
        "",
        "553",
        "MAIL",
        "rejected",
    ),
    ("Coremail, at MAIL FROM", "550 Bad address syntax", "", "550", "MAIL", "rejected"),
    ("Server at MAIL FROM", "550 5.1.8 Invalid domain", "5.1.8", "550", "MAIL", "rejected"),
    // A header too large is the message's form, not its size ("too large" with 5.2.3 took it).
    (
        "Server header limit", "552 5.2.3 Message header too large", "5.2.3", "552", "DATA",
        "contenterror",
    ),
    (
        "Sendmail MaxHeadersLength",
        "552 5.6.0 Headers too large (32768 max)",
        "5.6.0",
        "552",
        "DATA",
        "contenterror",
    ),
    (
        "Cisco Secure Email",
        "552 #5.3.4 message header size exceeds limit",
        "5.3.4",
        "552",
        "DATA",
        "contenterror",
    ),
    ("Lotus cc:Mail connector", "Header Buffer Full.", "", "", "", "contenterror"),
    // indimail's content refusal names the virus it found: the virus decides.
    (
        "indimail qmail-queue virus scan",
        "552-we don't accept email with the below content (#5.3.4) 552 Further Information: Virus Found: Eicar-Test-Signature",
        "",
        "552",
        "DATA",
        "virusdetected",
    ),
    // The hostunknown wording with a sender-address status (X.1.7, X.1.8) is the sender's domain.
    (
        "Server, sender domain",
        "553 5.1.8 <sender@example.com>... Invalid domain",
        "5.1.8",
        "553",
        "",
        "rejected",
    ),
    (
        "Server, sender domain",
        "550 5.1.8 <sender@example.com>: Unknown domain",
        "5.1.8",
        "550",
        "",
        "rejected",
    ),
    // Postfix's pipelining refusal carries "Client host rejected": a protocol fault, no IP block.
    (
        "Postfix reject_unauth_pipelining",
        "503 5.5.0 <unknown[192.0.2.1]>: Client host rejected: Improper use of SMTP command pipelining",
        "5.5.0",
        "503",
        "DATA",
        "syntaxerror",
    ),
    // "no MX or A record" said of the sender's domain is no null MX at the destination.
    (
        "Server, sender domain check",
        "550 5.7.1 Sender domain has no MX or A record",
        "5.7.1",
        "550",
        "RCPT",
        "rejected",
    ),
    // Trend Micro IMSS heads every failure 'Unable to deliver message to ... (and other
    // recipients in the same domain)': the cause the notice names decides.
    (
        "Trend Micro IMSS",
        "Unable to deliver message to <nobody@example.org> (and other recipients in the same domain). connect to mx.example.org[192.0.2.1]:25: Connection timed out",
        "",
        "",
        "",
        "expired",
    ),
    // Gmail heads its unknown-domain notice "** Address not found **" too: NXDOMAIN is hostunknown.
    (
        "Gmail notice",
        "** Address not found ** Your message wasn't delivered to nobody@example.org because the domain example.org couldn't be found. Check for typos or unnecessary spaces and try again. The response was: DNS Error: DNS type 'mx' lookup of example.org responded with code NXDOMAIN Domain name not found: example.org",
        "5.1.2",
        "",
        "",
        "hostunknown",
    ),
    // "Rate limit reached" (German providers' volume limit) inside a connection limit.
    (
        "Connection limit",
        "421 4.7.0 Connection rate limit reached, try again later",
        "4.7.0",
        "421",
        "CONN",
        "toomanyconn",
    ),
    // Postfix's reject_unverified_recipient quotes the probe's result, which names the cause.
    (
        "Postfix reject_unverified_recipient",
        "450 4.1.1 <nobody@example.org>: Recipient address rejected: undeliverable address: host mx.example.org[192.0.2.1] said: 552 5.2.2 <nobody@example.org>: Mailbox full (in reply to RCPT TO command)",
        "4.1.1",
        "450",
        "RCPT",
        "mailboxfull",
    ),
    (
        "Postfix reject_unverified_recipient",
        "550 5.1.2 <nobody@example.org>: Recipient address rejected: undeliverable address: Host or domain name not found. Name service error for name=example.org type=MX: Host not found",
        "5.1.2",
        "550",
        "RCPT",
        "hostunknown",
    ),
    // An Exim-based filter's callout that quotes the mailbox server's answer.
    (
        "Exim-based filter callout",
        "550 Recipient verification failed: 552 5.2.2 Mailbox full",
        "",
        "550",
        "RCPT",
        "mailboxfull",
    ),
];

/// The wording the narrowed rules were written for, still decided by them.
const KEPT: &[wording::Line] = &[
    ("Domino SMTP", "550 nobody@example.org is not a valid user", "", "550", "RCPT", "userunknown"),
    ("Coremail", "550 Bad address syntax", "", "550", "RCPT", "userunknown"),
    ("RFC 7504", "556 5.1.10 Domain does not accept mail", "5.1.10", "556", "RCPT", "notaccept"),
    (
        "Postfix null MX",
        "Domain example.org does not accept mail (nullMX)",
        "5.1.10",
        "",
        "",
        "notaccept",
    ),
    ("OpenSMTPD", "host/domain does not accept mail", "", "", "", "notaccept"),
    (
        "German providers",
        "421 Rate limit reached. Please try again later",
        "",
        "421",
        "",
        "speeding",
    ),
    (
        "Postfix reject_unverified_recipient",
        "550 5.1.1 <nobody@example.org>: Recipient address rejected: undeliverable address: unknown user: \"nobody\"",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    ("Baruwa", "550 Recipient verification failed", "", "550", "RCPT", "userunknown"),
    (
        "ISP closed-account notice",
        "550 The e-mail address you sent to, nobody@example.org, is no longer valid",
        "",
        "550",
        "RCPT",
        "userunknown",
    ),
    // qpsmtpd's and Haraka's karma plugins: one reputation score, one reason.
    ("qpsmtpd karma", "421 very bad karma: -8", "", "421", "CONN", "badreputation"),
    ("Haraka karma", "550 very bad karma score: -12", "", "550", "CONN", "badreputation"),
];

/// Other causes' wording that the over-reaching rule must not take (the reason named is the one
/// it must not be given), whether words or code decide it.
const NOT_TAKEN: &[wording::Line] = &[
    // A recipient's refusal of one sender is no null MX: the domain takes mail.
    (
        "Recipient's sender refusal",
        "550 5.7.1 <nobody@example.org> does not accept mail from sender@example.com",
        "5.7.1",
        "550",
        "RCPT",
        "notaccept",
    ),
    (
        "Domain's refusal of a sender's domain",
        "554 example.org does not accept mail for nobody@example.org from your domain",
        "",
        "554",
        "RCPT",
        "notaccept",
    ),
    // A notice's heading is no queue lifetime.
    (
        "Notice heading",
        "This message could not be delivered for the following reason: 554 5.0.0 Service unavailable",
        "5.0.0",
        "554",
        "",
        "expired",
    ),
    // A callout that could not finish says nothing of the address.
    (
        "Exim-based filter callout",
        "451 4.4.3 Recipient verification failed: temporary lookup failure",
        "4.4.3",
        "451",
        "RCPT",
        "userunknown",
    ),
    // "is no longer valid" of a password or a certificate is no closed mailbox.
    (
        "Submission server",
        "535 5.7.8 Your password is no longer valid",
        "5.7.8",
        "535",
        "AUTH",
        "userunknown",
    ),
    (
        "TLS client",
        "454 4.7.5 The certificate of the server is no longer valid",
        "4.7.5",
        "454",
        "STARTTLS",
        "userunknown",
    ),
];

#[test]
fn other_causes_wording_is_read_as_its_own_cause() {
    wording::check(TAKEN_RIGHT.iter().map(|&line| line.into()), "mx.example.org", "example.org");
}

#[test]
fn narrowed_rules_still_read_their_own_wording() {
    wording::check(KEPT.iter().map(|&line| line.into()), "mx.example.org", "example.org");
}

#[test]
fn over_reaching_rules_no_longer_take_other_causes_wording() {
    wording::check_not(NOT_TAKEN.iter().map(|&line| line.into()), "mx.example.org", "example.org");
}
