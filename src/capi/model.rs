//! Models: a weight pack loaded from a file or from memory, and what it says about its
//! inputs and outputs.

use super::ghostrt_status::{self, *};
use super::{ffi, non_null, write_out, Failure};
use crate::exec::Model;
use std::ffi::{c_char, CStr};
use std::path::PathBuf;

/// A loaded weight pack (opaque). Created by `ghostrt_model_load` or
/// `ghostrt_model_load_from_memory`, released with `ghostrt_model_free`. Immutable: share
/// it between threads freely.
pub struct ghostrt_model {
    pub(crate) model: Model,
}

/// Borrow a model handle, checking it for NULL.
///
/// # Safety
/// `model` must be NULL or a live handle from `ghostrt_model_load*`.
pub(crate) unsafe fn model_ref<'a>(
    model: *const ghostrt_model,
    arg: &str,
) -> Result<&'a Model, Failure> {
    non_null(model, arg)?;
    // SAFETY: non-null and, by the caller's contract, a live handle.
    Ok(unsafe { &(*model).model })
}

fn handle(model: Model) -> *mut ghostrt_model {
    Box::into_raw(Box::new(ghostrt_model { model }))
}

#[cfg(unix)]
fn path_of(path: &CStr) -> Result<PathBuf, Failure> {
    use std::os::unix::ffi::OsStrExt;
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(path.to_bytes())))
}

#[cfg(not(unix))]
fn path_of(path: &CStr) -> Result<PathBuf, Failure> {
    match path.to_str() {
        Ok(s) => Ok(PathBuf::from(s)),
        Err(_) => Err(Failure::new(
            GHOSTRT_INVALID_ARGUMENT,
            "path is not valid UTF-8",
        )),
    }
}

/// Load a weight pack (`.grt`) from the file at `path`, a NUL-terminated path in the
/// platform's encoding. The file is memory-mapped and validated (header, checksum, graph);
/// it must not be modified or truncated while the model lives. On success `*model_out`
/// is a new model the caller owns and frees with `ghostrt_model_free`; on failure it is
/// set to NULL (when `model_out` is not NULL).
///
/// Returns `GHOSTRT_NULL_ARGUMENT`, `GHOSTRT_IO` (missing or unreadable file) or
/// `GHOSTRT_CORRUPT_PACK`.
///
/// # Safety
/// `path` must be NULL or a NUL-terminated string; `model_out` must be NULL or valid for
/// writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_model_load(
    path: *const c_char,
    model_out: *mut *mut ghostrt_model,
) -> ghostrt_status {
    ffi("ghostrt_model_load", || {
        // SAFETY: the caller's contract on `model_out`.
        unsafe { write_out(model_out, "model_out", std::ptr::null_mut())? };
        non_null(path, "path")?;
        // SAFETY: non-null and NUL-terminated by the caller's contract.
        let path = path_of(unsafe { CStr::from_ptr(path) })?;
        let model = Model::open(&path)?;
        // SAFETY: checked above.
        unsafe { write_out(model_out, "model_out", handle(model)) }
    })
}

/// Load a weight pack from `len` bytes at `data`. The bytes are copied (into aligned
/// storage) before the function returns: the caller may free or reuse the buffer right
/// after the call. On success `*model_out` is a new model the caller owns and frees with
/// `ghostrt_model_free`; on failure it is set to NULL (when `model_out` is not NULL).
///
/// Returns `GHOSTRT_NULL_ARGUMENT`, `GHOSTRT_INVALID_ARGUMENT` (a length no buffer can
/// have) or `GHOSTRT_CORRUPT_PACK`.
///
/// # Safety
/// `data` must be NULL or valid for reading `len` bytes; `model_out` must be NULL or valid
/// for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_model_load_from_memory(
    data: *const u8,
    len: usize,
    model_out: *mut *mut ghostrt_model,
) -> ghostrt_status {
    ffi("ghostrt_model_load_from_memory", || {
        // SAFETY: the caller's contract on `model_out`.
        unsafe { write_out(model_out, "model_out", std::ptr::null_mut())? };
        non_null(data, "data")?;
        if len > isize::MAX as usize {
            return Err(Failure::new(
                GHOSTRT_INVALID_ARGUMENT,
                format!("len {len} is larger than any buffer"),
            ));
        }
        // SAFETY: non-null, at most isize::MAX bytes, readable by the caller's contract; u8
        // needs no alignment.
        let bytes = unsafe { std::slice::from_raw_parts(data, len) };
        let model = Model::from_bytes(bytes, "<memory>")?;
        // SAFETY: checked above.
        unsafe { write_out(model_out, "model_out", handle(model)) }
    })
}

/// Release a model. NULL is allowed and does nothing. Sessions created from the model stay
/// valid (they hold their own reference to its weights). No other thread may be using the
/// model during this call, and the handle must not be used afterwards.
///
/// # Safety
/// `model` must be NULL or a live handle from `ghostrt_model_load*`, freed only once.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_model_free(model: *mut ghostrt_model) {
    ffi("ghostrt_model_free", || {
        if !model.is_null() {
            // SAFETY: a live handle created by `Box::into_raw`, by the caller's contract.
            drop(unsafe { Box::from_raw(model) });
        }
        Ok(())
    });
}

/// Store the number of input tensors of the model in `*count_out` (1 for RepGhostNet and
/// GhostNet).
///
/// # Safety
/// `model` must be NULL or a live model handle; `count_out` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_model_num_inputs(
    model: *const ghostrt_model,
    count_out: *mut usize,
) -> ghostrt_status {
    ffi("ghostrt_model_num_inputs", || {
        // SAFETY: the caller's contract on both pointers.
        unsafe {
            let m = model_ref(model, "model")?;
            write_out(count_out, "count_out", m.graph.inputs.len())
        }
    })
}

/// Store the number of output tensors of the model in `*count_out` (1 for RepGhostNet and
/// GhostNet: the logits).
///
/// # Safety
/// `model` must be NULL or a live model handle; `count_out` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_model_num_outputs(
    model: *const ghostrt_model,
    count_out: *mut usize,
) -> ghostrt_status {
    ffi("ghostrt_model_num_outputs", || {
        // SAFETY: the caller's contract on both pointers.
        unsafe {
            let m = model_ref(model, "model")?;
            write_out(count_out, "count_out", m.graph.outputs.len())
        }
    })
}

/// Store the channel count of input `index` in `*channels_out` (3 for RGB image models).
/// Returns `GHOSTRT_INVALID_ARGUMENT` if `index` is not below the number of inputs.
///
/// # Safety
/// `model` must be NULL or a live model handle; `channels_out` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_model_input_channels(
    model: *const ghostrt_model,
    index: usize,
    channels_out: *mut usize,
) -> ghostrt_status {
    ffi("ghostrt_model_input_channels", || {
        // SAFETY: the caller's contract on `model`.
        let m = unsafe { model_ref(model, "model")? };
        non_null(channels_out, "channels_out")?;
        let inputs = &m.graph.inputs;
        let input = inputs.get(index).ok_or_else(|| {
            Failure::new(
                GHOSTRT_INVALID_ARGUMENT,
                format!(
                    "input index {index}: the model has {} input(s)",
                    inputs.len()
                ),
            )
        })?;
        // SAFETY: the caller's contract on `channels_out`.
        unsafe { write_out(channels_out, "channels_out", input.channels) }
    })
}

/// Store the input size the model was trained at (recorded in the pack, e.g. 224 x 224) in
/// `*height_out` and `*width_out`; a session created with input height and width 0 uses
/// it. Both are 0 if the pack records none.
///
/// # Safety
/// `model` must be NULL or a live model handle; `height_out` and `width_out` NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn ghostrt_model_default_input_size(
    model: *const ghostrt_model,
    height_out: *mut u32,
    width_out: *mut u32,
) -> ghostrt_status {
    ffi("ghostrt_model_default_input_size", || {
        // SAFETY: the caller's contract on `model`.
        let m = unsafe { model_ref(model, "model")? };
        non_null(height_out, "height_out")?;
        non_null(width_out, "width_out")?;
        let (h, w) = m.graph.meta.default_hw;
        let fit = |v: usize| {
            u32::try_from(v).map_err(|_| {
                Failure::new(
                    GHOSTRT_CORRUPT_PACK,
                    format!("default input size {h}x{w} does not fit 32 bits"),
                )
            })
        };
        let (h32, w32) = (fit(h)?, fit(w)?);
        // SAFETY: the caller's contract on the out-pointers, both checked for NULL.
        unsafe {
            write_out(height_out, "height_out", h32)?;
            write_out(width_out, "width_out", w32)
        }
    })
}
