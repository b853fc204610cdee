//! kubesim engine
