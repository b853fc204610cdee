//! Kubernetes resource quantities (`500m`, `1.5`, `2Gi`, `1e3`) as exact integers.
//!
//! Upstream (`k8s.io/apimachinery/pkg/api/resource`) keeps an exact decimal and rounds *up*
//! when asked for `MilliValue()` or `Value()`; we do the same, so `0.0001` CPU is 1m and
//! `1.5Ki` bytes is 1536. Only the forms a manifest may contain are accepted:
//! `<sign?><digits>[.<digits>]<suffix?>` where the suffix is a binary SI suffix
//! (`Ki Mi Gi Ti Pi Ei`), a decimal SI suffix (`n u m "" k M G T P E`) or a decimal
//! exponent (`e3`, `E-2`).

use std::fmt;

/// Why a string is not a quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityError {
    /// The text that failed to parse.
    pub input: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid quantity `{}`: {} (expected a Kubernetes quantity such as `500m`, `2`, `1.5Gi` or `1e3`)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for QuantityError {}

/// How a quantity was written (`resource.Format`), which the API server keeps and prints it
/// in: `10G` stays `10G` and `10Gi` stays `10Gi` (`Quantity.String`, `CanonicalizeBytes`).
/// One byte, kept beside the integer kubesim stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QuantityFormat {
    /// `DecimalSI`: no suffix or `n u m k M G T P E` (`500m`, `2`, `10G`).
    #[default]
    DecimalSI,
    /// `BinarySI`: `Ki Mi Gi Ti Pi Ei` (`16Gi`).
    BinarySI,
    /// `DecimalExponent`: `e3`, `E-2` (`1e3`).
    DecimalExponent,
}

/// The format of each quantity of a resource list (cpu, memory, ephemeral-storage), as given;
/// by default what kubesim printed before it kept them: cpu `DecimalSI`, bytes `BinarySI`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceFormats {
    /// `cpu`
    pub cpu: QuantityFormat,
    /// `memory`
    pub memory: QuantityFormat,
    /// `ephemeral-storage`
    pub ephemeral_storage: QuantityFormat,
}

impl Default for ResourceFormats {
    fn default() -> Self {
        Self {
            cpu: QuantityFormat::DecimalSI,
            memory: QuantityFormat::BinarySI,
            ephemeral_storage: QuantityFormat::BinarySI,
        }
    }
}

/// The format a quantity is written in (the suffix decides, as `ParseQuantity` does).
/// Call on a string that parses.
pub fn format_of(s: &str) -> QuantityFormat {
    let s = s.trim();
    let end = s.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    if end.ends_with('i') {
        QuantityFormat::BinarySI
    } else if s.len() > end.len()
        && (end.ends_with('e') || end.ends_with('E'))
        && end[..end.len() - 1].ends_with(|c: char| c.is_ascii_digit() || c == '.')
    {
        // `1e3`, `1E-2` (an exponent: digits follow the e); `1E` alone is exa.
        QuantityFormat::DecimalExponent
    } else {
        QuantityFormat::DecimalSI
    }
}

/// Prints `value × 10^-3` (millis, for cpu) or `value` in the canonical form of `format`, as
/// `Quantity.String` does (`CanonicalizeBytes`): `DecimalSI` and `DecimalExponent` take the
/// mantissa without factors of ten and an exponent that is a multiple of 3 (`1500m`, `2`,
/// `10G`, `1e3`); `BinarySI` divides by 1024 while it can (`1536Mi`), and falls back to
/// `DecimalSI` below 1024 or for a fraction (`512`, `500m`), as upstream does.
pub fn format_quantity(value: u64, milli: bool, format: QuantityFormat) -> String {
    if value == 0 {
        return "0".to_string();
    }
    let whole =
        if milli { value.is_multiple_of(1000).then_some(value / 1000) } else { Some(value) };
    if format == QuantityFormat::BinarySI
        && let Some(mut n) = whole.filter(|&n| n >= 1024)
    {
        const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        let mut e = 0;
        while e < 6 && n.is_multiple_of(1024) {
            n /= 1024;
            e += 1;
        }
        return format!("{n}{}", SUFFIXES[e]);
    }
    // removeInt64Factors(10), then the exponent brought down to a multiple of 3.
    let mut m = value;
    let mut exp: i32 = if milli { -3 } else { 0 };
    while m.is_multiple_of(10) {
        m /= 10;
        exp += 1;
    }
    while exp.rem_euclid(3) != 0 {
        m *= 10;
        exp -= 1;
    }
    if format == QuantityFormat::DecimalExponent {
        return if exp == 0 { m.to_string() } else { format!("{m}e{exp}") };
    }
    let suffix = match exp {
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return format!("{m}e{exp}"),
    };
    format!("{m}{suffix}")
}

/// A parsed quantity: `mantissa × 10^exp10 × 2^exp2`, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parsed {
    negative: bool,
    mantissa: u128,
    exp10: i32,
    exp2: u32,
}

fn parse(input: &str) -> Result<Parsed, QuantityError> {
    let err = |reason| QuantityError { input: input.to_string(), reason };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("empty"));
    }
    let (negative, rest) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(num_end);
    if number.is_empty() || number == "." {
        return Err(err("no number"));
    }
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => {
            if f.contains('.') {
                return Err(err("more than one decimal point"));
            }
            (i, f)
        }
        None => (number, ""),
    };
    let digits: String = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 30 {
        return Err(err("too many digits"));
    }
    let mantissa: u128 =
        if digits.is_empty() { 0 } else { digits.parse().map_err(|_| err("bad digits"))? };
    let mut exp10 = -(frac_part.len() as i32);
    let mut exp2 = 0u32;
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
        "Ki" => exp2 = 10,
        "Mi" => exp2 = 20,
        "Gi" => exp2 = 30,
        "Ti" => exp2 = 40,
        "Pi" => exp2 = 50,
        "Ei" => exp2 = 60,
        other => {
            let exp = other
                .strip_prefix('e')
                .or_else(|| other.strip_prefix('E'))
                .ok_or_else(|| err("unknown suffix"))?;
            let e: i32 = exp.parse().map_err(|_| err("unknown suffix"))?;
            if !(-30..=30).contains(&e) {
                return Err(err("exponent out of range"));
            }
            exp10 += e;
        }
    }
    Ok(Parsed { negative, mantissa, exp10, exp2 })
}

/// `value × 10^scale10`, rounded up (away from zero for positives), as u64.
fn scaled_ceil(p: Parsed, scale10: i32) -> Result<u64, &'static str> {
    if p.negative && p.mantissa != 0 {
        return Err("negative");
    }
    let mut num: u128 = p.mantissa;
    let mut den: u128 = 1;
    let e = p.exp10 + scale10;
    let pow = |n: u32| 10u128.checked_pow(n).ok_or("too large");
    if e >= 0 {
        num = num.checked_mul(pow(e as u32)?).ok_or("too large")?;
    } else {
        den = pow((-e) as u32)?;
    }
    num = num.checked_mul(1u128 << p.exp2).ok_or("too large")?;
    let v = num.div_ceil(den);
    u64::try_from(v).map_err(|_| "too large")
}

/// Parses a CPU quantity into millicores, rounding up like `Quantity.MilliValue()`.
pub fn parse_millicpu(s: &str) -> Result<u64, QuantityError> {
    let p = parse(s)?;
    scaled_ceil(p, 3).map_err(|reason| QuantityError { input: s.to_string(), reason })
}

/// Parses a memory (or any plain count) quantity into units, rounding up like `Quantity.Value()`.
pub fn parse_value(s: &str) -> Result<u64, QuantityError> {
    let p = parse(s)?;
    scaled_ceil(p, 0).map_err(|reason| QuantityError { input: s.to_string(), reason })
}

/// Formats millicores the way `kubectl` prints them: `2` for whole cores, `500m` otherwise.
pub fn format_millicpu(m: u64) -> String {
    if m.is_multiple_of(1000) { (m / 1000).to_string() } else { format!("{m}m") }
}

/// Formats bytes with the largest binary suffix that divides them exactly (`16Gi`, `1536Ki`, `100`).
pub fn format_bytes(b: u64) -> String {
    const SUFFIXES: [(&str, u32); 6] =
        [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
    if b == 0 {
        return "0".to_string();
    }
    for (suffix, shift) in SUFFIXES {
        if b.is_multiple_of(1u64 << shift) {
            return format!("{}{}", b >> shift, suffix);
        }
    }
    b.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_forms() {
        assert_eq!(parse_millicpu("500m"), Ok(500));
        assert_eq!(parse_millicpu("2"), Ok(2000));
        assert_eq!(parse_millicpu("1.5"), Ok(1500));
        assert_eq!(parse_millicpu("0.1"), Ok(100));
        // MilliValue rounds up: 0.0001 cores is 0.1m -> 1m.
        assert_eq!(parse_millicpu("0.0001"), Ok(1));
        assert_eq!(parse_millicpu("100u"), Ok(1));
        assert_eq!(parse_millicpu("1e3"), Ok(1_000_000));
        assert_eq!(parse_millicpu("2k"), Ok(2_000_000));
        assert_eq!(parse_millicpu("+3"), Ok(3000));
        assert_eq!(parse_millicpu("0"), Ok(0));
    }

    #[test]
    fn memory_forms() {
        assert_eq!(parse_value("1Gi"), Ok(1 << 30));
        assert_eq!(parse_value("1.5Ki"), Ok(1536));
        assert_eq!(parse_value("128Mi"), Ok(128 << 20));
        assert_eq!(parse_value("1G"), Ok(1_000_000_000));
        assert_eq!(parse_value("1e6"), Ok(1_000_000));
        // Value() rounds up: 1500m bytes is 2 bytes.
        assert_eq!(parse_value("1500m"), Ok(2));
        assert_eq!(parse_value("110"), Ok(110));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["4 cores", "", "abc", "1.2.3", "5Gb", "-1", "1e99", "--1", "."] {
            let e = parse_millicpu(bad).unwrap_err();
            assert_eq!(e.input, bad);
        }
        assert!(parse_value("12345678901234567890123456789012345").is_err());
    }

    #[test]
    fn quantities_print_in_the_form_they_were_given() {
        // Quantity.String keeps the format ParseQuantity saw and canonicalizes within it
        // (apimachinery resource/quantity.go, CanonicalizeBytes; its tests: "1000M" -> "1G",
        // "1.5Gi" -> "1536Mi", "0.5" -> "500m", "1024" -> "1024", "1e3" -> "1e3").
        let round = |s: &str, milli: bool| {
            let v = if milli { parse_millicpu(s) } else { parse_value(s) }.unwrap();
            format_quantity(v, milli, format_of(s))
        };
        assert_eq!(round("10G", false), "10G");
        assert_eq!(round("1000M", false), "1G");
        assert_eq!(round("10Gi", false), "10Gi");
        assert_eq!(round("1.5Gi", false), "1536Mi");
        assert_eq!(round("512Ki", false), "512Ki");
        assert_eq!(round("0.5Ki", false), "512");
        assert_eq!(round("1e3", false), "1e3");
        assert_eq!(round("1E6", false), "1e6");
        assert_eq!(round("1500", false), "1500");
        assert_eq!(round("1000", false), "1k");
        assert_eq!(round("0.5", true), "500m");
        assert_eq!(round("1000m", true), "1");
        assert_eq!(round("2", true), "2");
        assert_eq!(round("1.5", true), "1500m");
        assert_eq!(round("1e-3", true), "1e-3");
        assert_eq!(round("2E", false), "2E");
        assert_eq!(format_of("2E"), QuantityFormat::DecimalSI);
        assert_eq!(format_of("2E3"), QuantityFormat::DecimalExponent);
        // The defaults print what kubesim printed before (kubectl's forms).
        let d = ResourceFormats::default();
        assert_eq!(format_quantity(16 << 30, false, d.memory), format_bytes(16 << 30));
        assert_eq!(format_quantity(1536, false, d.memory), format_bytes(1536));
        assert_eq!(format_quantity(250, true, d.cpu), format_millicpu(250));
        assert_eq!(format_quantity(4000, true, d.cpu), format_millicpu(4000));
    }

    #[test]
    fn formatting_round_trips() {
        for m in [0u64, 1, 250, 1000, 1500, 64000] {
            assert_eq!(parse_millicpu(&format_millicpu(m)), Ok(m));
        }
        for b in [0u64, 1, 1024, 1536, 16 << 30, 1_000_000_000] {
            assert_eq!(parse_value(&format_bytes(b)), Ok(b));
        }
        assert_eq!(format_bytes(16 << 30), "16Gi");
        assert_eq!(format_millicpu(250), "250m");
    }
}
