//! Running one gadget on its own: the whole-column operations of [`crate::ops`] are this
//! executor around the evaluator's step functions, so that every protocol exists once.
//!
//! [`run`] builds a [`Runtime`] for `rows` rows, polls the gadget's step function until it
//! submits its next requests, sends them in one [`Context::exchange`] and resumes it, until
//! it finishes — the circuit executor (`super::run`) does the same for many gates at once.
//! The rounds and bytes are those of the gadget inside a circuit.

use std::future::Future;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use crate::context::Context;
use crate::ProtocolError;

use super::round::Runtime;

/// A gadget waits only on the round, which [`run`] drives itself: nothing to wake.
struct NoWake;

impl Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

/// Runs the step function `gadget` (given a fresh [`Runtime`] of `rows` rows) to the end,
/// one [`Context::exchange`] per round it asks for.
pub(crate) fn run<T, F, Fut>(ctx: &mut Context, rows: usize, gadget: F) -> Result<T, ProtocolError>
where
    F: FnOnce(Runtime) -> Fut,
    Fut: Future<Output = Result<T, ProtocolError>>,
{
    let rt = Runtime::new(ctx.party(), rows);
    let mut fut = std::pin::pin!(gadget(rt.clone()));
    let waker = Waker::from(Arc::new(NoWake));
    let mut cx = std::task::Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        if !rt.has_pending() {
            return Err(ProtocolError::InvalidOperands(
                "a gadget waits without a request".into(),
            ));
        }
        rt.exchange(ctx)?;
    }
}
