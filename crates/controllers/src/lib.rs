//! kubesim controllers
