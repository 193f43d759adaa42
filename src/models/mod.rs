//! Model builders: PyTorch state_dicts (timm / official key names) to train-form graphs.

pub mod builder;
pub mod ghost;

use crate::error::Result;
use crate::graph::Graph;
use crate::import::StateDict;
pub use ghost::Arch;

/// Build the train-form graph of a state_dict, detecting the architecture unless given.
pub fn build(sd: &StateDict, arch: Option<Arch>) -> Result<Graph> {
    let arch = match arch {
        Some(a) => a,
        None => ghost::detect(sd)?,
    };
    ghost::build(sd, arch)
}
