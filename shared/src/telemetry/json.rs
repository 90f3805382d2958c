//! Writing JSON text straight into a line buffer: the log layer and the
//! EMF emitter build every line this way rather than through
//! `serde_json::Value`, which would allocate a map, a string per key and
//! a string per value for each line only to serialise and drop them.
//!
//! The escaping is JSON's (RFC 8259) and the same as serde_json's: `"`,
//! `\` and the control characters are escaped, everything else (UTF-8
//! included) is copied as it is, so a line is one valid JSON object
//! whatever a field holds, and no field can break out of its string.

use std::fmt::Write;

/// Appends `s` to `out` as a JSON string, quotes included.
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on a char boundary.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", byte);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends `value` as a JSON number (serde_json's shortest form), or
/// `null` for what JSON cannot hold (NaN, infinities).
pub(crate) fn push_f64(out: &mut String, value: f64) {
    match serde_json::Number::from_f64(value) {
        Some(number) => {
            let _ = write!(out, "{number}");
        }
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_control: String = (0u8..0x20).map(char::from).collect();
        every_control.push_str("\"\\/ plain é ✓ \u{7f} \u{2028}");
        for s in ["", "plain", "a\"b", "x\",\"level\":\"ERROR", &every_control] {
            let mut out = String::new();
            push_str(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        for v in [0.0, 1.0, -2.5, 37.5, 1e21, 0.1 + 0.2, f64::MAX] {
            let mut out = String::new();
            push_f64(&mut out, v);
            assert_eq!(out, serde_json::to_string(&v).unwrap());
        }
        let mut out = String::new();
        push_f64(&mut out, f64::NAN);
        assert_eq!(out, "null");
    }
}
