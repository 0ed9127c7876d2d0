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
