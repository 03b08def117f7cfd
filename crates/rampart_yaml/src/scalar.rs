//! Scalar resolution following go-yaml v2 (what kubectl uses), restricted to
//! the forms Kubernetes manifests rely on.

use std::borrow::Cow;

use crate::Scalar;

/// Explicit core-schema tag on a scalar, if any that we honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreTag {
    Str,
    Int,
    Bool,
    Float,
    Null,
}

impl CoreTag {
    pub(crate) fn from_suffix(suffix: &str) -> Option<Self> {
        match suffix {
            "str" => Some(Self::Str),
            "int" => Some(Self::Int),
            "bool" => Some(Self::Bool),
            "float" => Some(Self::Float),
            "null" => Some(Self::Null),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Str => "!!str",
            Self::Int => "!!int",
            Self::Bool => "!!bool",
            Self::Float => "!!float",
            Self::Null => "!!null",
        }
    }
}

/// Resolves a plain (unquoted) scalar.
pub(crate) fn resolve_plain(text: Cow<'_, str>) -> Scalar {
    if let Some(scalar) = resolve_special(&text) {
        return scalar;
    }
    if let Some(scalar) = resolve_number(&text) {
        return scalar;
    }
    Scalar::Str(text.into_owned())
}

/// Resolves a scalar carrying an explicit core tag; `Err` gives the text back
/// when it does not fit the tag.
pub(crate) fn resolve_tagged(text: Cow<'_, str>, tag: CoreTag) -> Result<Scalar, Cow<'_, str>> {
    let resolved = match tag {
        CoreTag::Str => return Ok(Scalar::Str(text.into_owned())),
        CoreTag::Null => match resolve_special(&text) {
            Some(Scalar::Null) => Some(Scalar::Null),
            _ => None,
        },
        CoreTag::Bool => match resolve_special(&text) {
            Some(Scalar::Bool(b)) => Some(Scalar::Bool(b)),
            _ => None,
        },
        CoreTag::Int => match resolve_number(&text) {
            Some(Scalar::Int(i)) => Some(Scalar::Int(i)),
            _ => None,
        },
        CoreTag::Float => match resolve_special(&text).or_else(|| resolve_number(&text)) {
            Some(Scalar::Float(f)) => Some(Scalar::Float(f)),
            #[allow(clippy::cast_precision_loss)]
            Some(Scalar::Int(i)) => Some(Scalar::Float(i as f64)),
            _ => None,
        },
    };
    resolved.ok_or(text)
}

/// Null, booleans (YAML 1.1 spellings included) and the special floats.
fn resolve_special(text: &str) -> Option<Scalar> {
    let scalar = match text {
        "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Scalar::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            Scalar::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        _ => return None,
    };
    Some(scalar)
}

/// Integers (decimal, `0x`, `0o`, `0b`, YAML 1.1 leading-zero octal, `_`
/// separators) and floats. Decimal integers overflowing `i64` become floats;
/// overflowing hex/octal/binary integers stay strings.
fn resolve_number(text: &str) -> Option<Scalar> {
    let first = *text.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let cleaned: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    let (negative, unsigned) = match cleaned.as_bytes().first() {
        Some(b'-') => (true, &cleaned[1..]),
        Some(b'+') => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    if unsigned.is_empty() {
        return None;
    }
    let radix_digits = [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ]
    .into_iter()
    .find_map(|(prefix, radix)| unsigned.strip_prefix(prefix).map(|rest| (rest, radix)));
    if let Some((digits, radix)) = radix_digits {
        return parse_radix(digits, radix, negative).map(Scalar::Int);
    }
    let bytes = unsigned.as_bytes();
    if bytes.len() > 1 && bytes[0] == b'0' && bytes.iter().all(u8::is_ascii_digit) {
        if bytes.iter().all(|b| (b'0'..=b'7').contains(b)) {
            return parse_radix(&unsigned[1..], 8, negative).map(Scalar::Int);
        }
        // `0899`: not octal; go-yaml falls back to a float.
    } else if bytes.iter().all(u8::is_ascii_digit) {
        return Some(match cleaned.parse::<i64>() {
            Ok(i) => Scalar::Int(i),
            Err(_) => Scalar::Float(cleaned.parse::<f64>().ok()?),
        });
    }
    if is_float_syntax(bytes) {
        return cleaned.parse::<f64>().ok().map(Scalar::Float);
    }
    None
}

fn parse_radix(digits: &str, radix: u32, negative: bool) -> Option<i64> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, sign already removed.
fn is_float_syntax(bytes: &[u8]) -> bool {
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = digits(0);
    if at == 0 {
        if bytes.first() != Some(&b'.') || digits(1) == 0 {
            return false;
        }
        at = 1 + digits(1);
    } else if bytes.get(at) == Some(&b'.') {
        at += 1 + digits(at + 1);
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'-' | b'+')) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Scalar {
        resolve_plain(Cow::Borrowed(text))
    }

    #[test]
    fn nulls_and_bools() {
        for text in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(plain(text), Scalar::Null, "{text:?}");
        }
        for text in [
            "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON",
        ] {
            assert_eq!(plain(text), Scalar::Bool(true), "{text:?}");
        }
        for text in [
            "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF",
        ] {
            assert_eq!(plain(text), Scalar::Bool(false), "{text:?}");
        }
        for text in ["nULL", "tRUE", "y", "n", "Yes!", "truely"] {
            assert_eq!(plain(text), Scalar::Str(text.into()), "{text:?}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(plain("0"), Scalar::Int(0));
        assert_eq!(plain("-17"), Scalar::Int(-17));
        assert_eq!(plain("+17"), Scalar::Int(17));
        assert_eq!(plain("0x1F"), Scalar::Int(31));
        assert_eq!(plain("-0x10"), Scalar::Int(-16));
        assert_eq!(plain("0o17"), Scalar::Int(15));
        assert_eq!(plain("0644"), Scalar::Int(0o644));
        assert_eq!(plain("0b101"), Scalar::Int(5));
        assert_eq!(plain("1_000"), Scalar::Int(1000));
        assert_eq!(plain("9223372036854775807"), Scalar::Int(i64::MAX));
        assert_eq!(plain("-9223372036854775808"), Scalar::Int(i64::MIN));
        assert_eq!(
            plain("9223372036854775808"),
            Scalar::Float(9_223_372_036_854_775_808.0)
        );
        assert_eq!(
            plain("0xFFFFFFFFFFFFFFFFFF"),
            Scalar::Str("0xFFFFFFFFFFFFFFFFFF".into())
        );
        assert_eq!(plain("0899"), Scalar::Float(899.0));
        for text in [
            "0x", "-", "+", "1-2", "12a", "0xZ", "1.2.3", "1e", "e3", ".",
        ] {
            assert_eq!(plain(text), Scalar::Str(text.into()), "{text:?}");
        }
    }

    #[test]
    fn floats() {
        assert_eq!(plain("1.5"), Scalar::Float(1.5));
        assert_eq!(plain("1e3"), Scalar::Float(1000.0));
        assert_eq!(plain("-2.5E-2"), Scalar::Float(-0.025));
        assert_eq!(plain(".5"), Scalar::Float(0.5));
        assert_eq!(plain("3."), Scalar::Float(3.0));
        assert_eq!(plain(".inf"), Scalar::Float(f64::INFINITY));
        assert_eq!(plain("-.Inf"), Scalar::Float(f64::NEG_INFINITY));
        assert!(matches!(plain(".nan"), Scalar::Float(f) if f.is_nan()));
        for text in ["inf", "nan", "infinity", "1.5.", "1e3.5", "1_e3x"] {
            assert_eq!(plain(text), Scalar::Str(text.into()), "{text:?}");
        }
    }

    #[test]
    fn explicit_tags() {
        fn tagged(text: &str, tag: CoreTag) -> Result<Scalar, Cow<'_, str>> {
            resolve_tagged(Cow::Borrowed(text), tag)
        }
        assert_eq!(tagged("123", CoreTag::Str), Ok(Scalar::Str("123".into())));
        assert_eq!(tagged("12", CoreTag::Int), Ok(Scalar::Int(12)));
        assert_eq!(tagged("7", CoreTag::Float), Ok(Scalar::Float(7.0)));
        assert_eq!(tagged("yes", CoreTag::Bool), Ok(Scalar::Bool(true)));
        assert_eq!(tagged("~", CoreTag::Null), Ok(Scalar::Null));
        assert!(tagged("abc", CoreTag::Int).is_err());
        assert!(tagged("1.5", CoreTag::Int).is_err());
        assert!(tagged("maybe", CoreTag::Bool).is_err());
    }
}
