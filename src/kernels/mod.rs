//! The kernel list: FFI declarations of the C microkernels and one table per family.
