//! Random values from the operating system's CSPRNG, and the hash used to store secrets.

use rand::rngs::OsRng;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` characters of base62, each uniformly chosen (rejection sampling avoids modulo bias).
pub fn base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        OsRng
            .try_fill_bytes(&mut buf)
            .expect("the operating system's random source failed");
        for &b in buf.iter() {
            // 248 = 4 * 62: bytes at or above it would favour the first characters.
            if b < 248 && out.len() < len {
                out.push(BASE62[(b % 62) as usize] as char);
            }
        }
    }
    out
}

/// Writes `value` as exactly `width` base62 digits, most significant first.
pub fn base62_fixed(mut value: u64, width: usize) -> String {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits).expect("base62 digits are ASCII")
}

/// A new opaque id such as `sa_3kTq…`; the prefix tells a human what kind of object it is.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", base62(20))
}

/// 256 bits of randomness for session ids and one-time links (43 base62 characters).
pub fn session_secret() -> String {
    base62(43)
}

/// Hex SHA-256: how every secret (token, session id, setup link) is stored. Written into a
/// buffer rather than with `hex::encode`, which builds the string a character at a time: this
/// runs on every verified request.
pub fn sha256_hex(secret: &str) -> String {
    let mut digits = [0u8; 64];
    hex::encode_to_slice(Sha256::digest(secret.as_bytes()), &mut digits)
        .expect("32 bytes make 64 hex digits");
    String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_has_requested_length_and_alphabet() {
        let s = base62(100);
        assert_eq!(s.len(), 100);
        assert!(s.bytes().all(|b| BASE62.contains(&b)));
        assert_ne!(base62(32), base62(32));
    }

    #[test]
    fn fixed_width_encoding() {
        assert_eq!(base62_fixed(0, 6), "000000");
        assert_eq!(base62_fixed(61, 2), "0z");
        assert_eq!(base62_fixed(u32::MAX as u64, 6).len(), 6);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
