//! Times as the API and the store commands show and read them: RFC 3339 in UTC (seconds since
//! the epoch inside).

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `ts` as `2026-12-07T03:04:05Z`.
pub fn rfc3339(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Reads a time: Unix seconds, a date `2026-12-07` (its midnight, UTC), or
/// `2026-12-07T03:04:05Z` / `2026-12-07 03:04:05` (UTC) / with a `+08:00` offset.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<i64>() {
        return Some(secs);
    }
    let (date, rest) = text.split_at(text.len().min(10));
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if date.len() != 10 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ts = days_from_civil(y, m, d) * 86_400;
    if rest.is_empty() {
        return Some(ts);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    if rest.len() < 8 {
        return None;
    }
    let (clock, zone) = rest.split_at(8);
    let mut hms = clock.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let min: i64 = hms.next()?.parse().ok()?;
    let s: i64 = hms.next()?.parse().ok()?;
    if h > 23 || min > 59 || s > 60 {
        return None;
    }
    ts += h * 3600 + min * 60 + s;
    // Fractions of a second are dropped.
    let zone =
        zone.strip_prefix('.').map_or(zone, |f| f.trim_start_matches(|c: char| c.is_ascii_digit()));
    match zone {
        "" | "Z" | "z" => Some(ts),
        _ => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = zone[1..].split_once(':')?;
            let offset = oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60;
            Some(ts - sign * offset)
        }
    }
}

/// Howard Hinnant's days-to-civil: the proleptic Gregorian date of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The inverse of [`civil_from_days`].
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse("2000-02-29"), Some(951_782_400));
        assert_eq!(parse("2000-02-29T01:02:03Z"), Some(951_782_400 + 3723));
        assert_eq!(parse("2000-02-29T09:02:03+08:00"), Some(951_782_400 + 3723));
        assert_eq!(parse("1700000000"), Some(1_700_000_000));
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse("2000-13-01"), None);
        for ts in [-86_400 * 400, 0, 1_780_000_123, 4_102_444_800] {
            assert_eq!(parse(&rfc3339(ts)), Some(ts));
        }
    }
}
