//! A few threads that run CPU-heavy work at the lowest scheduling priority (nice 19). Password
//! hashing runs here: when the CPU is busy, token checks (the product's hot path, on the async
//! workers at normal priority) get it first, so a flood of sign-ins cannot slow them. And
//! since only these threads ever run argon2, only they hold its 19 MiB working memory: the
//! server's memory stays bounded by their number however many sign-ins arrive.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of low-priority threads taking jobs from one queue.
pub struct LowPriorityThreads {
    jobs: Sender<Job>,
}

impl LowPriorityThreads {
    /// Starts `count` threads named `name-N`; they end when this value is dropped.
    pub fn start(count: usize, name: &str) -> Self {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..count.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || work_through(&queue))
                .expect("the operating system refused to start a thread");
        }
        LowPriorityThreads { jobs }
    }

    /// Runs `work` on one of the threads; `None` if it panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs.send(job).ok()?;
        answered.await.ok()
    }
}

fn work_through(queue: &Mutex<Receiver<Job>>) {
    lower_this_threads_priority();
    loop {
        // The lock is held only while waiting for the next job, never while running one.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            // A panicking job loses only its own answer; the thread goes on.
            Ok(job) => {
                let _ = catch_unwind(AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

/// Nice 19 for the calling thread (on Linux the nice value is per thread).
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority reads its three integer arguments and changes only the scheduling
    // priority of the thread named by the id, which is this one.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_at_nice_19_and_a_panic_loses_only_its_answer() {
        let threads = LowPriorityThreads::start(1, "test");
        let nice = threads
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) })
            .await;
        assert_eq!(nice, Some(19));
        assert_eq!(threads.run(|| -> u8 { panic!("boom") }).await, None);
        assert_eq!(threads.run(|| 7).await, Some(7));
    }
}
