//! The four RepGhost comparison variants built from the test fixtures, shared by
//! `benches/networks.rs` and `examples/reparam_vs_concat.rs` (see the bench's header).

use ghostrt::graph::Graph;
use ghostrt::import::{self, StateDict};
use ghostrt::passes;
use std::path::Path;
use std::sync::Arc;

pub fn state_dict(model: &str) -> StateDict {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(model);
    let file = ["state_dict.pth", "state_dict.safetensors"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .expect("fixture weights");
    import::load_state_dict(&file).expect("fixture loads")
}

/// Every deploy pass except the RepGhost branch fusion.
fn unfused(mut g: Graph) -> Graph {
    for (name, pass) in passes::PIPELINE {
        if name != "repghost_fuse" {
            g = pass(g).expect("pass");
        }
    }
    g
}

pub struct Variant {
    pub name: &'static str,
    pub graph: Arc<Graph>,
    pub eliminate_concat: bool,
}

pub fn variants(ghost: &dyn Fn() -> Graph, repghost: &dyn Fn() -> Graph) -> Vec<Variant> {
    let ghost = Arc::new(passes::optimize(ghost()).expect("passes"));
    vec![
        Variant {
            name: "ghost_concat_copy",
            graph: ghost.clone(),
            eliminate_concat: false,
        },
        Variant {
            name: "ghost_concat_free",
            graph: ghost,
            eliminate_concat: true,
        },
        Variant {
            name: "repghost_unfused",
            graph: Arc::new(unfused(repghost())),
            eliminate_concat: true,
        },
        Variant {
            name: "repghost_reparam",
            graph: Arc::new(passes::optimize(repghost()).expect("passes")),
            eliminate_concat: true,
        },
    ]
}
