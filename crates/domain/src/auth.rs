//! Password hashing (Argon2id) and session tokens. Pure computation: the store keeps only
//! the hashes, never a password or a token.

use std::net::IpAddr;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Passwords shorter than this are refused: a command centre's accounts open personal data,
/// and a long password is the one defence that does not depend on the throttle (NIST SP
/// 800-63B §5.1.1.2 asks for at least 8; OWASP's Authentication Cheat Sheet for 12 or more
/// when there is no second factor, as here).
pub const PASSWORD_LEN_MIN: usize = 12;
/// Longer input is refused before hashing so a request cannot make the server hash megabytes.
pub const PASSWORD_LEN_MAX: usize = 256;

/// Passwords seen most often in breaches, of at least `PASSWORD_LEN_MIN` characters, in
/// lower case (`data/passwords/README.md` says where from).
const COMMON_PASSWORDS: &str = include_str!("../../../data/passwords/common.txt");

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {PASSWORD_LEN_MIN} characters")]
    TooShort,
    #[error("password must be at most {PASSWORD_LEN_MAX} characters")]
    TooLong,
    #[error("password is one of the most common passwords; choose another")]
    Common,
    #[error("password is one character repeated, a short pattern repeated or a simple sequence")]
    Simple,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// The rules a new password must meet: length, not a well-known breached password, not a
/// repetition or sequence (NIST SP 800-63B §5.1.1.2).
pub fn check_password_policy(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < PASSWORD_LEN_MIN {
        return Err(PasswordError::TooShort);
    }
    if password.len() > PASSWORD_LEN_MAX {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    if is_simple(&lower) {
        return Err(PasswordError::Simple);
    }
    if COMMON_PASSWORDS.lines().any(|l| l == lower) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// A block of at most four characters repeated (`aaaa…`, `abab…`, `123123…`), or a run
/// stepping by one up or down (`abcdef…`, `987654…`; digits wrap, `…7890123`).
fn is_simple(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    let repeated = (1..=4).any(|p| (p..c.len()).all(|i| c[i] == c[i - p]));
    let step = |a: char, b: char| -> i64 {
        match (a.to_digit(10), b.to_digit(10)) {
            (Some(x), Some(y)) => match (y as i64 - x as i64).rem_euclid(10) {
                1 => 1,
                9 => -1,
                _ => 0,
            },
            _ => b as i64 - a as i64,
        }
    };
    let sequence = [1, -1]
        .iter()
        .any(|&d| c.windows(2).all(|w| step(w[0], w[1]) == d));
    repeated || sequence
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
        // Ten characters were once enough.
        assert!(matches!(
            check_password_policy("kx7-pq2!mz"),
            Err(PasswordError::TooShort)
        ));
        assert!(check_password_policy(&"x".repeat(PASSWORD_LEN_MAX + 1)).is_err());
    }

    #[test]
    fn common_repeated_and_sequential_passwords_are_refused() {
        for p in [
            "aaaaaaaaaaaa",
            "ĐĐĐĐĐĐĐĐĐĐĐĐ",
            "abababababab",
            "123123123123",
            "abcdabcdabcd",
            "abcdefghijklm",
            "ZYXWVUTSRQPO",
            "123456789012",
            "098765432109",
        ] {
            assert!(
                matches!(check_password_policy(p), Err(PasswordError::Simple)),
                "{p}"
            );
        }
        for p in [
            "1qaz2wsx3edc",
            "Password1234",
            "QWERTY123456",
            "administrator",
        ] {
            assert!(
                matches!(check_password_policy(p), Err(PasswordError::Common)),
                "{p}"
            );
        }
        for p in ["correct horse battery", "mật khẩu đủ dài", "kx7-pq2!mz4w"] {
            assert!(check_password_policy(p).is_ok(), "{p}");
        }
        // The list holds only what the length rule lets through, in lower case, once each.
        let mut seen = std::collections::HashSet::new();
        for l in COMMON_PASSWORDS.lines() {
            assert!(l.chars().count() >= PASSWORD_LEN_MIN, "{l}");
            assert_eq!(l, l.to_lowercase());
            assert!(seen.insert(l), "{l} twice");
        }
        assert!(seen.len() > 1000);
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        for _ in 0..200 {
            assert!(check_password_policy(&generate_password()).is_ok());
        }
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

/// At most `attempts` sign-ins pending or failed within a window of `window_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub attempts: i64,
    pub window_s: i64,
}

/// Sign-in throttling. Every attempt first reserves a place, atomically, in three counters —
/// the (account, source address) pair, the source address, and the account — and is refused
/// (429, `Retry-After`) without the password being checked when any is full; so no more than
/// `pair.attempts` Argon2 verifications per window can run for one account from one address,
/// however many requests arrive together. A failure keeps its places; a success gives them
/// back (and clears its pair). Unknown usernames are counted like real ones.
///
/// The lock applies to the pair, so an attacker's guesses do not lock the owner out from
/// another address; the address limit stops one address from spraying guesses over many
/// accounts; the account ceiling bounds guessing from many addresses, at the price of locking
/// the owner out once it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub pair: Limit,
    pub source: Limit,
    pub account: Limit,
}

/// The limits in force.
pub const LOGIN_LIMITS: LoginLimits = LoginLimits {
    // Five tries in 15 minutes for one account from one address: OWASP Authentication Cheat
    // Sheet ("account lockout": a threshold of a few failures, a lock of minutes), and this
    // service's rule since its first release.
    pair: Limit {
        attempts: 5,
        window_s: 15 * 60,
    },
    // Twenty failures in 15 minutes from one address over all accounts: stops spraying one
    // common password over many accounts, and leaves room for a commune office whose staff
    // sign in through one NAT address (their successes give their places back).
    source: Limit {
        attempts: 20,
        window_s: 15 * 60,
    },
    // A hundred failures in an hour on one account from all addresses: NIST SP 800-63B
    // §5.2.2 caps failed attempts on one account at 100. Generous, so that only a spread
    // attack (twenty addresses or more) reaches it.
    account: Limit {
        attempts: 100,
        window_s: 60 * 60,
    },
};

/// The source of a sign-in when the server cannot tell (in-process calls, tests).
pub const UNKNOWN_SOURCE: &str = "unknown";

/// The key a source address is throttled under: an IPv4 address as is, an IPv6 address by
/// its /64 network (one subscriber usually holds a whole /64, so counting single addresses
/// would give them 2^64 fresh starts).
pub fn login_source(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
    }
}

/// The pause before answering the n-th consecutive failure: 250 ms doubling, at most 4 s.
pub fn login_failure_delay_ms(failures: i64) -> u64 {
    let exp = failures.clamp(1, 5) as u32 - 1;
    (250u64 << exp).min(4_000)
}

/// How long a session token lives at most.
pub const SESSION_TTL_S: i64 = 12 * 60 * 60;
/// A session unused for this long ends, whatever its lifetime left: a browser left open on
/// a shared office computer. OWASP Session Management Cheat Sheet: 15–30 minutes of idle
/// time for applications handling sensitive data.
pub const SESSION_IDLE_S: i64 = 30 * 60;
/// A session's last use is written at most this often, so that every request does not
/// write; the idle timeout is therefore exact to within this.
pub const SESSION_TOUCH_S: i64 = 60;

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
    fn sources_are_addresses_and_ipv6_networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(login_source(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(login_source(ip("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(
            login_source(ip("2001:db8:1:2:3:4:5:6")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            login_source(ip("2001:db8:1:2:ffff::1")),
            login_source(ip("2001:db8:1:2::9"))
        );
    }

    #[test]
    fn usernames_are_normalised() {
        assert_eq!(normalize_username(" Admin ").unwrap(), "admin");
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username("ab").is_err());
    }
}
