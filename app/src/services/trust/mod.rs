//! Keyless automation: trust policies on service accounts (`policies`), the issuers' signing
//! keys (`issuers`), and the exchange of an identity token for a short-lived Steward token
//! (`exchange`, RFC 8693).

pub mod exchange;
pub mod exchange_writes;
pub mod issuers;
pub mod policies;
