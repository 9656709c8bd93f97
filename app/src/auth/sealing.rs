//! Sealing the few secrets Steward must be able to read back (a webhook's signing secret) with
//! the server's own key, `STEWARD_SECRET_KEY`, so they are never in the database in clear.
//! ChaCha20-Poly1305 with a random nonce, and the owner's id (the organization's) as associated
//! data: a sealed value copied into another organization's row does not open there. Stored as
//! `v2:` and the hex of nonce and ciphertext.
//!
//! Values sealed before the owner was bound (plain hex, no prefix) open only through
//! [`SealingKey::open_unbound`], which the start-up upgrade uses once to re-seal them.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 12;
/// What a value sealed to its owner starts with.
const BOUND: &str = "v2:";

/// The key, derived from the configured secret (any length; 32 random characters or more).
#[derive(Clone)]
pub struct SealingKey(Key);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    pub fn from_secret(secret: &str) -> SealingKey {
        let digest = Sha256::digest(secret.as_bytes());
        SealingKey(*Key::from_slice(&digest))
    }

    /// Seals `plain` for storage in the row of `owner` (an organization's id).
    pub fn seal(&self, plain: &str, owner: &str) -> String {
        format!("{BOUND}{}", self.seal_with(plain, owner.as_bytes()))
    }

    /// Opens what `seal` stored for `owner`; `None` when it was sealed with another key, for
    /// another owner, before owners were bound, or altered.
    pub fn open(&self, stored: &str, owner: &str) -> Option<String> {
        self.open_with(stored.strip_prefix(BOUND)?, owner.as_bytes())
    }

    /// Whether a stored value predates binding to its owner and needs re-sealing.
    pub fn is_unbound(stored: &str) -> bool {
        !stored.starts_with(BOUND)
    }

    /// Opens a value sealed before owners were bound, for re-sealing it once.
    pub fn open_unbound(&self, stored: &str) -> Option<String> {
        if !Self::is_unbound(stored) {
            return None;
        }
        self.open_with(stored, b"")
    }

    fn seal_with(&self, plain: &str, aad: &[u8]) -> String {
        let cipher = ChaCha20Poly1305::new(&self.0);
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad,
                },
            )
            .expect("sealing cannot fail with a valid key");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        hex::encode(out)
    }

    fn open_with(&self, stored: &str, aad: &[u8]) -> Option<String> {
        let bytes = hex::decode(stored).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let cipher = ChaCha20Poly1305::new(&self.0);
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
            .ok()?;
        String::from_utf8(plain).ok()
    }

    /// A value sealed the way Steward sealed before owners were bound: for tests of the upgrade.
    pub fn seal_unbound_for_tests(&self, plain: &str) -> String {
        self.seal_with(plain, b"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_for_their_owner() {
        let key = SealingKey::from_secret("server key one");
        let sealed = key.seal("whsec_abc", "org_acme");
        assert!(!sealed.contains("whsec") && sealed.starts_with("v2:"));
        assert_ne!(
            sealed,
            key.seal("whsec_abc", "org_acme"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed, "org_acme").as_deref(), Some("whsec_abc"));
        assert_eq!(key.open(&sealed, "org_globex"), None, "bound to its owner");
        assert_eq!(
            SealingKey::from_secret("another key").open(&sealed, "org_acme"),
            None
        );
        assert_eq!(key.open("v2:00ff", "org_acme"), None);
        assert_eq!(key.open_unbound(&sealed), None);
    }

    #[test]
    fn unbound_values_open_only_for_re_sealing() {
        let key = SealingKey::from_secret("server key one");
        let legacy = key.seal_unbound_for_tests("whsec_abc");
        assert!(SealingKey::is_unbound(&legacy));
        assert_eq!(key.open(&legacy, "org_acme"), None);
        assert_eq!(key.open_unbound(&legacy).as_deref(), Some("whsec_abc"));
    }
}
