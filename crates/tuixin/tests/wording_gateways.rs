//! The text rules for legacy and enterprise gateways, list servers, regional providers' own
//! replies and non-English wording: one case per family, each written the way its emitter writes
//! it (taken from the emitter's own source, manual or help pages: Exchange 5.5 and its X.400 MTA,
//! the Microsoft Mail SMTP gateway, Cyrus lmtpd, GNU Mailutils, FTGate, IceWarp, Mailman 2,
//! ezmlm, GMX, WEB.DE, Seznam, Interia, Daum), with documentation addresses and example names in
//! place of real ones.
//!
//! Each case asserts that the words decided (a text or provider rule, never the bare status or
//! reply code), and which reason they give.

mod wording;

use tuixin::{Classifier, Reason};

/// (emitter, diagnostic, status, reply, command, reason).
const CASES: &[wording::Line] = &[
    // ---------------------------------------------------------------------------- userunknown
    (
        "Exchange 5.5 MTA, X.400 diagnostic code",
        "A non-delivery report (reason code unable-to-transfer and diagnostic code unrecognized-OR-name) is being generated for this message.",
        "",
        "",
        "",
        "userunknown",
    ),
    (
        "X.400 gateway, British spelling",
        "Non-delivery reason: unable-to-transfer; diagnostic code: unrecognised-OR-name",
        "",
        "",
        "",
        "userunknown",
    ),
    (
        "Exchange 5.5 Internet Mail Service",
        "The recipient name is not recognized\nMSEXCH:IMS:Example:SITE:SERVER1 0 (000C0595) Ambiguous Recipient",
        "",
        "",
        "",
        "userunknown",
    ),
    ("Microsoft Mail Gateway to SMTP", "550 Addressee unknown", "", "550", "RCPT", "userunknown"),
    ("GMX", "550 5.1.1 <nobody@example.org>... User is unknown", "", "550", "RCPT", "userunknown"),
    ("WEB.DE, German half", "550 Benutzer nicht bekannt", "", "550", "RCPT", "userunknown"),
    ("Seznam.cz", "5.1.1 szn; User hasn't got the service mapped", "", "", "", "userunknown"),
    ("Interia.pl", "550 5.1.1 Account not found", "", "550", "RCPT", "userunknown"),
    (
        "CompuServe Electronic Postmaster",
        "? Invalid receiver address: nobody@example.org",
        "",
        "",
        "",
        "userunknown",
    ),
    (
        "VMS MAIL through a DECnet gateway",
        "%MAIL-E-NOSUCHUSR, no such user NOBODY at node EXAMPL",
        "",
        "",
        "",
        "userunknown",
    ),
    (
        "Exchange 5.5 Internet Mail Service",
        "The recipient was not found.\nMSEXCH:IMS:Example:SITE:SERVER1",
        "",
        "",
        "",
        "userunknown",
    ),
    // ------------------------------------------------------------------------------- suspend
    ("GMX", "550 5.2.1 <nobody@example.org>... User is inactive", "", "550", "RCPT", "suspend"),
    ("Daum/Hanmail", "550 5.1.1 Suspended user", "", "550", "RCPT", "suspend"),
    (
        "VMS MAIL through a DECnet gateway",
        "%MAIL-E-USERDSABL, user NOBODY cannot receive mail",
        "",
        "",
        "",
        "suspend",
    ),
    // --------------------------------------------------------------------------- hostunknown
    (
        "VMS through a DECnet gateway",
        "%MAIL-E-LOGLINK, error creating network link to node EXAMPL\n-SYSTEM-F-NOSUCHNODE, remote node is unknown",
        "",
        "",
        "",
        "hostunknown",
    ),
    // --------------------------------------------------------------------------- mailboxfull
    (
        "WEB.DE, bilingual storage reply",
        "550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.",
        "",
        "550",
        "RCPT",
        "mailboxfull",
    ),
    (
        "WEB.DE, message count",
        "550 Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server.",
        "",
        "550",
        "RCPT",
        "mailboxfull",
    ),
    (
        "CommuniGate Pro",
        "LOCAL module(account nobody@example.org) reports:\n account is full",
        "",
        "",
        "",
        "mailboxfull",
    ),
    (
        "German hosting provider, German half",
        "Speicherplatz des Kontos ueberschritten",
        "",
        "",
        "",
        "mailboxfull",
    ),
    (
        "GNU Mailutils mda",
        "nobody: message would exceed maximum mailbox size for this recipient",
        "",
        "",
        "",
        "mailboxfull",
    ),
    ("FTGate", "Allocated mailbox storage exceeded (#1.02)", "", "", "", "mailboxfull"),
    // ---------------------------------------------------------------- mesgtoobig / exceedlimit
    (
        "ezmlm-reject, with its own status",
        "Sorry, I don't accept messages larger than 30000 bytes (#5.2.3)",
        "5.2.3",
        "",
        "",
        "exceedlimit",
    ),
    (
        "Mailman 2 rejection notice",
        "Your message was too big; please trim it to less than 40 KB in size.",
        "",
        "",
        "",
        "mesgtoobig",
    ),
    (
        "X.400 diagnostic code",
        "Non-delivery reason: unable-to-transfer; diagnostic code: content-too-long",
        "",
        "",
        "",
        "mesgtoobig",
    ),
    ("IceWarp", "501 5.7.1 Message is too long", "5.7.1", "501", "DATA", "mesgtoobig"),
    // ------------------------------------------------------------------ rejected (list servers)
    (
        "Mailman 2 rejection notice",
        "Non-members are not allowed to post messages to this list.",
        "",
        "",
        "",
        "rejected",
    ),
    (
        "Mailman 2.1 automatic rejection",
        "You are not allowed to post to this mailing list, and your message has been automatically rejected.  If you think that your messages are being rejected in error, contact the mailing list owner at example-owner@lists.example.org.",
        "",
        "",
        "",
        "rejected",
    ),
    (
        "ezmlm-idx",
        "I'm sorry, you are not allowed to post messages to this list (#5.7.2)",
        "5.7.2",
        "",
        "",
        "rejected",
    ),
    (
        "Mailman 3 rejection notice",
        "Your message to the Example mailing-list was rejected for the following reasons:\n\nThe message is not from a list member",
        "",
        "",
        "",
        "rejected",
    ),
    (
        "Citadel",
        "551 <list@example.org> - The message is not from a list member",
        "",
        "551",
        "RCPT",
        "rejected",
    ),
    // ---------------------------------------------------------------------------- norelaying
    ("Korean portals", "554 Relay operation rejected", "", "554", "RCPT", "norelaying"),
    ("Libero/Virgilio", "550 Relay Disabled", "", "550", "RCPT", "norelaying"),
    // -------------------------------------------------------------------- rejected (sender)
    ("Taiwanese ISP", "550 illegal sender.", "", "550", "MAIL", "rejected"),
    // -------------------------------------------------------------------------- spamdetected
    ("Anti-spam gateway", "550 Error: SB0102 - Rejected: SPAM", "", "550", "DATA", "spamdetected"),
    (
        "German hosting provider, German half", "Nachricht als Spam eingestuft", "", "", "",
        "spamdetected",
    ),
    // ------------------------------------------------------------------------- securityerror
    (
        "Mail.ru submission",
        "503 Administrative prohibition -- authorization required. Users in your domain are not allowed to send email without authorization. See http://help.example.com/ for details.",
        "",
        "503",
        "DATA",
        "securityerror",
    ),
    // ------------------------------------------------------------------------------- blocked
    (
        "Naver",
        "421 4.3.2 Your IP(192.0.2.1) is filtered and this connection will be closed. You must register your IP to http://realip.example.com",
        "4.3.2",
        "421",
        "CONN",
        "blocked",
    ),
    // ------------------------------------------------------------------------------ filtered
    (
        "Daum/Hanmail",
        "554 5.0.0 Service unavailable (nobody: mail is denied, by spam filter)",
        "5.0.0",
        "554",
        "RCPT",
        "filtered",
    ),
    (
        "Daum/Hanmail",
        "550 You are registered as spammer (by user's reject list)",
        "",
        "550",
        "RCPT",
        "filtered",
    ),
    (
        "Interia.pl",
        "550 5.7.1 Recipient doesn't want your mail",
        "5.7.1",
        "550",
        "RCPT",
        "filtered",
    ),
    // -------------------------------------------------------------------------- contenterror
    (
        "Cyrus lmtpd",
        "554 5.6.0 Message contains bare newlines",
        "5.6.0",
        "554",
        "DATA",
        "contenterror",
    ),
    (
        "Cyrus lmtpd",
        "554 5.6.0 Message has no header/body separator",
        "5.6.0",
        "554",
        "DATA",
        "contenterror",
    ),
    // --------------------------------------------------------------- systemfull / toomanyconn
    ("FTGate", "Out of disk space (#1.03)", "", "", "", "systemfull"),
    (
        "FTGate",
        "451 4.5.1 [192.0.2.1] Max concurrent sessions (#1.04)",
        "4.5.1",
        "451",
        "CONN",
        "toomanyconn",
    ),
    // ------------------------------------------------------------------------------ hasmoved
    (
        "Exchange, French NDR text",
        "L'adresse électronique du destinataire a changé. L'adresse à laquelle ce message a été envoyé n'accepte plus de messages. Aucune adresse de transfert n'a été configurée.",
        "",
        "",
        "",
        "hasmoved",
    ),
    // ------------------------------------------------------------------ networkerror / expired
    (
        "X.400 diagnostic code",
        "Non-delivery reason: unable-to-transfer; diagnostic code: loop-detected",
        "",
        "",
        "",
        "networkerror",
    ),
    (
        "Exchange 5.5 MTA",
        "The recipient was detected looping within the message transfer service.\nMSEXCH:MSExchangeMTA:SITE:SERVER",
        "",
        "",
        "",
        "networkerror",
    ),
    (
        "Exchange 5.5 MTA",
        "The maximum time for delivering the message expired\nMSEXCH:MSExchangeMTA:SITE:SERVER",
        "",
        "",
        "",
        "expired",
    ),
    (
        "Exchange 5.5 Internet Mail Service",
        "The following recipient(s) could not be reached:\n\n    nobody@example.org on 1/1/99 9:20 AM\n        The time has expired.\n        MSEXCH:IMS:Example:SITE:SERVER1\n",
        "",
        "",
        "",
        "expired",
    ),
    ("Korean portals", "451 4.4.0 DNS resolving error", "4.4.0", "451", "RCPT", "networkerror"),
    (
        "X.400 diagnostic code",
        "Non-delivery reason: unable-to-transfer; diagnostic code: maximum-time-expired",
        "",
        "",
        "",
        "expired",
    ),
];

#[test]
fn each_family_is_decided_by_its_words() {
    wording::check(CASES.iter().map(|&line| line.into()), "mx.example.org", "example.org");
}

/// A list server's moderation notice (the post is held for a moderator, not refused) names the
/// hold reason, which must not be read as a refusal.
#[test]
fn a_held_post_is_not_a_refusal() {
    let held = [
        // Mailman 2 postheld.txt
        "Your mail to 'Example' with the subject\n\n    test\n\nIs being held until the list moderator can review it for approval.\n\nThe reason it is being held:\n\n    Post by non-member to a members-only list\n",
        // Mailman 3 hold notice
        "Your mail to 'example@lists.example.org' with the subject\n\n    test\n\nIs being held until the list moderator can review it for approval.\n\nThe message is being held because:\n\n    The message is not from a list member\n",
    ];
    for text in held {
        let v = Classifier::builtin().classify_text(text);
        assert!(v.as_ref().is_none_or(|v| v.reason != Reason::Rejected), "{text:?} gave {v:?}");
    }
}
