//! Audit timestamps (`2024-05-01T10:00:00.123456Z`) as microseconds since
//! the Unix epoch, fast for the common UTC form.

/// Microseconds since the epoch, `None` when the text is not RFC 3339.
pub fn micros(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
    {
        let num = |r: std::ops::Range<usize>| -> Option<i64> { text.get(r)?.parse::<i64>().ok() };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &text[19..];
        let mut fraction = 0i64;
        if let Some(digits) = rest.strip_prefix('.') {
            let len = digits.bytes().take_while(u8::is_ascii_digit).count();
            let mut value = digits[..len.min(6)].parse::<i64>().unwrap_or(0);
            for _ in len.min(6)..6 {
                value *= 10;
            }
            fraction = value;
            rest = &digits[len..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return None,
                };
                let hours = rest.get(1..3)?.parse::<i64>().ok()?;
                let minutes = rest.get(4..6)?.parse::<i64>().ok()?;
                sign * (hours * 3600 + minutes * 60)
            }
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        return Some(seconds * 1_000_000 + fraction);
    }
    None
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::micros;

    #[test]
    fn timestamps() {
        assert_eq!(micros("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(micros("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(micros("2024-03-01T00:00:00Z"), Some(1_709_251_200_000_000));
        assert_eq!(
            micros("2024-03-01T01:00:00+01:00"),
            Some(1_709_251_200_000_000)
        );
        assert_eq!(micros("yesterday"), None);
    }
}
