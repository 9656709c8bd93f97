//! The rules for names, emails, people's names, descriptions and sort keys: any text is
//! accepted or refused with an error naming its field, never a panic; what a rule accepts, it
//! accepts again unchanged.
#![no_main]

use app::domain::{parse_description, AccountSort, DisplayName, EmailAddress, ResourceName};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ResourceName::parse("name", text) {
        Ok(name) => assert_eq!(
            ResourceName::parse("name", name.as_str()).unwrap().as_str(),
            name.as_str()
        ),
        Err(e) => assert_eq!(e.field(), Some("name")),
    }
    match EmailAddress::parse("email", text) {
        Ok(email) => {
            let again = EmailAddress::parse("email", &email.clone().into_string()).unwrap();
            assert_eq!(again.into_string(), email.into_string());
        }
        Err(e) => assert_eq!(e.field(), Some("email")),
    }
    if let Err(e) = DisplayName::parse("name", text) {
        assert_eq!(e.field(), Some("name"));
    }
    if let Err(e) = parse_description("description", Some(text)) {
        assert_eq!(e.field(), Some("description"));
    }
    if let Err(e) = AccountSort::parse("sort", Some(text)) {
        assert_eq!(e.field(), Some("sort"));
    }
});
