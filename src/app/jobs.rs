//! Background jobs: work the UI thread must not wait for (file dialogs, reading the store,
//! writing files) runs on a named helper thread; its one answer is picked up on a later
//! frame, and the window is woken when it is ready.

use crossbeam_channel::{Receiver, TryRecvError};

use crate::exec::Waker;

/// One piece of work on a helper thread, and its answer once it is there.
pub struct Job<T> {
    answer: Receiver<T>,
}

/// Where a job is.
pub enum JobState<T> {
    /// Still working.
    Working,
    /// Finished with this answer.
    Done(T),
    /// Ended without an answer (nothing to report: a dialog closed, say).
    Gone,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread called `name`; `wake` is called when it has finished.
    /// `None` when no thread could be started (the caller says so or does without).
    pub fn start(
        name: &str,
        wake: Waker,
        work: impl FnOnce() -> Option<T> + Send + 'static,
    ) -> Option<Self> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new()
            .name(format!("flowcanvas-{name}"))
            .spawn(move || {
                if let Some(answer) = work() {
                    let _ = tx.send(answer);
                }
                drop(tx);
                wake();
            });
        spawned.ok().map(|_| Self { answer: rx })
    }

    /// The job's state, without waiting.
    pub fn poll(&self) -> JobState<T> {
        match self.answer.try_recv() {
            Ok(answer) => JobState::Done(answer),
            Err(TryRecvError::Empty) => JobState::Working,
            Err(TryRecvError::Disconnected) => JobState::Gone,
        }
    }
}

/// Polls the job in `slot`: returns its answer once there, and empties the slot when the
/// job has finished either way.
pub fn take_answer<T: Send + 'static>(slot: &mut Option<Job<T>>) -> Option<T> {
    let state = slot.as_ref()?.poll();
    match state {
        JobState::Working => None,
        JobState::Done(answer) => {
            *slot = None;
            Some(answer)
        }
        JobState::Gone => {
            *slot = None;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn wait<T: Send + 'static>(slot: &mut Option<Job<T>>) -> Option<T> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while slot.is_some() && Instant::now() < deadline {
            if let Some(answer) = take_answer(slot) {
                return Some(answer);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    #[test]
    fn a_job_answers_once_and_wakes_the_window() {
        let woken = Arc::new(AtomicBool::new(false));
        let flag = woken.clone();
        let wake: Waker = Arc::new(move || flag.store(true, Ordering::SeqCst));
        let mut slot = Job::start("test", wake, || Some(6 * 7));
        assert_eq!(wait(&mut slot), Some(42));
        assert!(slot.is_none(), "the slot is free again");
        assert!(woken.load(Ordering::SeqCst));
    }

    #[test]
    fn a_job_without_an_answer_frees_its_slot() {
        let mut slot = Job::<u8>::start("test", Arc::new(|| {}), || None);
        assert_eq!(wait(&mut slot), None);
        assert!(slot.is_none());
    }
}
