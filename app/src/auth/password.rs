//! People's passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), hashed on
//! dedicated low-priority threads so a sign-in never stalls the async runtime nor takes CPU
//! from token checks, and bounded: at most one hash per core runs at once, so memory never
//! holds more than one 19 MiB block per core.
//!
//! A hash that finds every thread busy waits in a waiting room for up to a second ("patience")
//! before it is answered "busy". Why wait rather than refuse at once: a flood client that is
//! refused in microseconds retries in microseconds, and answering thousands of refusals a
//! second takes the CPU that token checks need; made to wait, the flood slows itself to the
//! rate the hash threads can serve. The room is bounded too, so waiting costs a few hundred
//! bytes per request, never a hash's memory.

use super::low_priority::LowPriorityThreads;
use crate::domain::ApiError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

/// A real hash of nothing in particular, so that signing in as an unknown person costs the same
/// time as a wrong password and does not reveal which emails exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("steward-dummy-password-for-timing"))
}

fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let phc = stored.unwrap_or_else(|| dummy_hash());
    let ok = match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    };
    ok && stored.is_some()
}

/// The hasher is saturated: every thread is busy and the wait ran out (or the waiting room is
/// full), so the request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl From<Busy> for ApiError {
    fn from(_: Busy) -> Self {
        ApiError::unavailable(
            "The server is busy checking passwords. Try again in a moment.",
            1,
        )
    }
}

/// The bounded password hasher every sign-in, setup and password change goes through.
pub struct Passwords {
    /// One low-priority thread per permit does all the hashing.
    threads: LowPriorityThreads,
    permits: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// How long a waiting hash waits for a thread before it is answered busy.
    patience: Duration,
    computed: AtomicU64,
}

impl Passwords {
    /// `workers` hashes at once, up to `max_waiting` more waiting at most `patience` each for a
    /// thread; beyond that, `Busy`.
    pub fn new(workers: usize, max_waiting: usize, patience: Duration) -> Self {
        Passwords {
            threads: LowPriorityThreads::start(workers, "argon2"),
            permits: Semaphore::new(workers.max(1)),
            waiting: AtomicUsize::new(0),
            max_waiting,
            patience,
            computed: AtomicU64::new(0),
        }
    }

    /// One hash per core at once; up to 256 per core wait, each for at most a second (a hash
    /// takes 20–50 ms, so a second covers the queue an ordinary burst of sign-ins makes; in a
    /// flood, people get 503 with `Retry-After` like the flood does, and token checks go on).
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, cores * 256, Duration::from_secs(1))
    }

    /// Whether a hash asked for now would be refused as busy at once: every thread working and
    /// the waiting room full. Sign-in asks this first, so a flood is refused before it costs a database
    /// read (`run` still enforces the bound on its own).
    pub fn saturated(&self) -> bool {
        self.permits.available_permits() == 0
            && self.waiting.load(Ordering::Acquire) >= self.max_waiting
    }

    /// How many argon2 computations have run; lets tests prove that none did.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = match self.permits.try_acquire() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(Busy);
                }
                let waited = tokio::time::timeout(self.patience, self.permits.acquire()).await;
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                match waited {
                    Ok(Ok(p)) => p,
                    Ok(Err(_)) | Err(_) => return Err(Busy),
                }
            }
        };
        self.computed.fetch_add(1, Ordering::Relaxed);
        let result = self.threads.run(work).await;
        drop(permit);
        result.ok_or(Busy)
    }

    /// Hashes a password into a PHC string (salt and parameters included).
    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        self.run(move || hash_blocking(&password)).await
    }

    /// Verifies `password` against `stored`; with no stored hash it still does the work and fails.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, Busy> {
        self.run(move || verify_blocking(&password, stored.as_deref()))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn hash_round_trip() {
        let p = Passwords::new(1, 1, Duration::from_secs(60));
        let phc = p.hash("correct horse battery".to_string()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!phc.contains("correct horse"));
        assert!(p
            .verify("correct horse battery".into(), Some(phc.clone()))
            .await
            .unwrap());
        assert!(!p
            .verify("correct horse batterY".into(), Some(phc))
            .await
            .unwrap());
        assert_eq!(p.computed(), 3);
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        let p = Passwords::new(1, 1, Duration::from_secs(60));
        assert!(!p
            .verify("steward-dummy-password-for-timing".into(), None)
            .await
            .unwrap());
        assert!(!p
            .verify("x".into(), Some("not a phc string".into()))
            .await
            .unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_waiting_room_a_flood_is_refused_at_once() {
        let p = Arc::new(Passwords::new(1, 2, Duration::from_secs(60)));
        let started = std::time::Instant::now();
        let calls: Vec<_> = (0..12)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(async move { p.verify("guess".into(), None).await })
            })
            .collect();
        let mut busy = 0;
        for c in calls {
            if c.await.unwrap().is_err() {
                busy += 1;
            }
        }
        // One running and two waiting at most: the other nine are refused without hashing.
        assert!(busy >= 9, "busy answers: {busy}");
        assert_eq!(p.computed() as usize, 12 - busy);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    /// Starts work that holds the hasher's only thread until the returned sender is used, and
    /// waits until it does.
    async fn hold_the_only_thread(
        p: &Arc<Passwords>,
    ) -> (
        std::sync::mpsc::Sender<()>,
        tokio::task::JoinHandle<Result<bool, Busy>>,
    ) {
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let first = {
            let p = p.clone();
            tokio::spawn(async move { p.run(move || hold.recv().is_ok()).await })
        };
        while p.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        (release, first)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_hash_runs_when_a_thread_frees_up_within_its_patience() {
        let p = Arc::new(Passwords::new(1, 4, Duration::from_secs(60)));
        let (release, first) = hold_the_only_thread(&p).await;
        let second = {
            let p = p.clone();
            tokio::spawn(async move { p.run(|| 2).await })
        };
        while p.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(true));
        assert_eq!(second.await.unwrap(), Ok(2));
        assert_eq!(p.computed(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_hash_is_refused_as_busy_when_its_patience_runs_out() {
        let p = Arc::new(Passwords::new(1, 4, Duration::from_millis(100)));
        let (release, first) = hold_the_only_thread(&p).await;
        let started = std::time::Instant::now();
        assert_eq!(p.run(|| 2).await, Err(Busy));
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(p.waiting.load(Ordering::Acquire), 0, "the room is left");
        assert_eq!(p.computed(), 1, "the refused hash never ran");
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(true));
    }
}
