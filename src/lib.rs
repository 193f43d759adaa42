//! ghostrt: a CNN inference runtime for RepGhostNet and GhostNet with an offline
//! re-parameterizing planner, a precomputed memory arena and hand-written kernels.

pub mod error;
pub mod import;
pub mod kernels;
pub mod npy;
pub mod reference;
pub mod tensor;

pub use error::{Error, Result};
pub use tensor::Tensor;
pub mod capi;
pub mod exec;
pub mod graph;
pub mod models;
pub mod pack;
pub mod passes;
pub mod plan;

pub use exec::{Model, Session};
