//! Kubernetes resource quantities (`500m`, `1Gi`, `2.5`, `1e3`), enough to compare a request
//! with a limit exactly.
//!
//! Grammar (Kubernetes `resource.ParseQuantity`): an optional sign, digits with at most one
//! `.`, then one suffix: a binary SI suffix (`Ki Mi Gi Ti Pi Ei`), a decimal SI suffix
//! (`n u m k M G T P E`, or none), or a decimal exponent (`e3`, `E-2`).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Kubernetes' error for a string that is not a quantity at all.
const FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// Kubernetes' error for a bad numeric part.
const NUMERIC: &str = "unable to parse numeric part of quantity";
/// Kubernetes' error for a bad suffix.
const SUFFIX: &str = "unable to parse quantity's suffix";

/// Significant digits kept exactly; Kubernetes accepts more, but no CPU or memory needs them.
const MAX_DIGITS: usize = 18;

/// A parsed quantity: `mantissa × 10^exp10 × 1024^pow1024`, kept exact for comparison.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    mantissa: i128,
    exp10: i32,
    pow1024: u32,
}

/// Why a string is not a quantity (Kubernetes' wording where it has one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QuantityError(pub String);

impl Quantity {
    /// Whether the quantity is below zero.
    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// The value as `m × 10^e`, with the binary factor multiplied in and trailing zeros moved
    /// into the exponent.
    fn decimal(&self) -> (i128, i32) {
        let mut m = self.mantissa * 1024_i128.pow(self.pow1024);
        let mut e = self.exp10;
        if m == 0 {
            return (0, 0);
        }
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        (m, e)
    }
}

fn digits(m: i128) -> i32 {
    let mut n = m.unsigned_abs();
    let mut d = 0;
    while n > 0 {
        n /= 10;
        d += 1;
    }
    d
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        let (m1, e1) = self.decimal();
        let (m2, e2) = other.decimal();
        let sign = m1.signum().cmp(&m2.signum());
        if sign != Ordering::Equal || m1 == 0 {
            return sign;
        }
        // Same sign, both non-zero: compare magnitudes, then flip for negatives.
        let magnitude = (digits(m1) + e1).cmp(&(digits(m2) + e2)).then_with(|| {
            // Same number of integer digits: scale the one with the larger exponent down to
            // the other's; it has no more digits than the other, so it fits.
            let (a, b) = if e1 >= e2 {
                (m1.abs() * 10_i128.pow((e1 - e2) as u32), m2.abs())
            } else {
                (m1.abs(), m2.abs() * 10_i128.pow((e2 - e1) as u32))
            };
            a.cmp(&b)
        });
        if m1 < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Quantity, QuantityError> {
        let err = |m: &str| QuantityError(m.to_owned());
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let number_len = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let (number, suffix) = body.split_at(number_len);
        let suffix_ok = suffix
            .chars()
            .all(|c| "eEinumkKMGTP+-0123456789".contains(c));
        if number.is_empty() || !suffix_ok {
            return Err(err(FORMAT_WRONG));
        }
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) if !f.contains('.') => (i, f),
            Some(_) => return Err(err(NUMERIC)),
            None => (number, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err(NUMERIC));
        }
        let all: String = format!("{int_part}{frac_part}");
        let significant = all.trim_start_matches('0');
        let significant = if significant.is_empty() {
            "0"
        } else {
            significant
        };
        if significant.trim_end_matches('0').len() > MAX_DIGITS {
            return Err(err(&format!(
                "{NUMERIC}: more than {MAX_DIGITS} significant digits"
            )));
        }
        // Keep at most MAX_DIGITS digits; drop trailing zeros into the exponent first.
        let trimmed = significant.trim_end_matches('0');
        let dropped = significant.len() - trimmed.len();
        let digits_str = if trimmed.is_empty() { "0" } else { trimmed };
        let mut mantissa: i128 = digits_str.parse().map_err(|_| err(NUMERIC))?;
        if negative {
            mantissa = -mantissa;
        }
        let mut exp10 = dropped as i32 - frac_part.len() as i32;
        let mut pow1024 = 0;
        match suffix {
            "" => {}
            "n" => exp10 -= 9,
            "u" => exp10 -= 6,
            "m" => exp10 -= 3,
            "k" => exp10 += 3,
            "M" => exp10 += 6,
            "G" => exp10 += 9,
            "T" => exp10 += 12,
            "P" => exp10 += 15,
            "E" => exp10 += 18,
            "Ki" => pow1024 = 1,
            "Mi" => pow1024 = 2,
            "Gi" => pow1024 = 3,
            "Ti" => pow1024 = 4,
            "Pi" => pow1024 = 5,
            "Ei" => pow1024 = 6,
            _ => {
                let exponent = suffix
                    .strip_prefix(['e', 'E'])
                    .filter(|e| !e.is_empty())
                    .and_then(|e| e.parse::<i32>().ok())
                    .filter(|e| e.abs() <= 100)
                    .ok_or_else(|| err(SUFFIX))?;
                exp10 += exponent;
            }
        }
        Ok(Quantity {
            mantissa,
            exp10,
            pow1024,
        })
    }
}

impl fmt::Display for Quantity {
    /// A plain decimal rendering (`1.5e3` style is not reproduced): for messages only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (m, e) = self.decimal();
        write!(f, "{m}e{e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_compares() {
        assert_eq!(q("500m"), q("0.5"));
        assert_eq!(q("1Gi"), q("1073741824"));
        assert_eq!(q("1G"), q("1e9"));
        assert_eq!(q("1k"), q("1000"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert_eq!(q("0"), q("0m"));
        assert_eq!(q(".5"), q("500m"));
        assert_eq!(q("5."), q("5"));
        assert_eq!(q("1E"), q("1e18"));
        assert_eq!(q("100n"), q("0.1u"));
        assert!(q("1Gi") > q("1G"));
        assert!(q("250m") < q("1"));
        assert!(q("1Mi") < q("1.1M"));
        assert!(q("-1") < q("0"));
        assert!(q("-2") < q("-1"));
        assert!(q("1Ei") > q("1E"));
        assert!(q("+2") > q("1999m"));
        assert!(q("-1").is_negative());
        assert!(q("999999999999999999") < q("1e18"));
    }

    #[test]
    fn rejects_non_quantities() {
        for bad in [
            "", "abc", "1..2", ".", "1Gb", "1e", "1x", "Gi", "--1", "1 Gi", "1:2",
        ] {
            assert!(bad.parse::<Quantity>().is_err(), "{bad}");
        }
        assert_eq!("abc".parse::<Quantity>().unwrap_err().0, FORMAT_WRONG);
        assert_eq!("1Gb".parse::<Quantity>().unwrap_err().0, FORMAT_WRONG);
        assert_eq!("1kk".parse::<Quantity>().unwrap_err().0, SUFFIX);
    }
}
