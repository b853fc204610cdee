//! kubesim model
