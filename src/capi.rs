//! ghostrt C API: load a weight pack, plan a session for one input size, run batches of
//! float32 NCHW images through it.
//!
//! ```c
//! ghostrt_model *model = NULL;
//! if (ghostrt_model_load("rg100.grt", &model) != GHOSTRT_OK) {
//!     fprintf(stderr, "%s\n", ghostrt_last_error_message());
//!     return 1;
//! }
//! ghostrt_session_options opts = ghostrt_session_options_default();
//! opts.input_height = 224;
//! opts.input_width = 224;
//! ghostrt_session *session = NULL;
//! ghostrt_status st = ghostrt_session_new(model, &opts, &session);  // check every status
//! size_t c, h, w;
//! st = ghostrt_session_output_shape(session, 0, &c, &h, &w);
//! float *logits = malloc(c * h * w * sizeof(float));
//! st = ghostrt_session_run(session, image, 3 * 224 * 224, logits, c * h * w);
//! ghostrt_session_free(session);
//! ghostrt_model_free(model);
//! ```
//!
//! Status codes: every function that can fail returns a `ghostrt_status`. `GHOSTRT_OK` is 0;
//! the value of every code is fixed and never reused. After a call returns anything other
//! than `GHOSTRT_OK`, `ghostrt_last_error_message()` says what went wrong.
//!
//! Ownership: `ghostrt_model_load` and `ghostrt_model_load_from_memory` create a model that
//! the caller owns and releases with `ghostrt_model_free`; `ghostrt_session_new` creates a
//! session that the caller owns and releases with `ghostrt_session_free`. Both free
//! functions accept NULL. A session keeps its own reference to the model's weights, so a
//! model may be freed while sessions made from it are still in use. Strings returned by
//! `ghostrt_version` (static) and `ghostrt_last_error_message` (per thread) belong to
//! ghostrt: never free them. Buffers passed in (paths, pack bytes, images, outputs) stay the
//! caller's; ghostrt keeps no pointer to them after the call returns.
//!
//! Threads: a model is immutable once loaded; any number of threads may create sessions
//! from one model at the same time, as long as no thread frees the model meanwhile. A
//! session holds the working memory that `ghostrt_session_run` writes, so it must be used
//! by one thread at a time; give each thread its own session. Different sessions run in
//! parallel.
//!
//! Memory: `ghostrt_session_new` allocates the session's arena once, sized for its input
//! size. `ghostrt_session_run` performs no heap allocation when it succeeds (on failure it
//! allocates the error message).
//!
//! Panics: no Rust panic unwinds into C. Every function catches panics at its boundary;
//! a panic (a bug in ghostrt) returns `GHOSTRT_PANIC`.
//!
//! Linking: link `libghostrt.a` followed by `-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc`.

#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]

use crate::error::Error;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Result of a ghostrt call. The numeric values are part of the ABI and never change.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ghostrt_status {
    /// Success.
    GHOSTRT_OK = 0,
    /// A required pointer argument was NULL.
    GHOSTRT_NULL_ARGUMENT = 1,
    /// An argument has an invalid value (index out of range, misaligned or overlapping
    /// buffers, an input size the network cannot take, a path that is not valid text).
    GHOSTRT_INVALID_ARGUMENT = 2,
    /// Reading a file failed (missing, unreadable, cannot be mapped).
    GHOSTRT_IO = 3,
    /// The bytes are not a valid ghostrt weight pack (bad magic, other format version,
    /// truncated, checksum mismatch, inconsistent graph).
    GHOSTRT_CORRUPT_PACK = 4,
    /// A valid request this build does not support yet (non-zero `tlsc_window`, models
    /// with several inputs or outputs).
    GHOSTRT_UNSUPPORTED = 5,
    /// A buffer length does not match the session's shapes (not a whole batch of images, or
    /// an output buffer of another size than the batch needs).
    GHOSTRT_SHAPE_MISMATCH = 6,
    /// ghostrt panicked (a bug); the panic was stopped at the API boundary.
    GHOSTRT_PANIC = 7,
    /// The planner cannot lay out the network for this input size (an intermediate tensor
    /// too large, or an operation this version cannot run).
    GHOSTRT_PLAN = 8,
    /// Memory for a session's arena could not be allocated.
    GHOSTRT_OUT_OF_MEMORY = 9,
}

use ghostrt_status::*;

// The header's thread-safety promises, checked at compile time: a model is shared between
// threads, a session may move to another thread between calls.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    fn movable<T: Send>() {}
    shared::<crate::exec::Model>();
    movable::<crate::exec::Session>();
};

/// Why a call failed: the status returned to C and the message kept for
/// `ghostrt_last_error_message`.
pub(crate) struct Failure {
    status: ghostrt_status,
    message: String,
}

impl Failure {
    pub(crate) fn new(status: ghostrt_status, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(status_of(&e), e.to_string())
    }
}

/// The status a Rust error maps to.
pub(crate) fn status_of(e: &Error) -> ghostrt_status {
    match e {
        Error::Io { .. } => GHOSTRT_IO,
        // A pack whose graph or weights do not describe a network is corrupt.
        Error::Pack { .. } | Error::Model { .. } => GHOSTRT_CORRUPT_PACK,
        Error::Shape { .. } => GHOSTRT_SHAPE_MISMATCH,
        Error::Plan { .. } => GHOSTRT_PLAN,
        // PyTorch, safetensors and npy files are never read through this API.
        Error::Torch { .. } | Error::Safetensors { .. } | Error::Npy { .. } | Error::Usage(_) => {
            GHOSTRT_INVALID_ARGUMENT
        }
    }
}

thread_local! {
    /// Message of the last failed call on this thread; `None` until one fails.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(message: String) {
    // An interior NUL would cut the message short; show it instead.
    let text = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // Fails only while this thread is being torn down; the message is then unobservable.
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut slot) = e.try_borrow_mut() {
            *slot = Some(text);
        }
    });
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown panic payload"
    }
}

/// Run the body of the extern function `name` behind a panic boundary, turning its
/// failure into a status and this thread's last error message ("name: message").
pub(crate) fn ffi(name: &str, body: impl FnOnce() -> Result<(), Failure>) -> ghostrt_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => GHOSTRT_OK,
        Ok(Err(f)) => {
            set_last_error(format!("{name}: {}", f.message));
            f.status
        }
        Err(payload) => {
            set_last_error(format!("{name}: panic: {}", panic_text(payload.as_ref())));
            GHOSTRT_PANIC
        }
    }
}

/// Check a pointer argument for NULL.
pub(crate) fn non_null<T>(p: *const T, arg: &str) -> Result<(), Failure> {
    if p.is_null() {
        Err(Failure::new(
            GHOSTRT_NULL_ARGUMENT,
            format!("argument `{arg}` is NULL"),
        ))
    } else {
        Ok(())
    }
}

/// Store `value` through the out-pointer `p` (argument `arg`).
///
/// # Safety
/// `p` must be NULL or valid for writing a `T`.
pub(crate) unsafe fn write_out<T>(p: *mut T, arg: &str, value: T) -> Result<(), Failure> {
    non_null(p, arg)?;
    // SAFETY: non-null, and the caller guarantees it is valid for writes.
    unsafe { p.write(value) };
    Ok(())
}

/// The ghostrt version as a NUL-terminated string, e.g. "0.1.0". Static: never free it.
#[no_mangle]
pub extern "C" fn ghostrt_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("the crate version contains a NUL"),
        };
    // A constant cannot panic; the boundary is kept so that every entry point has one.
    catch_unwind(|| VERSION.as_ptr()).unwrap_or(c"".as_ptr())
}

/// The message of the most recent call on this thread that returned a status other than
/// `GHOSTRT_OK`, as a NUL-terminated string; "" if no call on this thread has failed.
/// Successful calls leave it unchanged, so read it right after the failing call. The
/// string belongs to ghostrt: do not free it. It stays valid until the next ghostrt call
/// on this thread (other than this function and `ghostrt_version`) or until the thread
/// exits, whichever comes first; copy it to keep it longer. Never returns NULL.
#[no_mangle]
pub extern "C" fn ghostrt_last_error_message() -> *const c_char {
    let found = catch_unwind(|| {
        LAST_ERROR
            .try_with(|e| {
                e.try_borrow()
                    .ok()
                    .and_then(|slot| slot.as_ref().map(|m| m.as_ptr()))
            })
            .ok()
            .flatten()
    });
    found.ok().flatten().unwrap_or(c"".as_ptr())
}

pub mod model;
pub mod session;

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        // SAFETY: the function returns a NUL-terminated string valid until the next call.
        unsafe { CStr::from_ptr(ghostrt_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn statuses_of_errors() {
        let io = Error::io("x.grt", std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(status_of(&io), GHOSTRT_IO);
        assert_eq!(status_of(&Error::pack("x", "bad")), GHOSTRT_CORRUPT_PACK);
        assert_eq!(status_of(&Error::model("bad")), GHOSTRT_CORRUPT_PACK);
        assert_eq!(status_of(&Error::plan("n", "bad")), GHOSTRT_PLAN);
        let shape = Error::Shape {
            what: "w".into(),
            expected: vec![1],
            found: vec![2],
        };
        assert_eq!(status_of(&shape), GHOSTRT_SHAPE_MISMATCH);
        assert_eq!(
            status_of(&Error::Usage("u".into())),
            GHOSTRT_INVALID_ARGUMENT
        );
    }

    #[test]
    fn failures_set_the_message_and_successes_keep_it() {
        let st = ffi("ghostrt_test", || Err(Failure::new(GHOSTRT_IO, "no\0file")));
        assert_eq!(st, GHOSTRT_IO);
        assert_eq!(last_error(), "ghostrt_test: no\\0file");
        assert_eq!(ffi("ghostrt_test", || Ok(())), GHOSTRT_OK);
        assert_eq!(last_error(), "ghostrt_test: no\\0file");
    }

    #[test]
    fn panics_stop_at_the_boundary() {
        let st = ffi("ghostrt_test", || panic!("deliberate test panic"));
        assert_eq!(st, GHOSTRT_PANIC);
        assert_eq!(last_error(), "ghostrt_test: panic: deliberate test panic");
    }

    #[test]
    fn message_is_empty_before_any_failure() {
        let m = std::thread::spawn(last_error).join().expect("thread");
        assert_eq!(m, "");
    }

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(ghostrt_version()) };
        assert_eq!(v.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    }
}
