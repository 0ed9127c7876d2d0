//! The text rules for the recipient's side of a bounce (no such user, mailbox full, size limits,
//! unknown domain, network and system trouble, expiry, local delivery programs, greylisting):
//! one case per family of wording, each written the way its emitter writes it (taken from the
//! emitter's own source or documentation: Postfix, Exim, Sendmail, qmail and its chkuser patch,
//! Dovecot, Cyrus, Exchange, Domino, PMDF/Sun, Gmail), with documentation addresses and example
//! names in place of real ones.
//!
//! Each case asserts that the words decided (a text rule, not the bare status or reply code),
//! and which reason they give.

mod wording;

use tuixin::classify::Facts;
use tuixin::{Classifier, Reason, Verdict};

/// (emitter, diagnostic, status, reply, command, reason).
const CASES: &[wording::Line] = &[
    // ---------------------------------------------------------------------------- userunknown
    (
        "A closed account's notice",
        "The e-mail address you sent to, nobody@example.org, is no longer valid. Please remove it from your address book.",
        "",
        "",
        "",
        "userunknown",
    ),
    (
        "Postfix smtpd, local recipient table",
        "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    (
        "Postfix smtpd, virtual mailbox table",
        "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    (
        "Sendmail",
        "550 5.1.1 <nobody@example.org>... User unknown",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    (
        "qmail-local",
        "Sorry, no mailbox here by that name. (#5.1.1)",
        "5.1.1",
        "",
        "",
        "userunknown",
    ),
    (
        "qmail chkuser",
        "511 sorry, no mailbox here by that name (#5.1.1 - chkuser)",
        "5.1.1",
        "511",
        "RCPT",
        "userunknown",
    ),
    (
        "qmail chkuser, address format",
        "511 sorry, recipient address has invalid format (#5.1.1 - chkuser)",
        "5.1.1",
        "511",
        "RCPT",
        "userunknown",
    ),
    ("qmail bouncesaying(1)", "This address no longer accepts mail.", "", "", "", "userunknown"),
    (
        "Exchange 2000/2003",
        "The e-mail account does not exist at the organization this message was sent to. Check the e-mail address, or contact the recipient directly to find out the correct address. <mx.example.org #5.1.1>",
        "5.1.1",
        "",
        "",
        "userunknown",
    ),
    (
        "Exchange 2007/2010",
        "The e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message.",
        "",
        "",
        "",
        "userunknown",
    ),
    (
        "Exchange Online",
        "Your message to nobody@example.org couldn't be delivered. nobody wasn't found at example.org.",
        "5.1.10",
        "550",
        "",
        "userunknown",
    ),
    (
        "Exchange resolver",
        "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##",
        "5.1.1",
        "550",
        "",
        "userunknown",
    ),
    (
        "Domino",
        "User nobody (nobody@example.org) not listed in Domino Directory",
        "5.1.1",
        "",
        "",
        "userunknown",
    ),
    (
        "Dovecot LMTP",
        "550 5.1.1 <nobody@example.org> User doesn't exist: nobody@example.org",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    (
        "PMDF / Sun Messaging Server",
        "550 5.1.1 unknown or illegal alias: nobody@example.org",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    (
        "Gmail",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    (
        "Exchange 5.5",
        "The recipient name is not recognized The MTS-ID of the original message is: c=US;a= ;p=Example;l=MX1-240101000000Z-1 MSEXCH:IMS:Example:Site:MX1 0 (000C05A6) Unknown Recipient",
        "",
        "",
        "",
        "userunknown",
    ),
    // ---------------------------------------------------------------------------- hostunknown
    (
        "Exchange 2000/2003 NDR for 5.4.0",
        "The message could not be delivered because the recipient's destination email system is unknown or invalid. Please check the address and try again. <mx.example.org #5.4.0>",
        "5.4.0",
        "",
        "",
        "hostunknown",
    ),
    (
        "Gmail, DNS answered that the domain does not exist",
        "DNS Error: 12345 DNS type 'mx' lookup of example.invalid responded with code NXDOMAIN Domain name not found: example.invalid",
        "4.0.0",
        "",
        "",
        "hostunknown",
    ),
    (
        "Postfix smtp, NXDOMAIN",
        "Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found",
        "5.4.4",
        "",
        "",
        "hostunknown",
    ),
    (
        "Sendmail",
        "550 5.1.2 <nobody@example.invalid>... Host unknown (Name server: example.invalid: host not found)",
        "5.1.2",
        "550",
        "",
        "hostunknown",
    ),
    (
        "qmail-remote, permanent DNS",
        "Sorry, I couldn't find any host named example.invalid. (#5.1.2)",
        "5.1.2",
        "",
        "",
        "hostunknown",
    ),
    (
        "Exchange 2007+",
        "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain",
        "5.4.4",
        "554",
        "",
        "hostunknown",
    ),
    (
        "Exchange 2000/2003",
        "The destination server for this recipient could not be found in Domain Name Service (DNS). Please verify the e-mail address and retry. <mx.example.org #5.4.0>",
        "5.4.0",
        "",
        "",
        "hostunknown",
    ),
    ("Exim", "all relevant MX records point to non-existent hosts", "", "", "", "hostunknown"),
    (
        "qmail chkuser, no MX",
        "511 sorry, can't find a valid MX for rcpt domain (#5.1.1 - chkuser)",
        "5.1.1",
        "511",
        "RCPT",
        "hostunknown",
    ),
    (
        "Lotus Notes / Domino router",
        "No route found to domain example.org from server MX1/Example. Check Server, Connection and Domain documents in Name and Address book.",
        "",
        "",
        "",
        "hostunknown",
    ),
    ("OpenSMTPD mta", "Domain does not exist", "", "", "", "hostunknown"),
    // ---------------------------------------------------------------------------- networkerror
    ("OpenSMTPD mta, DNS", "Temporary failure in MX lookup", "", "", "", "networkerror"),
    ("OpenSMTPD mta, routes", "Network error on destination MXs", "", "", "", "networkerror"),
    (
        "Postfix smtp, DNS try again",
        "Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again",
        "4.4.3",
        "",
        "",
        "networkerror",
    ),
    (
        "qmail-remote, soft DNS",
        "Sorry, I couldn't find any host by that name. (#4.1.2)",
        "4.1.2",
        "",
        "",
        "networkerror",
    ),
    (
        "Postfix smtp, refused",
        "connect to mx.example.org[192.0.2.25]:25: Connection refused",
        "4.4.1",
        "",
        "",
        "networkerror",
    ),
    (
        "Sendmail, refused",
        "Deferred: Connection refused by mx.example.org.",
        "4.0.0",
        "",
        "",
        "networkerror",
    ),
    (
        "qmail-remote, dropped",
        "Connected to 192.0.2.25 but connection died. (#4.4.2)",
        "4.4.2",
        "",
        "",
        "networkerror",
    ),
    (
        "Exim",
        "Remote host mx.example.org [192.0.2.25] closed connection in response to end of data",
        "",
        "",
        "",
        "networkerror",
    ),
    (
        "Exchange 2000/2003",
        "A communication failure occurred during the delivery of this message. Please try to resend the message later. If the problem continues, contact your helpdesk. <mx.example.org #4.4.2>",
        "4.4.2",
        "",
        "",
        "networkerror",
    ),
    (
        "Postfix local, loop",
        "mail forwarding loop for nobody@example.org",
        "5.4.6",
        "",
        "",
        "networkerror",
    ),
    (
        "Postfix smtp, silent server",
        "connect to mx.example.org[192.0.2.25]: server dropped connection without sending the initial SMTP greeting",
        "4.4.2",
        "",
        "",
        "networkerror",
    ),
    ("Exim dnslookup router", "host lookup did not complete", "", "", "", "networkerror"),
    // ---------------------------------------------------------------------------- notaccept
    ("OpenSMTPD mta", "Destination seem to reject all mails", "", "", "", "notaccept"),
    // ---------------------------------------------------------------------------- systemerror
    // (Not Exim's "451 Temporary local problem - please try later": its default text for any ACL
    // `defer`, greylisting and rate limits included, names no cause.)
    (
        "A gateway's processing-error notice",
        "An error occurred while processing your message for nobody@example.org.",
        "",
        "",
        "",
        "systemerror",
    ),
    (
        "qmail-remote, MX misconfigured",
        "Sorry. Although I'm listed as a best-preference MX or A for that host, it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)",
        "5.4.6",
        "",
        "",
        "systemerror",
    ),
    ("qmail-smtpd", "451 qq read error (#4.3.0)", "4.3.0", "451", "DATA", "systemerror"),
    (
        "qmail chkuser",
        "430 system temporary unavailable, try again later (#4.3.0 - chkuser)",
        "4.3.0",
        "430",
        "RCPT",
        "systemerror",
    ),
    (
        "Postfix smtpd, policy service down", "451 4.3.5 Server configuration problem", "4.3.5",
        "451", "RCPT", "systemerror",
    ),
    // ---------------------------------------------------------------------------- systemfull
    (
        "qmail-smtpd",
        "451 qq write error or disk full (#4.3.0)",
        "4.3.0",
        "451",
        "DATA",
        "systemfull",
    ),
    (
        "Postfix smtpd", "452 4.3.1 Insufficient system storage", "4.3.1", "452", "MAIL",
        "systemfull",
    ),
    ("Exim smtp_in", "452 Space shortage, please try later", "", "452", "MAIL", "systemfull"),
    (
        "Exchange back pressure",
        "452 4.3.1 Insufficient system resources",
        "4.3.1",
        "452",
        "MAIL",
        "systemfull",
    ),
    // ---------------------------------------------------------------------------- mailboxfull
    (
        "Postfix local, mailbox_size_limit",
        "cannot update mailbox /var/mail/nobody for user nobody. error writing message: File too large",
        "5.2.2",
        "",
        "",
        "mailboxfull",
    ),
    (
        "Dovecot LMTP/LDA",
        "552 5.2.2 <nobody@example.org> Quota exceeded (mailbox for user is full)",
        "5.2.2",
        "552",
        "DATA",
        "mailboxfull",
    ),
    (
        "qmail-local (indimail)",
        "Recipient's mailbox is full, message returned to sender. (#5.2.2)",
        "5.2.2",
        "",
        "",
        "mailboxfull",
    ),
    (
        "qmail chkuser",
        "522 sorry, recipient mailbox is full (#5.2.2 - chkuser)",
        "5.2.2",
        "522",
        "RCPT",
        "mailboxfull",
    ),
    (
        "Exim appendfile",
        "mailbox is full (MTA-imposed quota exceeded while writing to /var/mail/nobody)",
        "",
        "",
        "",
        "mailboxfull",
    ),
    (
        "Courier maildrop under Postfix pipe",
        "temporary failure. Command output: maildrop: maildir over quota.",
        "4.3.0",
        "",
        "",
        "mailboxfull",
    ),
    (
        "Exchange store driver",
        "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception",
        "5.2.2",
        "554",
        "",
        "mailboxfull",
    ),
    ("Cyrus lmtpd", "452 4.2.2 Over quota", "4.2.2", "452", "RCPT", "mailboxfull"),
    // ---------------------------------------------------------------------------- size limits
    (
        "Postfix cleanup", "552 5.3.4 Error: message file too big", "5.3.4", "552", "DATA",
        "mesgtoobig",
    ),
    (
        "Postfix smtpd, BDAT",
        "552 5.3.4 Chunk exceeds message size limit",
        "5.3.4",
        "552",
        "DATA",
        "mesgtoobig",
    ),
    (
        "qmail-smtpd",
        "552 sorry, that message size exceeds my databytes limit (#5.3.4)",
        "5.3.4",
        "552",
        "DATA",
        "mesgtoobig",
    ),
    (
        "Exchange resolver",
        "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient",
        "5.2.3",
        "550",
        "",
        "exceedlimit",
    ),
    // ---------------------------------------------------------------------------- expired
    ("Exim", "retry timeout exceeded", "", "", "", "expired"),
    (
        "qmail-send",
        "I'm not going to try again; this message has been in the queue too long.",
        "",
        "",
        "",
        "expired",
    ),
    (
        "Exchange 2000/2003",
        "Could not deliver the message in the time limit specified. Please retry or contact your administrator. <mx.example.org #4.4.7>",
        "4.4.7",
        "",
        "",
        "expired",
    ),
    (
        "Postfix local(8), an alias that expands to itself",
        "alias database loop for loopb",
        "5.4.6",
        "",
        "",
        "networkerror",
    ),
    (
        "Exim, an ACL deny with no message of its own, at MAIL FROM",
        "550 Administrative prohibition",
        "",
        "550",
        "MAIL",
        "rejected",
    ),
    (
        "Exim, an ACL deny with no message of its own, at RCPT TO",
        "550 Administrative prohibition",
        "",
        "550",
        "RCPT",
        "policyviolation",
    ),
    // ---------------------------------------------------------------------------- mailererror
    (
        "OpenSMTPD, a delivery command that failed",
        "pipe1@example.org: exited abnormally",
        "",
        "",
        "",
        "mailererror",
    ),
    (
        "Postfix pipe",
        "Command died with status 1: \"/usr/local/bin/filter\". Command output: filter: cannot open spool",
        "5.3.0",
        "",
        "",
        "mailererror",
    ),
    (
        "Postfix pipe, time limit",
        "Command time limit exceeded: \"/usr/local/bin/filter\"",
        "5.3.0",
        "",
        "",
        "mailererror",
    ),
    (
        "Exim pipe transport",
        "Child process of address_pipe transport returned 127 (could mean unable to exec or command does not exist) from command: /usr/local/bin/handler",
        "",
        "",
        "",
        "mailererror",
    ),
    ("Sendmail", "554 5.3.0 unknown mailer error 1", "5.3.0", "554", "", "mailererror"),
    // ---------------------------------------------------------------------------- toomanyconn
    (
        "qmail chkuser",
        "571 sorry, reached maximum number of recipients for one session (#5.7.1 - chkuser)",
        "5.7.1",
        "571",
        "RCPT",
        "toomanyconn",
    ),
    ("Comcast", "421 - [Too many sessions opened]", "", "421", "", "toomanyconn"),
    (
        "Postfix postscreen", "421 4.3.2 All server ports are busy", "4.3.2", "421", "CONN",
        "toomanyconn",
    ),
    // ---------------------------------------------------------------------------- onhold
    (
        "postgrey under Postfix",
        "450 4.2.0 <nobody@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
        "4.2.0",
        "450",
        "RCPT",
        "onhold",
    ),
    (
        "postgrey as a client restriction",
        "450 4.7.1 <mx.example.net[192.0.2.10]>: Client host rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
        "4.7.1",
        "450",
        "RCPT",
        "onhold",
    ),
    (
        "milter-greylist",
        "451 4.7.1 Greylisting in action, please come back later",
        "4.7.1",
        "451",
        "RCPT",
        "onhold",
    ),
];

fn classify(diagnostic: &str, status: &str, reply: &str, command: &str) -> Verdict {
    Classifier::builtin().classify(&Facts {
        diagnostic,
        status,
        reply,
        rhost: "mx.example.org",
        destination: "example.org",
        command,
    })
}

#[test]
fn each_family_is_decided_by_its_words() {
    wording::check(CASES.iter().map(|&line| line.into()), "mx.example.org", "example.org");
}

/// The prose of a bounce notice is read whole when the record's diagnostic says too little, so
/// the sentences that every notice carries must not decide a reason on their own.
#[test]
fn notice_preambles_decide_nothing() {
    let preambles = [
        // Postfix bounce(8) template
        "This is the mail system at host mx.example.net.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\nIf you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n                   The mail system\n",
        // Exim bounce
        "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n",
        // qmail-send
        "Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n",
        // Sendmail
        "The original message was received at Mon, 1 Jan 2024 00:00:00 +0000\nfrom localhost [127.0.0.1]\n\n   ----- The following addresses had permanent fatal errors -----\n<nobody@example.org>\n",
        // Exchange
        "Delivery has failed to these recipients or groups:\n\nnobody@example.org\n",
    ];
    for text in preambles {
        let v = Classifier::builtin().classify_text(text);
        assert!(v.is_none(), "{text:?} decided {v:?}");
    }
}

/// Notices without a machine-readable part, read whole.
#[test]
fn notices_say_why_in_their_prose() {
    let cases = [
        (
            "Delivery has failed to these recipients or groups:\n\nnobody@example.org\nMicrosoft Exchange has been trying to deliver this message without success and has stopped trying. Please try sending this message again, or provide the following diagnostic text to your system administrator.\n",
            Reason::Expired,
        ),
        (
            "Delivery has failed to these recipients or groups:\n\nnobody@example.org\nSeveral attempts to deliver your message were unsuccessful and we stopped trying. It could be a temporary situation. Try to send your message again later.\n",
            Reason::Expired,
        ),
        (
            "Your message did not reach some or all of the intended recipients.\n\nThe following recipient(s) could not be reached:\n\nnobody@example.org on 1/1/2024 9:20 AM\n      The e-mail account does not exist at the organization this message was sent to.  Check the e-mail address, or contact the recipient directly to find out the correct address.\n      <mx.example.org #5.1.1>\n",
            Reason::UserUnknown,
        ),
        (
            "Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<nobody@example.org>:\nThis address no longer accepts mail.\n",
            Reason::UserUnknown,
        ),
    ];
    for (text, want) in cases {
        let v = Classifier::builtin().classify_text(text);
        assert_eq!(v.as_ref().map(|v| v.reason), Some(want), "{text:?} gave {v:?}");
    }
}

/// Comcast's "Not our Customer" is its no-such-user answer; docomo's same words (the address
/// left the carrier) keep their own meaning elsewhere.
#[test]
fn comcast_not_our_customer_is_an_unknown_user() {
    let line = "550 5.1.1 <nobody@comcast.net> Not our Customer";
    let at = |rhost| {
        Classifier::builtin().classify(&Facts {
            diagnostic: line,
            status: "5.1.1",
            reply: "550",
            rhost,
            destination: "",
            command: "RCPT",
        })
    };
    let v = at("mx1.comcast.net");
    assert_eq!((v.reason, v.rule.as_str()), (Reason::UserUnknown, "comcast.not-our-customer"));
    assert!(!at("mx1.example.net").rule.starts_with("comcast."));
}

/// A server that answers "Connection refused" in a reply is refusing by policy; only the sending
/// MTA's report of a refused TCP connection is a network error.
#[test]
fn a_refusal_in_a_reply_is_not_a_network_error() {
    let v = classify("550 Connection refused", "", "550", "MAIL");
    assert_ne!(v.reason, Reason::NetworkError, "{v:?}");
}
