//! kubesim CLI
fn main() {}
