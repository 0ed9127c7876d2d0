//! The provider layer of the classifier: each provider's own wording, as its servers write it in
//! a reply, is decided by that provider's rules (the rule id names the provider), and a
//! provider's rules never decide for a host or domain that belongs to someone else.
//!
//! The lines are written from the providers' published error-code pages and help texts (Gmail's
//! "SMTP errors and codes", Exchange Online's NDR reference, Yahoo's Sender Hub error codes, QQ
//! Mail's and NetEase's bounce-code help, and the others named in each provider file's header),
//! with documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and example
//! names in place of real ones.

use tuixin::classify::Facts;
use tuixin::{Classifier, Reason, Verdict};

/// (provider, host, diagnostic, status, reply, reason).
///
/// `host` is the remote host that answered; written `@domain` it is the recipient's domain
/// instead, for providers whose MX hosts carry someone else's name (Cox's cloudfilter.net) or for
/// bounce notices that the provider wrote itself (QQ Mail's Chinese notices).
const CASES: &[(&str, &str, &str, &str, &str, &str)] = &[
    // -------------------------------------------------------------------------------- google
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = did not pass SPF [example.net] with ip: [192.0.2.10] = did not pass For instructions on setting up authentication, go to https://support.google.com/mail/answer/81126#authentication a1si123456qkb.12 - gsmtp",
        "5.7.26",
        "550",
        "authfailure",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your DKIM domain [example.net 30]. To protect our users from spam, mail sent from your domain has been temporarily rate limited. For more information, go to https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. b2si654321pfa.88 - gsmtp",
        "4.7.28",
        "421",
        "badreputation",
    ),
    (
        "google",
        "aspmx.l.google.com",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser c3si111222ejb.45 - gsmtp",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp d4si333444wrx.7 - gsmtp",
        "4.2.2",
        "452",
        "mailboxfull",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.2.1 The email account that you tried to reach is disabled. For more information, go to https://support.google.com/mail/?p=DisabledUser e5si555666plq.3 - gsmtp",
        "5.2.1",
        "550",
        "suspend",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "450-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. Please resend your message at a later time. If the user is able to receive mail at that time, your message will be delivered. For more information, go to https://support.google.com/mail/?p=ReceivingRatePerUser f6si777888qtb.9 - gsmtp",
        "4.2.1",
        "450",
        "speeding",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.7.25 [192.0.2.10] The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail does not accept messages from IPs with missing PTR records. For more information, go to https://support.google.com/mail/answer/81126#ip-practices g7si999000ybg.21 - gsmtp",
        "5.7.25",
        "550",
        "requireptr",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "421-4.7.0 [192.0.2.10] Our system has detected that this message is suspicious due to the very low reputation of the sending IP address. To best protect our users from spam, the message has been blocked. For more information, go to https://support.google.com/mail/answer/188131 h8si121212oib.5 - gsmtp",
        "4.7.0",
        "421",
        "badreputation",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.7.1 [192.0.2.10] Gmail has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. For more information, go to https://support.google.com/mail/?p=UnsolicitedMessageError i9si343434edb.11 - gsmtp",
        "5.7.1",
        "550",
        "spamdetected",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "421-4.7.29 Your email has been rate limited because this message wasn't sent over a TLS connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections. For more information, go to https://support.google.com/mail/?p=TlsRequired j1si565656pjz.2 - gsmtp",
        "4.7.29",
        "421",
        "failedstarttls",
    ),
    (
        "google",
        "aspmx.l.google.com",
        "421-4.7.0 IP not in whitelist for RCPT domain, closing connection. k1si2345678qkb.12 - gsmtp",
        "4.7.0",
        "421",
        "blocked",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.7.1 Messages missing a valid Message-ID: header are not accepted. For more information, go to https://support.google.com/mail/?p=RfcMessageNonCompliant and review RFC 5322 specifications. l2si3456789ejb.3 - gsmtp",
        "5.7.1",
        "550",
        "notcompliantrfc",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.7.1 This message is not RFC 5322 compliant because it has duplicate headers. To reduce the amount of spam sent to Gmail, this message has been blocked. m3si4567890pjz.7 - gsmtp",
        "5.7.1",
        "550",
        "notcompliantrfc",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "421-4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain. n4si5678901qtb.8 - gsmtp",
        "4.7.32",
        "421",
        "authfailure",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.7.30 This mail has been blocked because DKIM does not pass. Gmail requires all large senders to authenticate with DKIM. Authentication results: DKIM = did not pass. o5si6789012ybg.4 - gsmtp",
        "5.7.30",
        "550",
        "authfailure",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "550-5.7.27 This mail has been blocked because the sender is unauthenticated. Gmail requires all bulk senders to authenticate with SPF. Authentication results: SPF example.net with IP address: 192.0.2.10 = did not pass. p6si7890123oib.5 - gsmtp",
        "5.7.27",
        "550",
        "authfailure",
    ),
    (
        "google",
        "gmail-smtp-in.l.google.com",
        "552-5.7.0 This message was blocked because its content presents a potential security issue. Please visit https://support.google.com/mail/?p=BlockedMessage to review our message content and attachment content guidelines. q7si8901234edb.6 - gsmtp",
        "5.7.0",
        "552",
        "policyviolation",
    ),
    // ----------------------------------------------------------------------------- microsoft
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "550 5.7.606 Access denied, banned sending IP [192.0.2.45]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 (AS16012609)",
        "5.7.606",
        "550",
        "blocked",
    ),
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        "5.1.10",
        "550",
        "userunknown",
    ),
    (
        "microsoft",
        "hotmail-com.olc.protection.outlook.com",
        "550 5.7.509 Access denied, sending domain example.net does not pass DMARC verification and has a DMARC policy of reject.",
        "5.7.509",
        "550",
        "authfailure",
    ),
    (
        "microsoft",
        "outlook-com.olc.protection.outlook.com",
        "451 4.7.650 The mail server [192.0.2.45] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)",
        "4.7.650",
        "451",
        "badreputation",
    ),
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception with message Cannot open mailbox.",
        "5.2.2",
        "554",
        "mailboxfull",
    ),
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which cannot be sent via DATA and receiving system does not support BDAT",
        "5.6.11",
        "550",
        "notcompliantrfc",
    ),
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant and include a valid From address",
        "5.7.512",
        "550",
        "notcompliantrfc",
    ),
    (
        "microsoft",
        "am6pr01mb1234.eurprd01.prod.outlook.com",
        "550 5.4.310 DNS domain example.invalid does not exist [Message=InfoDomainNonexistent] [LastAttemptedServerName=example.invalid]",
        "5.4.310",
        "550",
        "hostunknown",
    ),
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "550 5.7.64 TenantAttribution; Relay Access Denied [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]",
        "5.7.64",
        "550",
        "norelaying",
    ),
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [AM3PEPF0000A78E.eurprd04.prod.outlook.com]",
        "5.4.1",
        "550",
        "userunknown",
    ),
    (
        "microsoft",
        "example-com.mail.protection.outlook.com",
        "550 5.7.515 Access denied, sending domain example.net doesn't meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender.",
        "5.7.515",
        "550",
        "authfailure",
    ),
    (
        "microsoft",
        "outlook-com.olc.protection.outlook.com",
        "451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714) [HE1EUR04FT047.eop-eur04.prod.protection.outlook.com]",
        "4.7.500",
        "451",
        "badreputation",
    ),
    // --------------------------------------------------------------------------------- yahoo
    (
        "yahoo",
        "mta6.am0.yahoodns.net",
        "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        "4.7.0",
        "421",
        "badreputation",
    ),
    (
        "yahoo",
        "mta5.am0.yahoodns.net",
        "553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
        "5.7.2",
        "553",
        "blocked",
    ),
    (
        "yahoo",
        "mta7.am0.yahoodns.net",
        "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
        "5.7.9",
        "550",
        "authfailure",
    ),
    (
        "yahoo",
        "mta7.am0.yahoodns.net",
        "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
        "5.7.1",
        "553",
        "blocked",
    ),
    (
        "yahoo",
        "mta6.am0.yahoodns.net",
        "554 delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com",
        "5.0.0",
        "554",
        "userunknown",
    ),
    (
        "yahoo",
        "mx-aol.mail.gm0.yahoodns.net",
        "554 Sorry, your message to someone@aol.com cannot be delivered. This mailbox is disabled (554.30).",
        "5.0.0",
        "554",
        "suspend",
    ),
    (
        "yahoo",
        "mta5.am0.yahoodns.net",
        "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
        "5.7.9",
        "554",
        "policyviolation",
    ),
    (
        "yahoo",
        "mta5.am0.yahoodns.net",
        "451 Message temporarily deferred due to unresolvable RFC.5321 from domain; see https://postmaster.yahooinc.com/error-codes",
        "4.0.0",
        "451",
        "rejected",
    ),
    (
        "yahoo",
        "mta6.am0.yahoodns.net",
        "553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL; see https://postmaster.yahooinc.com/error-codes",
        "5.7.1",
        "553",
        "blocked",
    ),
    (
        "yahoo",
        "mta6.am0.yahoodns.net",
        "552 1 Requested mail action aborted, mailbox not found",
        "5.0.0",
        "552",
        "userunknown",
    ),
    (
        "yahoo", "mta6.am0.yahoodns.net", "450 User is receiving mail too quickly", "4.0.0", "450",
        "speeding",
    ),
    (
        "yahoo",
        "mta6.am0.yahoodns.net",
        "554 Message not allowed - Headers are not RFC compliant[291]",
        "5.0.0",
        "554",
        "notcompliantrfc",
    ),
    (
        "yahoo",
        "mta6.am0.yahoodns.net",
        "554 Message not allowed - [PH01] Email not accepted for policy reasons. Please visit https://postmaster.yahooinc.com/error-codes",
        "5.0.0",
        "554",
        "policyviolation",
    ),
    // ------------------------------------------------------------------------------- tencent
    (
        "tencent",
        "mx3.qq.com",
        "550 Mailbox not found. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000728",
        "5.0.0",
        "550",
        "userunknown",
    ),
    (
        "tencent",
        "mx1.qq.com",
        "550 Ip frequency limited. http://service.mail.qq.com/detail/122/172",
        "5.0.0",
        "550",
        "speeding",
    ),
    (
        "tencent",
        "mx2.qq.com",
        "550 Mail content denied. http://service.mail.qq.com/detail/122/171",
        "5.0.0",
        "550",
        "spamdetected",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "550 SPF check failed. http://service.mail.qq.com/detail/122/72",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "tencent",
        "mx1.qq.com",
        "550 Mail is rejected by recipients. http://service.mail.qq.com/detail/122/92",
        "5.0.0",
        "550",
        "rejected",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "552 Message too large. http://service.mail.qq.com/detail/122/168",
        "5.3.4",
        "552",
        "mesgtoobig",
    ),
    ("tencent", "@qq.com", "退信原因：该用户不存在", "5.1.1", "550", "userunknown"),
    ("tencent", "@qq.com", "退信原因：该用户未开通QQ邮箱", "5.1.1", "550", "userunknown"),
    ("tencent", "@foxmail.com", "退信原因：收件人空间不足", "5.2.2", "552", "mailboxfull"),
    (
        "tencent",
        "mx3.qq.com",
        "550 Connection denied. http://service.mail.qq.com/detail/122/170",
        "5.0.0",
        "550",
        "blocked",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "550 Suspected bounce attacks. http://service.mail.qq.com/detail/122/57",
        "5.0.0",
        "550",
        "blocked",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "550 Domain frequency limited. http://service.mail.qq.com/detail/122/173",
        "5.0.0",
        "550",
        "speeding",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "550 Connection frequency limited. http://service.mail.qq.com/detail/122/175",
        "5.0.0",
        "550",
        "toomanyconn",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "550 Mailbox unavailable or access denined. http://service.mail.qq.com/detail/122/166",
        "5.0.0",
        "550",
        "speeding",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "501 Bad address syntax. http://service.mail.qq.com/detail/122/167",
        "5.1.3",
        "501",
        "syntaxerror",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "550 DMARC check failed. http://service.mail.qq.com/detail/122/16",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "tencent",
        "mx3.qq.com",
        "550 someone@qq.com is a deactivated mailbox http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000742",
        "5.0.0",
        "550",
        "suspend",
    ),
    // ------------------------------------------------------------------------------- netease
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "550 MI:SPF mail from IP 192.0.2.10 is not permitted by SPF policy http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "netease",
        "126mx00.mxmail.netease.com",
        "554 DT:SPM 126 mx43,LcCowAD3Tv_abcdEFGH==.12345S2 1700000000 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "5.0.0",
        "554",
        "spamdetected",
    ),
    (
        "netease", "163mx02.mxmail.netease.com", "550 User not found: someone@163.com", "5.1.1",
        "550", "userunknown",
    ),
    (
        "netease", "163mx03.mxmail.netease.com", "550 User suspended: someone@163.com", "5.2.1",
        "550", "suspend",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "421 HL:REP 163 mx43,LcCowAD3Tv_abcdEFGH==.12345S2 1700000000 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "4.0.0",
        "421",
        "blocked",
    ),
    (
        "netease",
        "yeahmx01.mxmail.netease.com",
        "451 MI:SFQ 163 mx43,LcCowAD3Tv_abcdEFGH==.12345S2 1700000000 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "4.0.0",
        "451",
        "speeding",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "552 Requested mail action aborted: exceeded mailsize limit",
        "5.3.4",
        "552",
        "mesgtoobig",
    ),
    (
        "netease",
        "163mx02.mxmail.netease.com",
        "554 DT:SUM envelope and header sender mismatch http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "5.0.0",
        "554",
        "policyviolation",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "451 DT:SPM 163 mx43,LcCowAD3Tv_abcdEFGH==.12345S2 1700000000, please try again http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "4.0.0",
        "451",
        "spamdetected",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "550 RP:FRL 163 mx43 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "5.0.0",
        "550",
        "norelaying",
    ),
    (
        "netease",
        "126mx01.mxmail.netease.com",
        "554 HL:IPB 126 mx43 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "5.0.0",
        "554",
        "blocked",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "550 MI:DMA 163 mx43 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "450 MI:DMC 163 mx43 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "4.0.0",
        "450",
        "toomanyconn",
    ),
    (
        "netease", "163mx01.mxmail.netease.com", "552 Illegal Attachment", "5.0.0", "552",
        "policyviolation",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "554 IP is rejected, smtp auth error limit exceed",
        "5.0.0",
        "554",
        "securityerror",
    ),
    ("netease", "163mx01.mxmail.netease.com", "550 User in blacklist", "5.0.0", "550", "rejected"),
    ("netease", "163mx01.mxmail.netease.com", "550 Invalid User", "5.1.1", "550", "userunknown"),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "553 Requested action not taken: NULL sender is not allowed",
        "5.0.0",
        "553",
        "rejected",
    ),
    (
        "netease",
        "163mx01.mxmail.netease.com",
        "554 5.7.3 HL:ITC 163 mx43 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=mx43&time=1700000000",
        "5.7.3",
        "554",
        "exceedlimit",
    ),
    // -------------------------------------------------------------------------------- aliyun
    (
        "aliyun",
        "mx1.qiye.aliyun.com",
        "454 Transient reject by behaviour spam at DATA State(Connection IP address:192.0.2.10)ANTISPAM_BAT[01201311R145b, maildocker-behaviorspam033045050163]: currently unexpected sending",
        "4.0.0",
        "454",
        "spamdetected",
    ),
    (
        "aliyun",
        "mxw.mxhichina.com",
        "554 Reject by behaviour spam at Rcpt State(Connection IP address:192.0.2.10)ANTISPAM_BAT[01201311R191b, maildocker-behaviorspam033045050163]: list on rbl sites",
        "5.0.0",
        "554",
        "blocked",
    ),
    (
        "aliyun",
        "mxn.mxhichina.com",
        "503 Rcptto account isn't a local account",
        "5.0.0",
        "503",
        "userunknown",
    ),
    (
        "aliyun",
        "mx1.qiye.aliyun.com",
        "505 the total of RCPTs is achieved the maximum threshold",
        "5.0.0",
        "505",
        "speeding",
    ),
    (
        "aliyun",
        "mxw.mxhichina.com",
        "510 The length of DATA content is achieved the maximum threshold",
        "5.0.0",
        "510",
        "mesgtoobig",
    ),
    (
        "aliyun",
        "mxw.mxhichina.com",
        "554 5.7.1 (13)ESO_LOCAL_SPAM: spamed by local spam engine",
        "5.7.1",
        "554",
        "spamdetected",
    ),
    (
        "aliyun",
        "mxw.mxhichina.com",
        "502 Mailfrom account is a local account",
        "5.0.0",
        "502",
        "securityerror",
    ),
    (
        "aliyun",
        "mxw.mxhichina.com",
        "504 the number of RCPT attempts is achieved the maximum threshold",
        "5.0.0",
        "504",
        "exceedlimit",
    ),
    (
        "aliyun",
        "mxw.mxhichina.com",
        "510 The number of attachments is achieved the maximum threshold",
        "5.0.0",
        "510",
        "policyviolation",
    ),
    // ------------------------------------------------------------------------------ coremail
    (
        "coremail", "mx.icoremail.net", "550 User not found: someone@example.cn", "5.1.1", "550",
        "userunknown",
    ),
    (
        "coremail",
        "mx.icoremail.net",
        "553 Requested mail action not taken: Fake sender",
        "5.7.1",
        "553",
        "rejected",
    ),
    (
        "coremail",
        "mx2.coremail.cn",
        "554 Requested mail action not taken: Invalid IP",
        "5.7.1",
        "554",
        "blocked",
    ),
    (
        "coremail", "mx2.coremail.cn", "550 User suspended: someone@example.cn", "5.2.1", "550",
        "suspend",
    ),
    ("coremail", "mx.icoremail.net", "550 IP is Hangup", "5.0.0", "550", "blocked"),
    ("coremail", "mx.icoremail.net", "550 User hangup", "5.0.0", "550", "suspend"),
    ("coremail", "mx.icoremail.net", "550 unavailable mail user", "5.1.1", "550", "userunknown"),
    (
        "coremail",
        "mx.icoremail.net",
        "553 Requested action not taken: Local user only",
        "5.0.0",
        "553",
        "rejected",
    ),
    ("coremail", "mx2.coremail.cn", "554 DebugInfo: SPF_REJECT", "5.7.1", "554", "authfailure"),
    // ---------------------------------------------------------------------------------- sina
    (
        "sina",
        "freemx1.sinamail.sina.com.cn",
        "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.10]",
        "4.7.1",
        "450",
        "requireptr",
    ),
    (
        "sina",
        "freemx2.sinamail.sina.com.cn",
        "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
        "5.5.2",
        "504",
        "syntaxerror",
    ),
    ("sina", "freemx1.sinamail.sina.com.cn", "550 RP:TRC", "5.0.0", "550", "exceedlimit"),
    (
        "sina",
        "freemx1.sinamail.sina.com.cn",
        "501 5.5.2 <bad_host>: Helo command rejected: Invalid name",
        "5.5.2",
        "501",
        "syntaxerror",
    ),
    // ---------------------------------------------------------------------------------- sohu
    (
        "sohu",
        "mx.sohu.com",
        "553 5.7.0 IP REJECT: 192.0.2.10:1700000000:http://mail.sohu.com/info/policy",
        "5.7.0",
        "553",
        "blocked",
    ),
    (
        "sohu",
        "mx.sohu.com",
        "550 5.1.1 <someone@sohu.com>: Recipient address rejected: User unknown in local recipient table",
        "5.1.1",
        "550",
        "userunknown",
    ),
    ("sohu", "mx.sohu.com", "553 5.7.1 SENDER REJECT", "5.7.1", "553", "rejected"),
    (
        "sohu",
        "mx.sohu.com",
        "552 5.3.4 Message size exceeds fixed limit",
        "5.3.4",
        "552",
        "mesgtoobig",
    ),
    (
        "sohu",
        "mx.sohu.com",
        "554 5.7.1 <someone@example.org>: Relay access denied",
        "5.7.1",
        "554",
        "norelaying",
    ),
    (
        "sohu",
        "mx.sohu.com",
        "554 5.7.1 <someone@sohu.com>: Sender address rejected: Access denied",
        "5.7.1",
        "554",
        "rejected",
    ),
    (
        "sohu",
        "mx.sohu.com",
        "450 4.1.8 <someone@example.invalid>: Sender address rejected: Domain not found",
        "4.1.8",
        "450",
        "rejected",
    ),
    ("sohu", "mx.sohu.com", "535 5.7.0 Invalid state", "5.7.0", "535", "securityerror"),
    // --------------------------------------------------------------------------------- apple
    (
        "apple",
        "mx01.mail.icloud.com",
        "550 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
        "5.7.1",
        "550",
        "policyviolation",
    ),
    (
        "apple",
        "mx02.mail.icloud.com",
        "550 5.1.1 <someone@icloud.com>: user does not exist",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "apple",
        "mx01.mail.icloud.com",
        "552 5.2.2 <someone@me.com>: user is over quota",
        "5.2.2",
        "552",
        "mailboxfull",
    ),
    (
        "apple",
        "mx01.mail.icloud.com",
        "421 4.7.1 Messages to someone@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137",
        "4.7.1",
        "421",
        "speeding",
    ),
    (
        "apple",
        "mx02.mail.icloud.com",
        "554 5.7.1 Your message was rejected due to example.net's DMARC policy. See https://support.apple.com/en-us/HT204137 for more information.",
        "5.7.1",
        "554",
        "authfailure",
    ),
    (
        "apple",
        "mx01.mail.icloud.com",
        "550 5.1.1 <someone@icloud.com>: inactive email address",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "apple",
        "mx01.mail.icloud.com",
        "550 5.1.1 unknown or illegal alias: someone@icloud.com",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "apple",
        "mx01.mail.icloud.com",
        "550 5.7.1 Mail from IP 192.0.2.10 was rejected due to listing in Spamhaus SBL. For details please see http://www.spamhaus.org/query/bl?ip=192.0.2.10",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "apple",
        "mx02.mail.icloud.com",
        "550 5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL -- see https://www.spamhaus.org/dbl/",
        "5.7.1",
        "550",
        "spamdetected",
    ),
    (
        "apple",
        "mx01.mail.icloud.com",
        "554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM authentication checks.",
        "5.7.1",
        "554",
        "authfailure",
    ),
    (
        "apple",
        "mx01.mail.icloud.com",
        "550 5.1.6 recipient no longer on server: someone@mac.com",
        "5.1.6",
        "550",
        "hasmoved",
    ),
    (
        "apple",
        "mx02.mail.icloud.com",
        "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.10",
        "5.7.0",
        "550",
        "blocked",
    ),
    // ----------------------------------------------------------------------------------- cox
    (
        "cox",
        "@cox.net",
        "554 cmsmtp blocked. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#CXBL",
        "5.0.0",
        "554",
        "blocked",
    ),
    (
        "cox",
        "@cox.net",
        "421 cmsmtp blocked. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#CXCNCT",
        "4.0.0",
        "421",
        "toomanyconn",
    ),
    (
        "cox",
        "@cox.net",
        "554 cmsmtp 192.0.2.10 rejected - no rDNS. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#CXDNS",
        "5.0.0",
        "554",
        "requireptr",
    ),
    (
        "cox",
        "@cox.net",
        "550 cmsmtp message rejected. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#CXSNDR",
        "5.0.0",
        "550",
        "authfailure",
    ),
    (
        "cox",
        "@cox.net",
        "550 5.1.1 <someone@cox.net> recipient rejected",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "cox",
        "@cox.net",
        "554 cmsmtp 192.0.2.10 blocked. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#IPBL0010",
        "5.0.0",
        "554",
        "blocked",
    ),
    (
        "cox",
        "@cox.net",
        "554 cmsmtp message rejected. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#URLBL101",
        "5.0.0",
        "554",
        "spamdetected",
    ),
    (
        "cox",
        "@cox.net",
        "421 cmsmtp too many sessions from 192.0.2.10",
        "4.0.0",
        "421",
        "toomanyconn",
    ),
    (
        "cox",
        "@cox.net",
        "550 5.1.0 <someone@example.invalid> sender rejected",
        "5.1.0",
        "550",
        "rejected",
    ),
    // -------------------------------------------------------------------------------- docomo
    (
        "docomo",
        "mfsmax.docomo.ne.jp",
        "550 Unknown user someone@docomo.ne.jp (in reply to RCPT TO command)",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "docomo",
        "mfsmax.docomo.ne.jp",
        "550 Unknown user someone@docomo.ne.jp (in reply to end of DATA command)",
        "5.1.1",
        "550",
        "filtered",
    ),
    (
        "docomo", "mfsmax.docomo.ne.jp", "550 Unknown user someone@docomo.ne.jp", "5.2.0", "550",
        "filtered",
    ),
    (
        "docomo",
        "mfsmax.docomo.ne.jp",
        "552 Too much mail data someone@docomo.ne.jp",
        "5.2.2",
        "552",
        "mailboxfull",
    ),
    ("docomo", "mfsmax.docomo.ne.jp", "552 Too many recipients", "5.5.3", "552", "toomanyconn"),
    (
        "docomo", "mfsmax.docomo.ne.jp", "503 Bad sequence of commands", "5.5.1", "503",
        "syntaxerror",
    ),
    // ------------------------------------------------------------------------------- godaddy
    (
        "godaddy",
        "mx1.secureserver.net",
        "552 5.2.0 This message has been rejected due to content judged to be spam by the internet community IB212",
        "5.2.0",
        "552",
        "spamdetected",
    ),
    (
        "godaddy",
        "mx2.secureserver.net",
        "554 p3plibsmtp01-07.prod.phx3.secureserver.net bizsmtp Connection refused. 192.0.2.10 is listed on the Exploits Block List (XBL) https://www.spamhaus.org/query/bl?ip=192.0.2.10 IB105",
        "5.7.1",
        "554",
        "blocked",
    ),
    (
        "godaddy",
        "mx1.secureserver.net",
        "554 p3plibsmtp02-03.prod.phx3.secureserver.net bizsmtp Connection refused. This IP has a poor reputation on Cloudmark Sender Intelligence (CSI). IB103",
        "5.7.1",
        "554",
        "badreputation",
    ),
    (
        "godaddy",
        "mx2.secureserver.net",
        "550 someone@example.org Invalid SPF record. Inspect your SPF settings, and try again. IB508",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "godaddy",
        "mx1.secureserver.net",
        "421 p3plibsmtp01-07.prod.phx3.secureserver.net bizsmtp Connection refused, too many sessions from This IP. Please lower the number of concurrent sessions. IB007",
        "4.7.0",
        "421",
        "toomanyconn",
    ),
    ("godaddy", "mx1.secureserver.net", "554 RBL Reject.", "5.7.1", "554", "blocked"),
    (
        "godaddy",
        "mx1.secureserver.net",
        "552 Virus infected message rejected. IB705",
        "5.7.1",
        "552",
        "virusdetected",
    ),
    (
        "godaddy",
        "mx2.secureserver.net",
        "550 This IP has sent too many messages this hour. IB504",
        "5.7.1",
        "550",
        "speeding",
    ),
    ("godaddy", "mx1.secureserver.net", "550 Recipient not found", "5.1.1", "550", "userunknown"),
    ("godaddy", "mx1.secureserver.net", "Account storage limit", "5.2.2", "552", "mailboxfull"),
    (
        "godaddy",
        "mx1.secureserver.net",
        "This message is looping: it already has my Delivered-To line. (#5.4.6)",
        "5.4.6",
        "554",
        "networkerror",
    ),
    // ---------------------------------------------------------------------------------- kddi
    (
        "kddi",
        "lsean.ezweb.ne.jp",
        "550 <someone@ezweb.ne.jp>: User unknown",
        "5.1.1",
        "550",
        "userunknown",
    ),
    ("kddi", "msmx.au.com", "550 : User unknown", "5.1.1", "550", "filtered"),
    ("kddi", "lsean.ezweb.ne.jp", "The user(s) account is disabled.", "5.2.1", "550", "suspend"),
    (
        "kddi", "lsean.ezweb.ne.jp", "552 5.2.2 As their mailbox is full", "5.2.2", "552",
        "mailboxfull",
    ),
    // ------------------------------------------------------------------------------ softbank
    ("softbank", "mx.i.softbank.jp", "553 example.org does not exist", "", "553", "rejected"),
    (
        "softbank",
        "mx.i.softbank.jp",
        "550 Invalid recipient: <kijitora@i.softbank.jp>",
        "5.1.1",
        "550",
        "userunknown",
    ),
    // ------------------------------------------------------------------------------ mimecast
    (
        "mimecast",
        "us-smtp-inbound-1.mimecast.com",
        "550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [Abcd1234EfGh5678.us123]",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "mimecast",
        "eu-smtp-inbound-2.mimecast.com",
        "554 Email rejected due to security policies - https://community.mimecast.com/docs/DOC-1369#554 [Abcd1234EfGh5678.eu456]",
        "5.0.0",
        "554",
        "virusdetected",
    ),
    (
        "mimecast",
        "us-smtp-inbound-2.mimecast.com",
        "550 Rejected by header based Anti-Spoofing policy: someone@example.com - https://community.mimecast.com/docs/DOC-1369#550 [Abcd1234EfGh5678.us123]",
        "5.0.0",
        "550",
        "policyviolation",
    ),
    (
        "mimecast",
        "eu-smtp-inbound-1.mimecast.com",
        "550 Local CT IP Reputation - (Reject) 192.0.2.10 - https://community.mimecast.com/docs/DOC-1369#550 [Abcd1234EfGh5678.eu456]",
        "5.0.0",
        "550",
        "badreputation",
    ),
    (
        "mimecast",
        "us-smtp-inbound-1.mimecast.com",
        "451 Open relay not allowed - https://community.mimecast.com/docs/DOC-1369#451 [Abcd1234EfGh5678.us123]",
        "4.0.0",
        "451",
        "norelaying",
    ),
    (
        "mimecast",
        "us-smtp-inbound-1.mimecast.com",
        "550 SPF Sender Invalid - Envelope rejected - https://community.mimecast.com/docs/DOC-1369#550 [Abcd1234EfGh5678.us123]",
        "5.0.0",
        "550",
        "authfailure",
    ),
    (
        "mimecast",
        "us-smtp-inbound-1.mimecast.com",
        "554 Maximum email size exceeded - https://community.mimecast.com/docs/DOC-1369#554 [Abcd1234EfGh5678.us123]",
        "5.0.0",
        "554",
        "mesgtoobig",
    ),
    (
        "mimecast",
        "us-smtp-inbound-1.mimecast.com",
        "554 Email rejected due to security policies - MCSpamSignature.sigs.1 - https://community.mimecast.com/docs/DOC-1369#554 [Abcd1234EfGh5678.us123]",
        "5.0.0",
        "554",
        "spamdetected",
    ),
    (
        "mimecast",
        "us-smtp-inbound-1.mimecast.com",
        "451 IP temporarily blacklisted - https://community.mimecast.com/docs/DOC-1369#451",
        "4.0.0",
        "451",
        "blocked",
    ),
    (
        "mimecast",
        "us-smtp-inbound-1.mimecast.com",
        "553 This route requires encryption (TLS) - https://community.mimecast.com/docs/DOC-1369#553",
        "5.0.0",
        "553",
        "failedstarttls",
    ),
    // -------------------------------------------------------------------------------- orange
    (
        "orange",
        "smtp-in.orange.fr",
        "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]",
        "5.1.1",
        "550",
        "userunknown",
    ),
    (
        "orange",
        "smtp-in.orange.fr",
        "552 5.1.1 Boite du destinataire pleine. Recipient overquota. OFR_417 [417]",
        "5.1.1",
        "552",
        "mailboxfull",
    ),
    (
        "orange",
        "smtp-in.orange.fr",
        "550 mwinf5c01 ME Adresse IP source bloquee pour incident de spam. Client host blocked for spamming issues. OFR006_102 Ref http://csi.cloudmark.com/reset-request [102]",
        "5.0.0",
        "550",
        "blocked",
    ),
    (
        "orange",
        "smtp-in.orange.fr",
        "421 mwinf5c01 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR004_104 [104]",
        "4.0.0",
        "421",
        "toomanyconn",
    ),
    (
        "orange",
        "@laposte.net",
        "550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426",
        "5.5.0",
        "550",
        "suspend",
    ),
    (
        "orange",
        "smtp-in.orange.fr",
        "550 5.7.1 Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR005_103 [103]",
        "5.7.1",
        "550",
        "blocked",
    ),
    (
        "orange",
        "smtp-in.orange.fr",
        "550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]",
        "5.2.0",
        "550",
        "spamdetected",
    ),
    (
        "orange",
        "smtp-in.orange.fr",
        "501 5.1.0 Emetteur invalide. Invalid Sender. OFR004_405 [405]",
        "5.1.0",
        "501",
        "rejected",
    ),
    (
        "orange",
        "@laposte.net",
        "571 5.7.1 Message refuse, verification DMARC en echec. Message refused, DMARC verification failed. LPN007_517",
        "5.7.1",
        "571",
        "authfailure",
    ),
    (
        "orange",
        "smtp-in.orange.fr",
        "421 4.2.0 Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR005_505 [505]",
        "4.2.0",
        "421",
        "systemerror",
    ),
    // ---------------------------------------------------------------------------- proofpoint
    (
        "proofpoint",
        "mx0a-00123456.pphosted.com",
        "554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.10",
        "5.7.0",
        "554",
        "blocked",
    ),
    (
        "proofpoint",
        "mx0b-00123456.pphosted.com",
        "550 5.7.1 Email rejected per DMARC policy for example.net (AbCdEfGh123)",
        "5.7.1",
        "550",
        "authfailure",
    ),
    (
        "proofpoint",
        "mx0a-00123456.pphosted.com",
        "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.10",
        "5.7.0",
        "550",
        "blocked",
    ),
    (
        "proofpoint", "mx0b-00123456.pphosted.com", "550 5.7.0 Local Policy Violation", "5.7.0",
        "550", "blocked",
    ),
    // ---------------------------------------------------------------------------------- zoho
    (
        "zoho",
        "mx.zoho.com",
        "541 5.4.1 Mail rejected by destination domain",
        "5.4.1",
        "541",
        "filtered",
    ),
    (
        "zoho",
        "mx2.zoho.eu",
        "552 5.7.1 virus Win.Test.EICAR_HDB-1 detected by Zoho Mail",
        "5.7.1",
        "552",
        "virusdetected",
    ),
    (
        "zoho",
        "mx.zoho.com",
        "452 <kijitora@zoho.example.com> Mailbox delivery restricted by policy error",
        "",
        "452",
        "filtered",
    ),
    // ------------------------------------------------------------------------ hornetsecurity
    (
        "hornetsecurity", "mx01.hornetsecurity.com", "554 5.5.5 e-mail Rejected Spam", "5.5.5",
        "554", "spamdetected",
    ),
    (
        "hornetsecurity", "mx-gate01.antispameurope.com", "554 5.5.4 Spam IP rejected", "5.5.4",
        "554", "blocked",
    ),
    (
        "hornetsecurity", "mx01.hornetsecurity.com", "554 5.6.4 Virus E-Mail Blocked", "5.6.4",
        "554", "virusdetected",
    ),
    // ----------------------------------------------------------------------------------- sfr
    (
        "sfr",
        "smtp-in.sfr.fr",
        "450 4.7.1 <mail.example.org[192.0.2.10]>: Client host rejected: Service refused due to bad behavior - Too many spam messages SFR_IN_101",
        "4.7.1",
        "450",
        "blocked",
    ),
    (
        "sfr",
        "smtp-in.sfr.fr",
        "450 4.7.1 <mail.example.org[192.0.2.10]>: Client host rejected: SFR_IN_105",
        "4.7.1",
        "450",
        "speeding",
    ),
    // ------------------------------------------------------------------------------ spectrum
    (
        "spectrum",
        "@charter.net",
        "554 5.7.1 Mail refused - <192.0.2.10> - See https://www.spectrum.net/support/internet/understanding-email-error-codes for more information. AUP#I-1220",
        "5.7.1",
        "554",
        "blocked",
    ),
    (
        "spectrum",
        "@twc.com",
        "421 4.7.0 Connection refused - <192.0.2.10> - Too many concurrent connections from this IP. AUP#In-1310",
        "4.7.0",
        "421",
        "toomanyconn",
    ),
    (
        "spectrum",
        "@charter.net",
        "550 5.7.1 Mail refused - <192.0.2.10> - Reverse DNS lookup failed for this IP. AUP#I-1100",
        "5.7.1",
        "550",
        "requireptr",
    ),
    (
        "spectrum",
        "@spectrum.net",
        "552 5.3.4 Message size exceeds the maximum allowed. AUP#I-1530",
        "5.3.4",
        "552",
        "mesgtoobig",
    ),
    (
        "spectrum",
        "@charter.net",
        "550 5.1.0 Mail refused - <someone@example.net> - Sender account blocked. AUP#O-1010",
        "5.1.0",
        "550",
        "rejected",
    ),
    (
        "spectrum",
        "@charter.net",
        "550 5.7.1 Mail refused - Domain policy violation. AUP#In-1160",
        "5.7.1",
        "550",
        "authfailure",
    ),
    ("spectrum", "@rr.com", "450 4.7.1 Too many messages. AUP#In-1350", "4.7.1", "450", "speeding"),
];

/// Every provider that has a rule file, so that none is left without a case.
const PROVIDERS: &[&str] = &[
    "aliyun", "apple", "coremail", "cox", "docomo", "godaddy", "google", "hornetsecurity", "kddi",
    "microsoft", "mimecast", "netease", "orange", "proofpoint", "sfr", "sina", "sohu", "softbank",
    "spectrum", "tencent", "yahoo", "zoho",
];

/// A host that names no provider.
const NEUTRAL_HOST: &str = "mx1.example.net";

/// Classifies a line answered by `host` (or, written `@domain`, addressed to that domain).
fn classify(host: &str, diagnostic: &str, status: &str, reply: &str) -> Verdict {
    let (rhost, destination) = match host.strip_prefix('@') {
        Some(domain) => ("", domain),
        None => (host, ""),
    };
    Classifier::builtin().classify(&Facts {
        diagnostic,
        status,
        reply,
        rhost,
        destination,
        command: "",
    })
}

fn reason(name: &str) -> Reason {
    Reason::from_name(name).unwrap_or_else(|| panic!("{name:?} is not a reason"))
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(90).collect();
    if s.len() < text.len() {
        s.push_str("...");
    }
    s
}

#[test]
fn every_provider_has_at_least_two_cases_and_its_hosts_name_it() {
    let classifier = Classifier::builtin();
    let mut failures = Vec::new();
    for provider in PROVIDERS {
        let n = CASES.iter().filter(|c| c.0 == *provider).count();
        if n < 2 {
            failures.push(format!("{provider}: {n} case(s), want at least 2"));
        }
    }
    for &(provider, host, ..) in CASES {
        if !PROVIDERS.contains(&provider) {
            failures.push(format!("{provider}: not a provider with a rule file"));
        }
        let named = classifier.provider_of(host.trim_start_matches('@'));
        if named != Some(provider) {
            failures.push(format!("{host}: names {named:?}, want {provider}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn providers_decide_their_own_wording() {
    let mut failures = Vec::new();
    for &(provider, host, diagnostic, status, reply, expected) in CASES {
        let v = classify(host, diagnostic, status, reply);
        let prefix = format!("{provider}.");
        if v.reason != reason(expected) || !v.rule.starts_with(&prefix) {
            failures.push(format!(
                "{provider} [{host}] {status}/{reply} {:?}\n    want {expected} by {prefix}*, got {} by {} (evidence {:?})",
                short(diagnostic),
                v.reason.as_str(),
                v.rule,
                v.evidence,
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} provider cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn provider_rules_do_not_apply_to_other_hosts() {
    let mut failures = Vec::new();
    for (i, &(provider, _, diagnostic, status, reply, _)) in CASES.iter().enumerate() {
        let prefix = format!("{provider}.");
        // The same line from a host that names no provider, addressed to a domain that names no
        // provider, and from the host of the next case that belongs to another provider.
        let other = CASES[i + 1..]
            .iter()
            .chain(&CASES[..i])
            .find(|c| c.0 != provider)
            .map(|c| c.1)
            .expect("cases of more than one provider");
        for host in [NEUTRAL_HOST, "@example.org", other] {
            let v = classify(host, diagnostic, status, reply);
            if v.rule.starts_with(&prefix) {
                failures.push(format!(
                    "{provider}'s rule {} decided {:?} from {host}",
                    v.rule,
                    short(diagnostic)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn provider_specific_codes_keep_their_registered_meaning_elsewhere() {
    // Microsoft's 5.7.606 (banned sending IP) from a host that is not Microsoft's.
    for host in [NEUTRAL_HOST, "gmail-smtp-in.l.google.com", "mx3.qq.com"] {
        let v = classify(host, "550 5.7.606 Access denied", "5.7.606", "550");
        assert!(!v.rule.starts_with("microsoft."), "{host}: {v:?}");
    }
    // Exchange Online's 5.1.10 means "recipient not found"; the registry's X.1.10 is a null MX.
    let v = classify(NEUTRAL_HOST, "550 5.1.10 Recipient address has null MX", "5.1.10", "550");
    assert!(!v.rule.starts_with("microsoft."), "{v:?}");
    assert_ne!(v.reason, Reason::UserUnknown, "{v:?}");
    // Gmail's 5.7.27 means "SPF required"; the registry's X.7.27 is a sender null MX.
    let v = classify(NEUTRAL_HOST, "550 5.7.27 Sender address has null MX", "5.7.27", "550");
    assert!(!v.rule.starts_with("google."), "{v:?}");
    assert_ne!(v.reason, Reason::AuthFailure, "{v:?}");
    // Only whole labels name a provider: "notgmail.com" and "gmail.com.example.net" are not Google.
    for host in ["notgmail.com", "mx.gmail.com.example.net", "smtp.notqq.com"] {
        let v = classify(host, "421 4.7.28 unusual rate of unsolicited mail", "4.7.28", "421");
        assert!(!v.rule.starts_with("google.") && !v.rule.starts_with("tencent."), "{host}: {v:?}");
    }
    // NetEase's "MI:SPF" code at Tencent's servers is not decided by NetEase's rules.
    let v = classify("mx3.qq.com", "550 MI:SPF from 192.0.2.10", "5.7.1", "550");
    assert!(!v.rule.starts_with("netease."), "{v:?}");
    // docomo's "Unknown user" after DATA from another host is not docomo's reception filter.
    let v = classify(
        NEUTRAL_HOST,
        "550 Unknown user someone@example.net (in reply to end of DATA command)",
        "5.1.1",
        "550",
    );
    assert!(!v.rule.starts_with("docomo."), "{v:?}");
}
