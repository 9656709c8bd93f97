//! Sealing the few secrets Steward must be able to read back (a webhook's signing secret) with
//! the server's own key, `STEWARD_SECRET_KEY`, so they are never in the database in clear.
//! ChaCha20-Poly1305 with a random nonce; stored as hex of nonce and ciphertext.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 12;

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

    /// Seals `plain` for storage.
    pub fn seal(&self, plain: &str) -> String {
        let cipher = ChaCha20Poly1305::new(&self.0);
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("sealing cannot fail with a valid key");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        hex::encode(out)
    }

    /// Opens what `seal` stored; `None` when it was sealed with another key or altered.
    pub fn open(&self, stored: &str) -> Option<String> {
        let bytes = hex::decode(stored).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let cipher = ChaCha20Poly1305::new(&self.0);
        let plain = cipher.decrypt(Nonce::from_slice(nonce), sealed).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let key = SealingKey::from_secret("server key one");
        let sealed = key.seal("whsec_abc");
        assert!(!sealed.contains("whsec"));
        assert_ne!(sealed, key.seal("whsec_abc"), "a fresh nonce each time");
        assert_eq!(key.open(&sealed).as_deref(), Some("whsec_abc"));
        assert_eq!(SealingKey::from_secret("another key").open(&sealed), None);
        assert_eq!(key.open("00ff"), None);
    }
}
