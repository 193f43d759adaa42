//! `cargo xtask arm-test`: placeholder, being written.
pub fn main(_args: &[String]) -> Result<(), String> {
    Err("arm-test: not implemented yet".into())
}
