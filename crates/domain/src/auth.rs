//! Password hashing (Argon2id) and session tokens. Pure computation: the store keeps only
//! the hashes, never a password or a token.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Passwords shorter than this are refused: a command centre's accounts open personal data.
pub const PASSWORD_LEN_MIN: usize = 10;
/// Longer input is refused before hashing so a request cannot make the server hash megabytes.
pub const PASSWORD_LEN_MAX: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {PASSWORD_LEN_MIN} characters")]
    TooShort,
    #[error("password must be at most {PASSWORD_LEN_MAX} characters")]
    TooLong,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

pub fn check_password_policy(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < PASSWORD_LEN_MIN {
        return Err(PasswordError::TooShort);
    }
    if password.len() > PASSWORD_LEN_MAX {
        return Err(PasswordError::TooLong);
    }
    Ok(())
}

/// Argon2id with the crate's defaults (OWASP's recommended m=19 MiB, t=2, p=1), PHC string.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    check_password_policy(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// False for a wrong password and for a malformed stored hash alike.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > PASSWORD_LEN_MAX {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a fixed password, verified against when the username is unknown so that a
/// login for a missing account costs the same time as one for a real account.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$N6mkq8rPpZ1Y3yqM0uYHcnc9uZOhs0xWxQSy9tbZ7ts"
}

/// A new bearer token: 32 random bytes, base64url. Only its hash is stored.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex. Tokens are high-entropy, so a fast hash is enough (unlike
/// passwords); a stolen sessions table yields no usable token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The anti-forgery (CSRF) token of a session: SHA-256 of the session's secret token under a
/// fixed label, base64url (43 characters). Another site cannot read the session token, so it
/// cannot compute this; it needs no storage and ends with the session.
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"chongdich csrf v1\0");
    h.update(session_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// A password for generated accounts (the demo's administrator): 20 characters of base64url.
pub fn generate_password() -> String {
    let mut bytes = [0u8; 15];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_and_rejects_wrong_password() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("anything at all", dummy_hash()));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(
            hash_password("short"),
            Err(PasswordError::TooShort)
        ));
        assert!(check_password_policy(&"x".repeat(PASSWORD_LEN_MAX + 1)).is_err());
    }

    #[test]
    fn tokens_are_distinct_and_hash_is_stable() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(generate_password().len(), 20);
    }
}

/// Login throttling: after `LOGIN_FAILURES_MAX` failures within `LOGIN_WINDOW_S` the
/// username is locked for `LOGIN_LOCK_S`; each failure before that is answered more slowly.
pub const LOGIN_FAILURES_MAX: i64 = 5;
pub const LOGIN_WINDOW_S: i64 = 15 * 60;
pub const LOGIN_LOCK_S: i64 = 15 * 60;

/// The pause before answering the n-th consecutive failure: 250 ms doubling, at most 4 s.
pub fn login_failure_delay_ms(failures: i64) -> u64 {
    let exp = failures.clamp(1, 5) as u32 - 1;
    (250u64 << exp).min(4_000)
}

/// How long a session token lives.
pub const SESSION_TTL_S: i64 = 12 * 60 * 60;

/// Usernames: 3–64 of a–z, 0–9, '.', '_', '-', compared in lower case.
pub fn normalize_username(s: &str) -> Result<String, crate::Reason> {
    let s = s.trim().to_lowercase();
    if s.is_empty() {
        return Err(crate::Reason::Required);
    }
    if s.len() < 3 {
        return Err(crate::Reason::TooShort);
    }
    if s.len() > 64 {
        return Err(crate::Reason::TooLong);
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(crate::Reason::InvalidFormat);
    }
    Ok(s)
}

#[cfg(test)]
mod throttle_tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_capped() {
        assert_eq!(login_failure_delay_ms(1), 250);
        assert_eq!(login_failure_delay_ms(2), 500);
        assert_eq!(login_failure_delay_ms(5), 4_000);
        assert_eq!(login_failure_delay_ms(50), 4_000);
    }

    #[test]
    fn usernames_are_normalised() {
        assert_eq!(normalize_username(" Admin ").unwrap(), "admin");
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username("ab").is_err());
    }
}
