//! Audit timestamps (`2024-05-01T10:00:00.123456Z`) as microseconds since
//! the Unix epoch.

/// Microseconds since the epoch, `None` when the text is not RFC 3339.
pub fn micros(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_microsecond())
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
