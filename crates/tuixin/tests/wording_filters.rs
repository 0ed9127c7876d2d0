//! The text rules for the wording of spam and virus filters, DNS block lists, header and format
//! refusals, and sender-policy rejections: each line below is a reply in the form its emitter
//! writes it (the MTA's source, the filter's default reject text, or the vendor's documented
//! message), with documentation addresses (192.0.2.0/24) and example names in place of real ones,
//! from a host that names no provider, so that only the text rules (not a provider file) decide.
//!
//! Where a vendor documents only a code and its meaning (Sophos Central Email's XGEMAIL_00NN),
//! the line carries that code with the documented meaning beside it.

use tuixin::classify::Facts;
use tuixin::{Classifier, Reason, Verdict};

/// (whose wording, diagnostic, status, reply, reason).
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    // ------------------------------------------------------------------------- suppressed
    (
        "SparkPost: its suppression list",
        "554 5.7.1 recipient address was suppressed due to customer policy (Bounce Rule)",
        "5.7.1",
        "554",
        "suppressed",
    ),
    (
        "Postmark: an inactive recipient",
        "You tried to send to a recipient that has been marked as inactive. Found inactive addresses: kijitora@example.net. Inactive recipients are ones that have generated a hard bounce or a spam complaint.",
        "",
        "",
        "suppressed",
    ),
    // ------------------------------------------------------------------------ authfailure
    (
        "Cisco Secure Email: DMARC verification reject (default text)",
        "550 #5.7.1 DMARC unauthenticated mail is prohibited.",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "mail filters' DMARC reject",
        "451 4.7.0 Message rejected due to DMARC",
        "4.7.0",
        "451",
        "authfailure",
    ),
    (
        "Cisco Secure Email: SPF verification reject (default text)",
        "550 #5.7.1 SPF unauthorized mail is prohibited.",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "Cisco Secure Email: DKIM verification reject (default text)",
        "550 #5.7.1 DKIM unauthenticated mail is prohibited.",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "postfix-policyd-spf: the explanation link",
        "550 5.7.1 <kijitora@example.net>: Recipient address rejected: Please see http://www.openspf.net/Why?s=mfrom;id=sender@example.org;ip=192.0.2.10;r=mx1.example.net",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "Exim spec: the SPF ACL's message",
        "550 192.0.2.10 is not allowed to send mail from example.org",
        "",
        "550",
        "authfailure",
    ),
    (
        "Exchange Sender ID agent",
        "550 5.7.1 Sender ID (PRA) Not Permitted",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "Sophos Central Email XGEMAIL_0001 (no valid DKIM signature)",
        "550 5.7.1 XGEMAIL_0001 Message didn't contain a valid DKIM signature",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "Sophos Central Email XGEMAIL_0002 (SPF check failed)",
        "550 5.7.1 XGEMAIL_0002 Message failed an SPF check",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "Sophos Central Email XGEMAIL_0003 (DMARC check failed)",
        "550 5.7.1 XGEMAIL_0003 Message failed a DMARC check",
        "5.7.1",
        "550",
        "authfailure",
    ),
    // ------------------------------------------------------------------------- norelaying
    (
        "Trend Micro IMSS/IMSVA: recipient domain not in the relay domains",
        "550 Domain of forward path is not allowed",
        "",
        "550",
        "norelaying",
    ),
    (
        "Symantec Email Security.cloud (MessageLabs): relay refused",
        "553-you are trying to use me [server-4.tower-21.messagelabs.com] as a relay, but I have not been configured to let you [192.0.2.10, mx1.example.org] do this. Please visit www.symanteccloud.com/troubleshooting for more details about this error message and instructions to resolve this issue. (#5.7.1)",
        "5.7.1",
        "553",
        "norelaying",
    ),
    (
        "Sophos Central Email XGEMAIL_0010 (recipient domain not protected)",
        "550 5.7.1 XGEMAIL_0010 Message rejected because the recipient's domain isn't a Sophos Email protected domain",
        "5.7.1",
        "550",
        "norelaying",
    ),
    // ---------------------------------------------------------------------- securityerror
    (
        "Exchange: anonymous sender refused by the receive connector",
        "530 5.7.1 Client was not authenticated",
        "5.7.1",
        "530",
        "securityerror",
    ),
    (
        "Exchange Online: SMTP submission without authentication",
        "530 5.7.57 Client not authenticated to send mail.",
        "5.7.57",
        "530",
        "securityerror",
    ),
    (
        "Exchange: connector permission",
        "550 5.7.1 Client does not have permissions to submit to this server",
        "5.7.1",
        "550",
        "securityerror",
    ),
    (
        "Exchange: Send As permission",
        "550 5.7.1 Client does not have permissions to send as this sender",
        "5.7.1",
        "550",
        "securityerror",
    ),
    (
        "Exchange: Send on Behalf permission",
        "550 5.7.1 Client does not have permissions to send on behalf of the from address",
        "5.7.1",
        "550",
        "securityerror",
    ),
    (
        "Exchange: AUTH refused", "535 5.7.3 Authentication unsuccessful", "5.7.3", "535",
        "securityerror",
    ),
    (
        "Exchange: unknown AUTH mechanism",
        "504 5.7.4 Unrecognized authentication type",
        "5.7.4",
        "504",
        "securityerror",
    ),
    (
        "Exchange: AUTH failed for now",
        "454 4.7.0 Temporary authentication failure",
        "4.7.0",
        "454",
        "securityerror",
    ),
    (
        "Exchange: authentication required before MAIL",
        "530 5.7.1 Not authenticated",
        "5.7.1",
        "530",
        "securityerror",
    ),
    // --------------------------------------------------------------------- failedstarttls
    (
        "Sophos Central Email XGEMAIL_0006 (TLS version does not match the policy)",
        "550 5.7.1 XGEMAIL_0006 Message rejected because the TLS version used doesn't match the version configured in your policy",
        "5.7.1",
        "550",
        "failedstarttls",
    ),
    (
        "Exim smtp transport: hosts_require_tls, not offered",
        "a TLS session is required, but the server did not offer TLS support",
        "",
        "",
        "failedstarttls",
    ),
    (
        "Exchange: STARTTLS negotiation failed",
        "554 5.7.3 Unable to initialize security subsystem",
        "5.7.3",
        "554",
        "failedstarttls",
    ),
    (
        "Exchange: certificate validation failed",
        "454 4.7.5 Certificate validation failure",
        "4.7.5",
        "454",
        "failedstarttls",
    ),
    (
        "Exchange: STARTTLS required before AUTH",
        "451 5.7.3 Require STARTTLS to authenticate",
        "5.7.3",
        "451",
        "failedstarttls",
    ),
    // -------------------------------------------------------------------- notcompliantrfc
    (
        "Gmail (earlier wording): not RFC 2822 compliant",
        "550-5.7.1 [192.0.2.10 11] Our system has detected that this message is not RFC 2822 compliant. To reduce the amount of spam sent to Gmail, this message has been blocked. Please review RFC 2822 specifications for more information. a1si1234567lab.16 - gsmtp",
        "5.7.1",
        "550",
        "notcompliantrfc",
    ),
    (
        "Gmail: Message-ID missing or invalid",
        "550-5.7.1 [192.0.2.10] Messages missing a valid messageId header are not accepted. b2si7654321wrx.20 - gsmtp",
        "5.7.1",
        "550",
        "notcompliantrfc",
    ),
    (
        "OpenSMTPD: malformed message",
        "550 5.7.1 Delivery not authorized, message refused: Message is not RFC 2822 compliant",
        "5.7.1",
        "550",
        "notcompliantrfc",
    ),
    (
        "relay service: RFC 2822 conformance",
        "550 MSG-RFC Your message does not conform to RFC2822 standard",
        "",
        "550",
        "notcompliantrfc",
    ),
    (
        "amavisd-new: bad-header category",
        "554 5.6.0 Reject, id=12345-02 - BAD HEADER SECTION: Improper folded header field made up entirely of whitespace",
        "5.6.0",
        "554",
        "notcompliantrfc",
    ),
    (
        "Exim verify = header_sender: a syntax error in the From: header",
        "550 syntax error in 'From' header when scanning for sender: missing or malformed local part in \"<@example.org>\"",
        "",
        "550",
        "notcompliantrfc",
    ),
    (
        "Exim verify = header_syntax: a bad address in a header",
        "550 5.7.0 domain missing or malformed: failing address in \"To:\" header is: <undisclosed-recipients>",
        "5.7.0",
        "550",
        "notcompliantrfc",
    ),
    (
        "a URL block list named in a rejection (Spamhaus DBL)",
        "554 5.7.1 Rejected: URL in message body listed in dbl.spamhaus.org",
        "5.7.1",
        "554",
        "spamdetected",
    ),
    // ---------------------------------------------------------------------- virusdetected
    (
        "MailScanner: its notice to the sender",
        "Our virus detector has just been triggered by a message you sent:- To: b@example.org Subject: invoice Any infected parts of the message have not been delivered.",
        "",
        "",
        "virusdetected",
    ),
    (
        "amavisd-new 2.x: virus found (CC_VIRUS reason)",
        "554 5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Test-Signature",
        "5.7.0",
        "554",
        "virusdetected",
    ),
    (
        "rspamd antivirus (older message)",
        "554 5.7.1 ClamAV FOUND VIRUS \"Eicar-Signature\"",
        "5.7.1",
        "554",
        "virusdetected",
    ),
    // ---------------------------------------------------------------------------- blocked
    (
        "Exim dnslists: the default message",
        "550 rejected because 192.0.2.10 is in a black list at truncate.gbudb.net",
        "",
        "550",
        "blocked",
    ),
    (
        "Sendmail FEATURE(dnsbl): the default message",
        "550 5.7.1 Rejected: 192.0.2.10 listed at bl.0spam.org",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Sendmail FEATURE(dnsbl): the older default message",
        "550 5.7.1 Mail from 192.0.2.10 refused by blackhole site bl.0spam.org",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Trend Micro ERS (MAPS RBL+)",
        "550 Mail from 192.0.2.10 refused by rbl-plus.mail-abuse.org. Please refer to http://mail-abuse.org/rbl+ for an explanation",
        "",
        "550",
        "blocked",
    ),
    (
        "Sendmail FEATURE(dnsbl) with SORBS",
        "550 5.7.1 Rejected: 192.0.2.10 listed at dnsbl.sorbs.net",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Sendmail FEATURE(dnsbl) with the CBL",
        "550 5.7.1 Rejected: 192.0.2.10 listed at cbl.abuseat.org",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Exim dnslists with UCEPROTECT",
        "550 rejected because 192.0.2.10 is in a black list at dnsbl-1.uceprotect.net",
        "",
        "550",
        "blocked",
    ),
    (
        "Exim dnslists with backscatterer.org",
        "550 rejected because 192.0.2.10 is in a black list at ips.backscatterer.org",
        "",
        "550",
        "blocked",
    ),
    (
        "Sendmail FEATURE(dnsbl) with PSBL",
        "550 5.7.1 Rejected: 192.0.2.10 listed at psbl.surriel.com",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Exim dnslists with Mailspike",
        "550 rejected because 192.0.2.10 is in a black list at bl.mailspike.net",
        "",
        "550",
        "blocked",
    ),
    (
        "Exim dnslists with Hostkarma",
        "550 rejected because 192.0.2.10 is in a black list at hostkarma.junkemailfilter.com",
        "",
        "550",
        "blocked",
    ),
    (
        "Exim dnslists with SpamRATS",
        "550 rejected because 192.0.2.10 is in a black list at dyna.spamrats.com",
        "",
        "550",
        "blocked",
    ),
    (
        "Exim dnslists with Invaluement",
        "550 rejected because 192.0.2.10 is in a black list at sip.invaluement.com",
        "",
        "550",
        "blocked",
    ),
    (
        "Exchange Connection Filtering: IP Block List Provider default",
        "550 5.7.1 Recipient not authorized, your IP has been found on a block list",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Cisco Secure Email: HAT reject",
        "550 #5.7.1 Your access to submit messages to this e-mail system has been rejected.",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Exchange IP Block List",
        "550 5.7.1 External client with IP address 192.0.2.10 does not have permissions to submit to this server. Visit http://support.microsoft.com/kb/928123 for more information.",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "GMX / WEB.DE: IP on the block list",
        "554-gmx.net (mxgmx117) Nemesis ESMTP Service not available 554-No SMTP service 554-IP address is block listed. 554 For explanation visit https://www.gmx.net/mail/senderguidelines?c=bl",
        "",
        "554",
        "blocked",
    ),
    (
        "Comcast: IP blocked for spam",
        "554 5.7.1 resimta-po-01v.sys.comcast.net comcast 192.0.2.10 Comcast block for spam. Please see http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
        "5.7.1",
        "554",
        "blocked",
    ),
    (
        "ASSP: connection denied",
        "554 5.7.2 Service denied, closing transmission channel",
        "5.7.2",
        "554",
        "blocked",
    ),
    (
        "Postfix reject_non_fqdn_helo_hostname",
        "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
        "5.5.2",
        "504",
        "blocked",
    ),
    (
        "Postfix reject_unknown_helo_hostname",
        "450 4.7.1 <mail.example.org>: Helo command rejected: Host not found",
        "4.7.1",
        "450",
        "blocked",
    ),
    (
        "T-Online: its block list",
        "554 IP=192.0.2.10 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)",
        "",
        "554",
        "blocked",
    ),
    (
        "Spamhaus named by a gateway",
        "550 5.7.1 Connections not accepted from IP addresses on Spamhaus XBL",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Exim configurations' DNSBL ACL",
        "550 JunkMail rejected - mx1.example.org [192.0.2.10]:41784 is in an RBL, see http://rbl.example.net/lookup?ip=192.0.2.10",
        "",
        "550",
        "blocked",
    ),
    (
        "Proofpoint's reputation link quoted by a relay",
        "550 5.7.1 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.10",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "Sophos Central Email XGEMAIL_0004 (sender IP failed an RBL test)",
        "550 5.7.1 XGEMAIL_0004 Sender IP address failed an RBL test",
        "5.7.1",
        "550",
        "blocked",
    ),
    // ----------------------------------------------------------------------- spamdetected
    (
        "spamass-milter: default reject text", "550 5.7.1 Blocked by SpamAssassin", "5.7.1", "550",
        "spamdetected",
    ),
    (
        "cPanel Exim: SpamAssassin score over the reject threshold",
        "550 Your message scored 10.4 SpamAssassin point. Report follows:",
        "",
        "550",
        "spamdetected",
    ),
    (
        "Exim spec: the spam ACL's message",
        "550 This message scored 12.3 spam points.",
        "",
        "550",
        "spamdetected",
    ),
    ("rspamd: the GTUBE test pattern", "554 5.7.1 Gtube pattern", "5.7.1", "554", "spamdetected"),
    (
        "ASSP: spam",
        "554 5.7.1 Mail appears to be unsolicited -- send error reports to postmaster@example.net",
        "5.7.1",
        "554",
        "spamdetected",
    ),
    // -------------------------------------------------------------------- policyviolation
    (
        "Exchange content filtering: content restrictions",
        "550 5.7.1 Message rejected due to content restrictions",
        "5.7.1",
        "550",
        "policyviolation",
    ),
    (
        "Exchange mail flow rule",
        "550 5.7.1 TRANSPORT.RULES.RejectMessage; the message was rejected by organization policy",
        "5.7.1",
        "550",
        "policyviolation",
    ),
    (
        "Apple iCloud: local policy",
        "554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
        "5.7.1",
        "554",
        "policyviolation",
    ),
    (
        "gateway rejection from Broadcom's list: banned content",
        "554 Rejected due to banned content",
        "",
        "554",
        "policyviolation",
    ),
    (
        "Exchange attachment filtering agent",
        "550 5.7.1 Message rejected due to unacceptable attachments",
        "5.7.1",
        "550",
        "policyviolation",
    ),
    (
        "Exim MIME ACL: a blocked file extension",
        "550 This message contains an unwanted file extension (exe)",
        "",
        "550",
        "policyviolation",
    ),
    (
        "gateway rejection from Broadcom's list: Office macros",
        "552 MS-Office file containing VBA macros found inside of the email",
        "",
        "552",
        "policyviolation",
    ),
    (
        "relay service: a high-risk attachment",
        "550 MSG-EXT Blacklisted high risk file extension detected",
        "",
        "550",
        "policyviolation",
    ),
    // ----------------------------------------------------------------------- contenterror
    (
        "Postfix smtp(8): the message needs SMTPUTF8, the server lacks it",
        "SMTPUTF8 is required, but was not offered by host mx.example.org[192.0.2.1]",
        "5.6.7",
        "",
        "contenterror",
    ),
    (
        "Sendmail: 8-bit data refused", "554 5.6.1 Eight bit data not allowed", "5.6.1", "554",
        "contenterror",
    ),
    (
        "Sendmail: 8-bit data towards a 7-bit destination",
        "554 5.6.3 Cannot send 8-bit data to 7-bit destination",
        "5.6.3",
        "554",
        "contenterror",
    ),
    (
        "Exim MIME ACL: a MIME defect",
        "550 Serious MIME defect detected (MIME_ERRORLEVEL 3)",
        "",
        "550",
        "contenterror",
    ),
    (
        "Exim demime: a MIME error",
        "550 This message contains a MIME error (unknown content-transfer-encoding)",
        "",
        "550",
        "contenterror",
    ),
    (
        "Exchange: invalid content", "554 5.6.0 Invalid message content", "5.6.0", "554",
        "contenterror",
    ),
    (
        "Exchange: message/partial",
        "554 5.6.1 Messages of type message/partial are not supported",
        "5.6.1",
        "554",
        "contenterror",
    ),
    (
        "Exchange mailbox delivery: corrupt content",
        "554 5.6.0 STOREDRV.Deliver; Corrupt message content",
        "5.6.0",
        "554",
        "contenterror",
    ),
    (
        "Exchange Online: MIME limits",
        "554 5.6.211 Invalid MIME Content: Number of MimePart objects (1001) exceeded allowed maximum (1000).",
        "5.6.211",
        "554",
        "contenterror",
    ),
    // ------------------------------------------------------------------------ syntaxerror
    (
        "Postfix smtpd: RCPT before MAIL", "503 5.5.1 Error: need MAIL command", "5.5.1", "503",
        "syntaxerror",
    ),
    (
        "Postfix smtpd: DATA before RCPT", "503 5.5.1 Error: need RCPT command", "5.5.1", "503",
        "syntaxerror",
    ),
    (
        "Postfix smtpd: MAIL twice", "503 5.5.1 Error: nested MAIL command", "5.5.1", "503",
        "syntaxerror",
    ),
    (
        "Postfix smtpd: pipelining without PIPELINING",
        "503 5.5.0 Error: improper use of SMTP command pipelining",
        "5.5.0",
        "503",
        "syntaxerror",
    ),
    (
        "Sendmail: RCPT before MAIL", "503 5.0.0 Need MAIL before RCPT", "5.0.0", "503",
        "syntaxerror",
    ),
    (
        "Sendmail: DATA before RCPT", "503 5.0.0 Need RCPT (recipient)", "5.0.0", "503",
        "syntaxerror",
    ),
    ("Sendmail: MAIL twice", "503 5.5.0 Sender already specified", "5.5.0", "503", "syntaxerror"),
    (
        "Postfix smtpd: MAIL FROM without an address",
        "501 5.5.4 Syntax: MAIL FROM:<address>",
        "5.5.4",
        "501",
        "syntaxerror",
    ),
    (
        "Postfix smtpd: RCPT TO without an address",
        "501 5.5.4 Syntax: RCPT TO:<address>",
        "5.5.4",
        "501",
        "syntaxerror",
    ),
    ("Exchange: MAIL before HELO", "503 5.5.2 Send hello first", "5.5.2", "503", "syntaxerror"),
    ("Exchange: MAIL before EHLO", "503 5.5.2 Send EHLO first", "5.5.2", "503", "syntaxerror"),
    (
        "Exchange: EHLO without a name", "501 5.0.0 EHLO requires domain address", "5.0.0", "501",
        "syntaxerror",
    ),
    (
        "Exchange: unknown parameter", "501 5.5.4 Unrecognized parameter", "5.5.4", "501",
        "syntaxerror",
    ),
    (
        "Exchange: missing arguments",
        "501 5.5.4 Required arguments not present",
        "5.5.4",
        "501",
        "syntaxerror",
    ),
    // --------------------------------------------------------------------------- rejected
    (
        "gateway rejection from Broadcom's list: envelope sender",
        "553 Envelope sender rejected",
        "",
        "553",
        "rejected",
    ),
    (
        "Coremail: null reverse-path refused",
        "553 Requested action not taken: NULL sender is not allowed",
        "",
        "553",
        "rejected",
    ),
    (
        "gateway rejection from Broadcom's list: sender on the domain's block list",
        "551 Sender is on domain's blacklist",
        "",
        "551",
        "rejected",
    ),
    (
        "Sendmail: unqualified sender address",
        "553 5.5.4 <kijitora>... Domain name required for sender address kijitora",
        "5.5.4",
        "553",
        "rejected",
    ),
    (
        "Sophos Central Email XGEMAIL_0005 (sender domain failed a DBL test)",
        "550 5.7.1 XGEMAIL_0005 Sender domain failed a DBL test",
        "5.7.1",
        "550",
        "rejected",
    ),
    (
        "Sophos Central Email XGEMAIL_0008 (admin block list)",
        "550 5.7.1 XGEMAIL_0008 Message rejected because a domain, an IP address, or an email address is in the admin block list",
        "5.7.1",
        "550",
        "rejected",
    ),
    // --------------------------------------------------------------------------- filtered
    (
        "Sophos Central Email XGEMAIL_0009 (user block list)",
        "550 5.7.1 XGEMAIL_0009 Message rejected because a domain, an IP address, or an email address is in the user block list",
        "5.7.1",
        "550",
        "filtered",
    ),
];

/// A host that names no provider.
const NEUTRAL_HOST: &str = "mx1.example.net";

fn classify(diagnostic: &str, status: &str, reply: &str) -> Verdict {
    Classifier::builtin().classify(&Facts {
        diagnostic,
        status,
        reply,
        rhost: NEUTRAL_HOST,
        destination: "example.net",
        command: "",
    })
}

fn reason(name: &str) -> Reason {
    Reason::from_name(name).unwrap_or_else(|| panic!("{name:?} is not a reason"))
}

#[test]
fn filter_and_policy_wording_is_read_by_the_text_rules() {
    let mut failures = Vec::new();
    for &(whose, diagnostic, status, reply, expected) in CASES {
        let v = classify(diagnostic, status, reply);
        // The text rule of that reason decides (its id begins with the reason), not the status
        // code and not a provider.
        let prefix = format!("{expected}.");
        if v.reason != reason(expected) || !v.rule.starts_with(&prefix) {
            failures.push(format!(
                "{whose}: {diagnostic:?} ({status}/{reply})\n    want {expected} by {prefix}*, got {} by {} (evidence {:?})",
                v.reason.as_str(),
                v.rule,
                v.evidence,
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
