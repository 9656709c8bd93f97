//! The API token format: `stw_` + 32 random base62 characters + 6 base62 characters of CRC32
//! over everything before them. The checksum lets the server (and secret scanners) reject
//! junk without touching the database.

use super::random::{base62, base62_fixed, sha256_hex};

pub const PREFIX: &str = "stw_";
const RANDOM_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
/// Total length of a well-formed token.
pub const TOKEN_LEN: usize = 4 + RANDOM_LEN + CHECKSUM_LEN;

/// A freshly generated secret, to be shown once and stored only as its hash.
pub struct NewSecret {
    pub secret: String,
    pub hash: String,
    pub hint: String,
}

fn checksum(body: &str) -> String {
    base62_fixed(crc32fast::hash(body.as_bytes()) as u64, CHECKSUM_LEN)
}

/// Generates a token from the OS CSPRNG (about 190 bits of entropy).
pub fn generate() -> NewSecret {
    let body = format!("{PREFIX}{}", base62(RANDOM_LEN));
    let secret = format!("{body}{}", checksum(&body));
    NewSecret {
        hash: sha256_hex(&secret),
        hint: hint(&secret),
        secret,
    }
}

/// Whether `candidate` has the token shape and a matching checksum. Cheap: no allocation
/// beyond the checksum text, no database.
pub fn is_well_formed(candidate: &str) -> bool {
    if candidate.len() != TOKEN_LEN || !candidate.starts_with(PREFIX) {
        return false;
    }
    if !candidate
        .bytes()
        .skip(PREFIX.len())
        .all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    let (body, sum) = candidate.split_at(TOKEN_LEN - CHECKSUM_LEN);
    // The checksum is not a secret, so a plain comparison is fine here.
    checksum(body) == sum
}

/// `stw_` and the last four characters: enough to tell tokens apart, useless to an attacker.
pub fn hint(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{PREFIX}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_and_distinct() {
        let a = generate();
        let b = generate();
        assert_eq!(a.secret.len(), TOKEN_LEN);
        assert!(a.secret.starts_with("stw_"));
        assert!(is_well_formed(&a.secret));
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash, sha256_hex(&a.secret));
        assert!(a.hint.ends_with(&a.secret[TOKEN_LEN - 4..]));
        assert!(!a.hint.contains(&a.secret[4..20]));
    }

    #[test]
    fn any_flipped_character_is_rejected() {
        let t = generate().secret;
        for i in 4..t.len() {
            let mut bytes = t.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let flipped = String::from_utf8(bytes).unwrap();
            assert!(!is_well_formed(&flipped), "flip at {i} accepted");
        }
    }

    #[test]
    fn junk_is_rejected() {
        for junk in [
            "",
            "stw_",
            "Bearer x",
            "ghp_0123456789012345678901234567890123456789",
            &"a".repeat(42),
        ] {
            assert!(!is_well_formed(junk), "{junk}");
        }
        let t = generate().secret;
        assert!(!is_well_formed(&t[..TOKEN_LEN - 1]));
        assert!(!is_well_formed(&format!("{t}x")));
        assert!(!is_well_formed(&t.replacen("stw_", "stx_", 1)));
    }
}
