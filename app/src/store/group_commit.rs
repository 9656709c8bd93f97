//! Group commit: small writes that many requests make at the same moment share one write
//! transaction and one durable commit. Beginning and committing a transaction, and each round
//! trip to the database, cost more than the few rows such a write adds (SQLite has one writer,
//! and each commit waits for the disk), so when CI jobs exchange identity tokens together,
//! writing them one transaction each would queue every job behind the others' commits.
//!
//! There is no background task: a request queues its write, then waits either for its outcome
//! or for its turn to write; the one that gets the turn writes what is queued by then (up to
//! [`MAX_GROUP`] writes), its own and the others', and each request takes its own outcome. The
//! group is written on a task of its own, so a request that goes away (its client hung up) does
//! not take the others' writes with it.

use super::{Db, StoreError, StoreResult, Tx};
use std::future::Future;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// The most writes in one group: its statements stay well under both databases' limits on
/// bound values.
pub const MAX_GROUP: usize = 32;

/// Writes of one kind that can be made together.
pub trait GroupWrite: Send + Sync + Sized + 'static {
    /// What each request learns: for example, that a row it needed was already taken.
    type Outcome: Send + 'static;
    /// Makes a group's writes in its transaction and returns each one's outcome, in order. An
    /// error fails the whole group (nothing of it is committed), so what only concerns one
    /// write (a conflict it expects) is that write's outcome.
    fn write_group(
        writes: &[Self],
        tx: &mut Tx,
    ) -> impl Future<Output = StoreResult<Vec<Self::Outcome>>> + Send;
}

type Reply<W> = oneshot::Sender<StoreResult<<W as GroupWrite>::Outcome>>;

/// The writes of one kind waiting for the next group.
pub struct GroupCommit<W: GroupWrite> {
    queue: Mutex<Vec<(W, Reply<W>)>>,
    turn: tokio::sync::Mutex<()>,
}

impl<W: GroupWrite> Default for GroupCommit<W> {
    fn default() -> Self {
        GroupCommit {
            queue: Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

impl<W: GroupWrite> GroupCommit<W> {
    /// Writes `write` with whatever else is waiting, and returns its outcome once its group is
    /// committed. A failed group fails every write in it.
    pub async fn write(&self, db: &Db, write: W) -> StoreResult<W::Outcome> {
        let (reply, mut outcome) = oneshot::channel();
        self.lock_queue().push((write, reply));
        loop {
            tokio::select! {
                // A write an earlier turn took is done when its group is: no need to wait for
                // a turn behind the groups that follow.
                biased;
                done = &mut outcome => {
                    return done.unwrap_or_else(|_| {
                        Err(StoreError::Database(sqlx::Error::Protocol(
                            "a group write ended without an outcome".into(),
                        )))
                    })
                }
                _turn = self.turn.lock() => {
                    let group: Vec<_> = {
                        let mut queue = self.lock_queue();
                        let n = queue.len().min(MAX_GROUP);
                        queue.drain(..n).collect()
                    };
                    // Empty when an earlier turn took this request's write: its outcome is
                    // there on the next round.
                    if !group.is_empty() {
                        // Awaited, so the turn passes only once the group is committed; a
                        // panic in it drops its replies, which the requests see above.
                        let _ = tokio::spawn(write_group(db.clone(), group)).await;
                    }
                }
            }
        }
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Vec<(W, Reply<W>)>> {
        // The queue is only pushed to and drained: a panic elsewhere cannot leave it half
        // changed.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn write_group<W: GroupWrite>(db: Db, group: Vec<(W, Reply<W>)>) {
    let (writes, replies): (Vec<W>, Vec<Reply<W>>) = group.into_iter().unzip();
    let written = async {
        let mut tx = db.begin().await?;
        let outcomes = W::write_group(&writes, &mut tx).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(outcomes)
    }
    .await;
    match written {
        Ok(outcomes) => {
            debug_assert_eq!(outcomes.len(), replies.len());
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            let unavailable = matches!(e, StoreError::Unavailable(_));
            tracing::warn!(error = %e, writes = replies.len(), "a group write failed");
            for reply in replies {
                let _ = reply.send(Err(if unavailable {
                    StoreError::Unavailable(sqlx::Error::PoolTimedOut)
                } else {
                    StoreError::Database(sqlx::Error::Protocol(
                        "the group this write was part of failed".into(),
                    ))
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::sync::Notify;

    /// A write whose outcome is the size of the group it was written in; the first group waits
    /// for `release` while holding the turn, as a slow commit would.
    struct Counted {
        hold: Option<Arc<Notify>>,
    }

    impl GroupWrite for Counted {
        type Outcome = usize;
        async fn write_group(writes: &[Self], tx: &mut Tx) -> StoreResult<Vec<usize>> {
            if let Some(hold) = writes.iter().find_map(|w| w.hold.clone()) {
                hold.notified().await;
            }
            // A real statement in the group's transaction.
            tx.claim_identity_tokens(&[(&crate::auth::random::new_id("k"), 0)])
                .await?;
            Ok(vec![writes.len(); writes.len()])
        }
    }

    #[tokio::test]
    async fn writes_queued_behind_a_group_are_written_as_the_next_group() {
        let (db, path, pool) = crate::store::temporary_sqlite("group").await;
        let commit = Arc::new(GroupCommit::<Counted>::default());
        let release = Arc::new(Notify::new());
        let first = {
            let (commit, db, hold) = (commit.clone(), db.clone(), release.clone());
            tokio::spawn(async move { commit.write(&db, Counted { hold: Some(hold) }).await })
        };
        // The first group holds the turn; forty more writes queue behind it meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let queued: Vec<_> = (0..40)
            .map(|_| {
                let (commit, db) = (commit.clone(), db.clone());
                tokio::spawn(async move { commit.write(&db, Counted { hold: None }).await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.notify_one();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        let mut sizes = Vec::new();
        for q in queued {
            sizes.push(q.await.unwrap().unwrap());
        }
        sizes.sort();
        // At most MAX_GROUP at once: the forty are two groups, the first as large as allowed.
        assert_eq!(sizes.iter().filter(|s| **s == MAX_GROUP).count(), MAX_GROUP);
        assert_eq!(
            sizes.iter().filter(|s| **s == 40 - MAX_GROUP).count(),
            40 - MAX_GROUP
        );
        let claimed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM used_identity_tokens")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(claimed, 3, "one row per group");
        let _ = std::fs::remove_file(path);
    }
}
