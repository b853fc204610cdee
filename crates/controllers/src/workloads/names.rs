//! Generated names, as the API server and controllers make them.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The alphabet of `k8s.io/apimachinery/pkg/util/rand` (no vowels, no confusable digits).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `utilrand.String(n)`: the random suffix of a `generateName`.
pub fn random_suffix(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| ALPHANUMS[rng.random_range(0..ALPHANUMS.len())] as char).collect()
}

/// `rand.SafeEncodeString`: each byte mapped into the alphabet.
pub fn safe_encode(s: &str) -> String {
    s.bytes().map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char).collect()
}

/// FNV-1a, 32 bits.
pub fn fnv32a(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in data {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A `pod-template-hash` of the same form as upstream's (`SafeEncodeString` of the decimal
/// FNV-32a hash). Upstream hashes a dump of the Go struct, which kubesim cannot reproduce,
/// so the value differs from a real cluster's for the same template, but it is stable for
/// identical templates and changes when the template changes.
pub fn template_hash(canonical: &str) -> String {
    safe_encode(&fnv32a(canonical.as_bytes()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_engine::RngStreams;

    #[test]
    fn fnv_reference_values() {
        // Published FNV-1a 32-bit test vectors.
        assert_eq!(fnv32a(b""), 0x811c_9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c_292c);
        assert_eq!(fnv32a(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn suffix_alphabet_and_determinism() {
        let s = RngStreams::new(7);
        let a = random_suffix(&mut s.stream(2), 5);
        let b = random_suffix(&mut s.stream(2), 5);
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
        assert!(a.bytes().all(|c| ALPHANUMS.contains(&c)));
        // '1' is byte 49, 49 % 27 = 22 -> '5'.
        assert_eq!(safe_encode("1"), "5");
    }
}
