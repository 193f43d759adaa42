//! Sessions: a model planned for one input size, with the arena it runs in.

use super::ghostrt_status::{self, *};
use super::model::{ghostrt_model, model_ref};
use super::{ffi, non_null, write_out, Failure};
use crate::exec::Session;
use crate::plan::{PlanOptions, Shape};
use std::panic::catch_unwind;

/// A model planned for one input size, with its working memory (opaque). Created by
/// `ghostrt_session_new`, released with `ghostrt_session_free`. Used by one thread at a
/// time.
pub struct ghostrt_session {
    session: Session,
}

/// Options for `ghostrt_session_new`. Start from `ghostrt_session_options_default()` and
/// set the fields you need, so that fields added later get their defaults.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ghostrt_session_options {
    /// Threads one run is split over (1 to 256; the session starts `num_threads - 1`
    /// worker threads that live until `ghostrt_session_free`). Other values make
    /// `ghostrt_session_new` return `GHOSTRT_INVALID_ARGUMENT`. Default 1.
    pub num_threads: u32,
    /// Input image height in pixels. 0 together with `input_width` 0 (the default) means
    /// the size the model was trained at, see `ghostrt_model_default_input_size`.
    pub input_height: u32,
    /// Input image width in pixels; 0 only together with `input_height` 0.
    pub input_width: u32,
    /// Reserved for a later feature (TLSC windowing); 0 means off and is the only value
    /// this version accepts (others return `GHOSTRT_UNSUPPORTED`). Default 0.
    pub tlsc_window: u32,
}

/// The default session options: 1 thread, the model's default input size, `tlsc_window`
/// off.
#[no_mangle]
pub extern "C" fn ghostrt_session_options_default() -> ghostrt_session_options {
    const DEFAULT: ghostrt_session_options = ghostrt_session_options {
        num_threads: 1,
        input_height: 0,
        input_width: 0,
        tlsc_window: 0,
    };
    // A constant cannot panic; the boundary is kept so that every entry point has one.
    catch_unwind(|| DEFAULT).unwrap_or(DEFAULT)
}

/// The input size a session plans for, from its options and the model's default size.
fn input_size(
    opts: &ghostrt_session_options,
    default_hw: (usize, usize),
) -> Result<(usize, usize), Failure> {
    if !(1..=256).contains(&opts.num_threads) {
        return Err(Failure::new(
            GHOSTRT_INVALID_ARGUMENT,
            format!("num_threads {}: expected 1 to 256", opts.num_threads),
        ));
    }
    if opts.tlsc_window != 0 {
        return Err(Failure::new(
            GHOSTRT_UNSUPPORTED,
            format!(
                "tlsc_window {}: reserved, must be 0 in this version",
                opts.tlsc_window
            ),
        ));
    }
    match (opts.input_height, opts.input_width) {
        (0, 0) if default_hw.0 == 0 || default_hw.1 == 0 => Err(Failure::new(
            GHOSTRT_INVALID_ARGUMENT,
            "the model records no default input size; set input_height and input_width",
        )),
        (0, 0) => Ok(default_hw),
        (h, w) if h == 0 || w == 0 => Err(Failure::new(
            GHOSTRT_INVALID_ARGUMENT,
            format!("input size {h}x{w}: set both height and width, or neither"),
        )),
        (h, w) => Ok((h as usize, w as usize)),
    }
}

/// Plan `model` for the input size in `options` and allocate the session's arena. On
/// success `*session_out` is a new session the caller owns and frees with
/// `ghostrt_session_free`; on failure it is set to NULL (when `session_out` is not NULL).
/// The options are read during the call only. Several threads may create sessions from one
/// model at the same time.
///
/// Returns `GHOSTRT_NULL_ARGUMENT`, `GHOSTRT_UNSUPPORTED` (`tlsc_window` other than 0, a
/// model with several inputs or outputs), `GHOSTRT_INVALID_ARGUMENT` (`num_threads` outside
/// 1..=256, input size unusable: only one of height and width 0, or too large),
/// `GHOSTRT_PLAN` or `GHOSTRT_OUT_OF_MEMORY` (the arena or the worker threads).
///
/// # Safety
/// `model` must be NULL or a live model handle; `options` NULL or a valid options struct;
/// `session_out` NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_session_new(
    model: *const ghostrt_model,
    options: *const ghostrt_session_options,
    session_out: *mut *mut ghostrt_session,
) -> ghostrt_status {
    ffi("ghostrt_session_new", || {
        // SAFETY: the caller's contract on `session_out`.
        unsafe { write_out(session_out, "session_out", std::ptr::null_mut())? };
        // SAFETY: the caller's contract on `model`.
        let m = unsafe { model_ref(model, "model")? };
        non_null(options, "options")?;
        // SAFETY: non-null and valid by the caller's contract; the struct is plain data.
        let opts = unsafe { options.read() };
        let hw = input_size(&opts, m.graph.meta.default_hw)?;
        let (ni, no) = (m.graph.inputs.len(), m.graph.outputs.len());
        if ni != 1 || no != 1 {
            return Err(Failure::new(GHOSTRT_UNSUPPORTED, format!("the model has {ni} input(s) and {no} output(s); the C API runs models with one of each")));
        }
        let plan = m.plan(
            &[hw],
            PlanOptions {
                threads: opts.num_threads as usize,
                ..Default::default()
            },
        )?;
        // Planning succeeded and the thread count is valid, so what is left to fail is
        // allocating the arena or starting the worker threads.
        let session = Session::with_threads(plan, opts.num_threads as usize)
            .map_err(|e| Failure::new(GHOSTRT_OUT_OF_MEMORY, e.to_string()))?;
        let handle = Box::into_raw(Box::new(ghostrt_session { session }));
        // SAFETY: checked above.
        unsafe { write_out(session_out, "session_out", handle) }
    })
}

/// Release a session and its arena. NULL is allowed and does nothing. The handle must not
/// be used afterwards.
///
/// # Safety
/// `session` must be NULL or a live handle from `ghostrt_session_new`, freed only once and
/// not in use by another thread.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_session_free(session: *mut ghostrt_session) {
    ffi("ghostrt_session_free", || {
        if !session.is_null() {
            // SAFETY: a live handle created by `Box::into_raw`, by the caller's contract.
            drop(unsafe { Box::from_raw(session) });
        }
        Ok(())
    });
}

/// Borrow a session handle, checking it for NULL.
///
/// # Safety
/// `session` must be NULL or a live session handle not used by another thread.
unsafe fn session_ref<'a>(session: *const ghostrt_session) -> Result<&'a Session, Failure> {
    non_null(session, "session")?;
    // SAFETY: non-null and, by the caller's contract, a live handle.
    Ok(unsafe { &(*session).session })
}

/// Write a per-image shape through three out-pointers.
///
/// # Safety
/// Each pointer must be NULL or valid for writes.
unsafe fn write_shape(
    s: Shape,
    c: *mut usize,
    h: *mut usize,
    w: *mut usize,
) -> Result<(), Failure> {
    non_null(c, "channels_out")?;
    non_null(h, "height_out")?;
    non_null(w, "width_out")?;
    // SAFETY: the caller's contract, all three checked for NULL.
    unsafe {
        write_out(c, "channels_out", s.c)?;
        write_out(h, "height_out", s.h)?;
        write_out(w, "width_out", s.w)
    }
}

fn index_failure(what: &str, index: usize, count: usize) -> Failure {
    Failure::new(
        GHOSTRT_INVALID_ARGUMENT,
        format!("{what} index {index}: the session has {count}"),
    )
}

/// Store the shape of one image of input `index` (channels, height, width; the input
/// tensor is N x C x H x W float32 in that order). Returns `GHOSTRT_INVALID_ARGUMENT` if
/// `index` is not below the number of inputs.
///
/// # Safety
/// `session` must be NULL or a live session handle; the out-pointers NULL or valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_session_input_shape(
    session: *const ghostrt_session,
    index: usize,
    channels_out: *mut usize,
    height_out: *mut usize,
    width_out: *mut usize,
) -> ghostrt_status {
    ffi("ghostrt_session_input_shape", || {
        // SAFETY: the caller's contract on `session`.
        let s = unsafe { session_ref(session)? };
        let inputs = &s.plan().inputs;
        let v = inputs
            .get(index)
            .ok_or_else(|| index_failure("input", index, inputs.len()))?;
        // SAFETY: the caller's contract on the out-pointers.
        unsafe { write_shape(v.shape, channels_out, height_out, width_out) }
    })
}

/// Store the shape of one image's part of output `index` (channels, height, width). A
/// classifier's logits are `classes` x 1 x 1. `ghostrt_session_run` writes N x C x H x W
/// floats for a batch of N. Returns `GHOSTRT_INVALID_ARGUMENT` if `index` is not below the
/// number of outputs.
///
/// # Safety
/// `session` must be NULL or a live session handle; the out-pointers NULL or valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_session_output_shape(
    session: *const ghostrt_session,
    index: usize,
    channels_out: *mut usize,
    height_out: *mut usize,
    width_out: *mut usize,
) -> ghostrt_status {
    ffi("ghostrt_session_output_shape", || {
        // SAFETY: the caller's contract on `session`.
        let s = unsafe { session_ref(session)? };
        let outputs = &s.plan().outputs;
        let (v, _) = outputs
            .get(index)
            .ok_or_else(|| index_failure("output", index, outputs.len()))?;
        // SAFETY: the caller's contract on the out-pointers.
        unsafe { write_shape(v.shape, channels_out, height_out, width_out) }
    })
}

/// A caller's float buffer: checks alignment and that the length is possible at all.
fn check_buffer(p: *const f32, len: usize, arg: &str) -> Result<(), Failure> {
    non_null(p, arg)?;
    if (p as usize) % std::mem::align_of::<f32>() != 0 {
        return Err(Failure::new(
            GHOSTRT_INVALID_ARGUMENT,
            format!("`{arg}` is not aligned for float"),
        ));
    }
    if len > isize::MAX as usize / std::mem::size_of::<f32>() {
        return Err(Failure::new(
            GHOSTRT_INVALID_ARGUMENT,
            format!("`{arg}` length {len} is larger than any buffer"),
        ));
    }
    Ok(())
}

/// Run a batch of N images: `input` holds `input_len` floats, N images of C x H x W
/// (`ghostrt_session_input_shape`) in NCHW order, and N is `input_len / (C*H*W)`;
/// `output` receives N times the output shape's floats and `output_len` must be exactly
/// that. ghostrt reads no more than `input_len` floats of `input` and writes no more than
/// `output_len` floats of `output`; the two buffers must not overlap. Both stay the
/// caller's. The session's arena is reused, so a session must not run on two threads at
/// once. Performs no heap allocation when it succeeds.
///
/// Returns `GHOSTRT_NULL_ARGUMENT`, `GHOSTRT_INVALID_ARGUMENT` (misaligned or overlapping
/// buffers) or `GHOSTRT_SHAPE_MISMATCH` (`input_len` 0 or not a multiple of C*H*W,
/// `output_len` not N times the output size); the output is untouched then.
///
/// # Safety
/// `session` must be NULL or a live session handle used by no other thread during the
/// call; `input` NULL or valid for reading `input_len` floats; `output` NULL or valid for
/// writing `output_len` floats.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_session_run(
    session: *mut ghostrt_session,
    input: *const f32,
    input_len: usize,
    output: *mut f32,
    output_len: usize,
) -> ghostrt_status {
    ffi("ghostrt_session_run", || {
        non_null(session, "session")?;
        check_buffer(input, input_len, "input")?;
        check_buffer(output, output_len, "output")?;
        let (in_start, out_start) = (input as usize, output as usize);
        let (in_end, out_end) = (
            in_start.saturating_add(input_len * 4),
            out_start.saturating_add(output_len * 4),
        );
        if in_start < out_end && out_start < in_end {
            return Err(Failure::new(
                GHOSTRT_INVALID_ARGUMENT,
                "`input` and `output` overlap",
            ));
        }
        // SAFETY: non-null, live and used by this thread only, by the caller's contract.
        let s = unsafe { &mut (*session).session };
        let (per_in, per_out) = (s.input_len(0), s.output_len(0));
        let n = input_len.checked_div(per_in).unwrap_or(0);
        if n == 0 || input_len != n * per_in {
            let shape = s.plan().inputs[0].shape;
            return Err(Failure::new(GHOSTRT_SHAPE_MISMATCH, format!("input_len {input_len} is not a whole batch of images of {shape} ({per_in} floats each)")));
        }
        if n.checked_mul(per_out) != Some(output_len) {
            return Err(Failure::new(
                GHOSTRT_SHAPE_MISMATCH,
                format!("output_len {output_len}: a batch of {n} needs {n} x {per_out} floats"),
            ));
        }
        // SAFETY: non-null, aligned, at most isize::MAX bytes and, by the caller's
        // contract, valid for `input_len` reads and `output_len` writes; the ranges do not
        // overlap, so the shared and the mutable slice do not alias.
        let (x, y) = unsafe {
            (
                std::slice::from_raw_parts(input, input_len),
                std::slice::from_raw_parts_mut(output, output_len),
            )
        };
        s.run(&[x], &mut [y])?;
        Ok(())
    })
}
