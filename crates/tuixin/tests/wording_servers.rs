//! The text rules for enterprise, legacy and open-source mail servers' own wording: one case per
//! family, each written the way its emitter writes it (taken from the server's own source, binaries,
//! manual or support pages: Courier and maildrop, Cyrus and Dovecot, qmail's recipient-check
//! patches and vpopmail's descendants, Lotus/HCL Domino, Sun/Oracle Messaging Server and PMDF,
//! older and localized Exchange, and the smaller servers), with documentation addresses and
//! example names in place of real ones.
//!
//! Each case asserts that the words decided (a text or provider rule, never the bare status or
//! reply code), and which reason they give.

mod wording;

/// (emitter, diagnostic, status, reply, command, reason).
const CASES: &[wording::Line] = &[
    // ------------------------------------------------------------------ Courier and maildrop
    ("Courier submit", "550 User <nobody@example.org> unknown", "", "550", "RCPT", "userunknown"),
    ("maildrop", "maildrop: Invalid user specified.", "", "", "", "userunknown"),
    ("maildrop", "Cannot find system user nobody", "", "", "", "userunknown"),
    ("Courier local", "Invalid local recipient address.", "", "", "", "userunknown"),
    ("maildrop", "maildrop: maildir over quota.", "", "", "", "mailboxfull"),
    ("Courier deliverquota", "Mail quota exceeded.", "", "", "", "mailboxfull"),
    ("Courier esmtp", "This domain's DNS violates RFC 1035.", "", "", "", "hostunknown"),
    (
        "Courier submit",
        "517-MX records for example.org violate section 3.3.9 of RFC 1035.",
        "",
        "517",
        "RCPT",
        "hostunknown",
    ),
    (
        "Courier submit",
        "517 Invalid domain, see <URL:https://www.ietf.org/rfc/rfc1035.txt>",
        "",
        "517",
        "RCPT",
        "hostunknown",
    ),
    (
        "Courier submit",
        "517 Sender rejected: Rejected by the Sender Policy Framework.",
        "",
        "517",
        "MAIL",
        "authfailure",
    ),
    ("Courier submit", "550 Spam refused.", "", "550", "DATA", "spamdetected"),
    (
        "Courier submit",
        "523 Message length (20480000 bytes) exceeds administrative limit(10485760 bytes).",
        "",
        "523",
        "DATA",
        "mesgtoobig",
    ),
    (
        "Courier submit",
        "534 Message header size exceeds policy limit.",
        "",
        "534",
        "DATA",
        "contenterror",
    ),
    (
        "Courier esmtp",
        "553 Unable to deliver Unicode E-mail to a non-Unicode mail server.",
        "",
        "553",
        "",
        "contenterror",
    ),
    // ------------------------------------------------------------------ Cyrus and Dovecot
    (
        "Cyrus lmtpd",
        "552 5.2.2 Mailbox is over STORAGE quota",
        "5.2.2",
        "552",
        "RCPT",
        "mailboxfull",
    ),
    ("Cyrus lmtpd", "452 4.2.2 Over quota", "4.2.2", "452", "RCPT", "mailboxfull"),
    ("Cyrus lmtpd", "550 5.2.1 Delivery to mailbox is disabled", "5.2.1", "550", "RCPT", "suspend"),
    (
        "Dovecot LMTP",
        "550 5.1.1 <nobody@example.org> User doesn't exist: nobody@example.org",
        "5.1.1",
        "550",
        "RCPT",
        "userunknown",
    ),
    ("Dovecot LDA", "Quota exceeded (mailbox for user is full)", "", "", "", "mailboxfull"),
    ("Dovecot LDA", "Not enough disk quota", "", "", "", "mailboxfull"),
    // ------------------------------------------------------------------ qmail's patches
    (
        "chkuser",
        "511 sorry, you must specify a domain (#5.1.1 - chkuser)",
        "",
        "511",
        "RCPT",
        "userunknown",
    ),
    (
        "chkuser",
        "522 sorry, recipient mailbox is full (#5.2.2 - chkuser)",
        "",
        "522",
        "RCPT",
        "mailboxfull",
    ),
    (
        "chkuser",
        "571 sorry, you are violating our security policies (#5.1.1 - chkuser)",
        "",
        "571",
        "RCPT",
        "blocked",
    ),
    (
        "chkuser",
        "571 sorry, sender address has invalid format (#5.7.1 - chkuser)",
        "",
        "571",
        "MAIL",
        "rejected",
    ),
    (
        "IndiMail vdelivermail",
        "No Account nobody@example.org here by that name. indimail (#5.1.5)",
        "",
        "",
        "",
        "userunknown",
    ),
    (
        "IndiMail vdelivermail",
        "Account someone@example.org is inactive. indimail(#5.1.3)",
        "",
        "",
        "",
        "suspend",
    ),
    (
        "IndiMail vdelivermail",
        "someone@example.org has insufficient quota. 2048/10485760:120/0:10485760. indimail (#5.1.4)",
        "",
        "",
        "",
        "mailboxfull",
    ),
    (
        "IndiMail vdelivermail",
        "Account someone@example.org locked/overquota 10485760/10485760. indimail (#5.1.1)",
        "",
        "",
        "",
        "mailboxfull",
    ),
];

#[test]
fn each_server_family_is_decided_by_its_words() {
    wording::check(CASES.iter().map(|&line| line.into()), "mx.example.org", "example.org");
}
