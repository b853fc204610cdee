//! Server-side noise dropped from every kept object: what the API server writes for its own
//! bookkeeping and what `kubectl apply` leaves, none of which changes what happens next.
//!
//! Dropped: `metadata.managedFields` (server-side apply's field ownership, often half of a
//! dump), `metadata.resourceVersion` (optimistic concurrency), `metadata.selfLink` (removed
//! from the API server in v1.20, still in old dumps) and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation (a second copy of the
//! object). Kept: everything else, status included (a pod's phase and conditions decide how it
//! starts; a node's conditions are read and noted).

use serde_json::Value;

/// The annotation `kubectl apply` keeps its last input in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops the noise from `obj`, in place.
pub fn clean(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    meta.remove("managedFields");
    meta.remove("resourceVersion");
    meta.remove("selfLink");
    let empty = match meta.get_mut("annotations").and_then(Value::as_object_mut) {
        Some(a) => {
            a.remove(LAST_APPLIED);
            a.is_empty()
        }
        None => false,
    };
    if empty {
        meta.remove("annotations");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_noise_only() {
        let mut v = json!({"kind": "Pod", "metadata": {"name": "a", "resourceVersion": "12",
            "managedFields": [{"manager": "kubectl"}], "selfLink": "/api/v1/x", "uid": "u",
            "annotations": {LAST_APPLIED: "{}"}}, "status": {"phase": "Running"}});
        clean(&mut v);
        assert_eq!(
            v,
            json!({"kind": "Pod", "metadata": {"name": "a", "uid": "u"},
            "status": {"phase": "Running"}})
        );
        let mut v = json!({"metadata": {"annotations": {LAST_APPLIED: "{}", "a": "b"}}});
        clean(&mut v);
        assert_eq!(v, json!({"metadata": {"annotations": {"a": "b"}}}));
    }
}
