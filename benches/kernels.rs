//! Kernel benches at the layer shapes of RepGhostNet/GhostNet 1.0x, 224x224 (being written).
fn main() {}
