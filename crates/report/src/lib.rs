//! kubesim report
