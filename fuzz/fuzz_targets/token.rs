//! The token parser: any text is accepted or refused without a panic, and what it accepts has
//! the token's exact shape.
#![no_main]

use app::auth::token_secret::{hint, is_well_formed, PREFIX, TOKEN_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if is_well_formed(text) {
        assert_eq!(text.len(), TOKEN_LEN);
        assert!(text.starts_with(PREFIX));
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        assert!(hint(text).starts_with(PREFIX));
    }
});
