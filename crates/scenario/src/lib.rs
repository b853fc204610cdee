//! kubesim scenario
