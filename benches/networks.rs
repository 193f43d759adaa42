//! Network benches: concat vs reparam (being written).
fn main() {}
