//! `--anonymize`: a snapshot that can be attached to a bug report.
//!
//! Renamed, consistently everywhere they appear (so selectors still select, owners still own,
//! pods stay on their nodes and ImageLocality still finds the images on the nodes):
//! - namespaces (`ns-<id>`), except `default`, `kube-system`, `kube-public`,
//!   `kube-node-lease`;
//! - nodes (`node-<id>`): names, `spec.nodeName`, `kubernetes.io/hostname`, `matchFields`;
//! - workloads, PDBs and pods (`app-<id>`): a name made by a controller keeps the controller's
//!   suffix on the owner's new name (`web-5d8f7c-x2x9z` of `web` becomes
//!   `app-<id>-5d8f7c-x2x9z`), so ownership stays readable;
//! - images (`registry.invalid/img-<id>`, keeping `:latest` or no tag as written, since
//!   that decides the default `imagePullPolicy`; other tags become `:1`);
//! - label values (and selector values) under any key but the well-known ones that carry no
//!   name (zone, region, os, arch, instance type, the controllers' hashes and indexes);
//! - container names (`c-<id>`), in specs and statuses alike.
//!
//! Dropped: annotations, environment, commands and arguments (of containers and exec
//! probes), volumes and their mounts, volume claim templates, image pull secrets, service
//! accounts, hostnames, DNS settings, addresses, IPs, CIDRs, provider IDs, node info, container
//! and image IDs, `generateName` and every `message`.
//!
//! Kept: label keys, taint and toleration keys, port names, PriorityClass names,
//! resources, probes' timings, the zones and the region.
//!
//! Each new name is drawn from a ChaCha8 stream seeded from `--seed` and the old name (its
//! FNV-1a hash), so the same seed renames the same name the same way in every snapshot, and
//! another seed gives unrelated names; a collision (10 hex digits: about one in 10^12 per
//! pair) draws again.

use crate::{KEPT, str_at};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Namespaces kept as they are.
const KEEP_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Label keys whose values name nothing of the user's.
const KEEP_VALUES: [&str; 15] = [
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "topology.gke.io/zone",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "apps.kubernetes.io/pod-index",
];

/// Keys dropped wherever they appear.
const DROP: [&str; 26] = [
    "annotations",
    "env",
    "envFrom",
    "command",
    "args",
    "volumes",
    "volumeMounts",
    "volumeDevices",
    "volumeClaimTemplates",
    "imagePullSecrets",
    "serviceAccountName",
    "serviceAccount",
    "hostname",
    "subdomain",
    "dnsConfig",
    "hostAliases",
    "podIP",
    "podIPs",
    "hostIP",
    "hostIPs",
    "addresses",
    "nodeInfo",
    "providerID",
    "podCIDR",
    "podCIDRs",
    "message",
];

/// Keys dropped too, besides [`DROP`].
const DROP_MORE: [&str; 5] = ["containerID", "imageID", "generateName", "externalID", "config"];

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

struct Anon {
    seed: u64,
    /// (category, old) -> new.
    names: BTreeMap<(&'static str, String), String>,
    used: BTreeSet<String>,
    /// (old namespace, old name) -> new name, of the snapshot's namespaced objects.
    objects: BTreeMap<(String, String), String>,
}

impl Anon {
    fn fresh(&mut self, cat: &'static str, prefix: &str, old: &str) -> String {
        if let Some(n) = self.names.get(&(cat, old.to_string())) {
            return n.clone();
        }
        let mut rng = ChaCha8Rng::seed_from_u64(fnv1a(&[
            &self.seed.to_le_bytes(),
            cat.as_bytes(),
            old.as_bytes(),
        ]));
        let new = loop {
            let id = rng.next_u64() & 0xff_ffff_ffff;
            let n = format!("{prefix}-{id:010x}");
            if self.used.insert(n.clone()) {
                break n;
            }
        };
        self.names.insert((cat, old.to_string()), new.clone());
        new
    }

    fn namespace(&mut self, ns: &str) -> String {
        if KEEP_NAMESPACES.contains(&ns) { ns.to_string() } else { self.fresh("ns", "ns", ns) }
    }

    fn node(&mut self, n: &str) -> String {
        self.fresh("node", "node", n)
    }

    fn name(&mut self, n: &str) -> String {
        self.fresh("name", "app", n)
    }

    fn image(&mut self, image: &str) -> String {
        /// `repo[:tag]` split at the tag's `:` (after the last `/`: a registry's port is not
        /// a tag).
        fn split_tag(s: &str) -> (&str, Option<&str>) {
            let last = s.rsplit('/').next().unwrap_or(s);
            match last.rsplit_once(':') {
                Some((_, t)) => (&s[..s.len() - t.len() - 1], Some(t)),
                None => (s, None),
            }
        }
        let (named, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (image, None),
        };
        let (repo, tag) = split_tag(named);
        let tag = match (tag, digest) {
            (Some("latest"), None) => ":latest",
            (None, None) => "",
            _ => ":1",
        };
        format!("registry.invalid/{}{tag}", self.fresh("image", "img", repo))
    }

    /// The new name of an object called `old` in `ns` owned by `owner` (old name, if any):
    /// the owner's new name plus the controller's suffix, else a fresh name.
    fn derived(&mut self, ns: &str, old: &str, owner: Option<&str>) -> String {
        if let Some(o) = owner
            && let Some(rest) = old.strip_prefix(o).filter(|r| r.starts_with('-'))
        {
            let base = self.owner_name(ns, o);
            return format!("{base}{rest}");
        }
        self.name(old)
    }

    /// The new name of the object `name` in `ns` that an owner reference names.
    fn owner_name(&mut self, ns: &str, name: &str) -> String {
        match self.objects.get(&(ns.to_string(), name.to_string())) {
            Some(n) => n.clone(),
            None => self.name(name),
        }
    }

    fn label_value(&mut self, key: &str, v: &str, ns: &str) -> String {
        if v.is_empty() || KEEP_VALUES.contains(&key) {
            v.to_string()
        } else if key == "kubernetes.io/hostname" {
            self.node(v)
        } else if key == "statefulset.kubernetes.io/pod-name" {
            self.owner_name(ns, v)
        } else {
            self.name(v)
        }
    }

    fn label_map(&mut self, v: &mut Value, ns: &str) {
        if let Value::Object(m) = v {
            for (k, val) in m.iter_mut() {
                if let Value::String(s) = val {
                    *s = self.label_value(k, s, ns);
                }
            }
        }
    }

    fn strings(&mut self, v: &mut Value, f: &mut dyn FnMut(&mut Self, &str) -> String) {
        if let Value::Array(a) = v {
            for x in a {
                if let Value::String(s) = x {
                    *s = f(self, s);
                }
            }
        }
    }

    fn walk(&mut self, v: &mut Value, ns: &str) {
        match v {
            Value::Object(m) => {
                for k in DROP.iter().chain(DROP_MORE.iter()) {
                    m.remove(*k);
                }
                for (k, child) in m.iter_mut() {
                    match (k.as_str(), &mut *child) {
                        ("labels" | "matchLabels" | "nodeSelector", _) => self.label_map(child, ns),
                        ("matchExpressions", Value::Array(items)) => {
                            for item in items {
                                let key = str_at(item, &["key"]).unwrap_or("").to_string();
                                if let Some(vals) = item.get_mut("values") {
                                    self.strings(vals, &mut |a, s| a.label_value(&key, s, ns));
                                }
                            }
                        }
                        ("matchFields", Value::Array(items)) => {
                            for item in items {
                                if let Some(vals) = item.get_mut("values") {
                                    self.strings(vals, &mut |a, s| a.node(s));
                                }
                            }
                        }
                        ("namespaces", _) => self.strings(child, &mut |a, s| a.namespace(s)),
                        ("names", _) => self.strings(child, &mut |a, s| a.image(s)),
                        ("nodeName" | "nominatedNodeName", Value::String(s)) => *s = self.node(s),
                        ("namespace", Value::String(s)) => *s = self.namespace(s),
                        ("image", Value::String(s)) => *s = self.image(s),
                        ("serviceName", Value::String(s)) => *s = self.name(s),
                        (
                            "containers"
                            | "initContainers"
                            | "ephemeralContainers"
                            | "containerStatuses"
                            | "initContainerStatuses"
                            | "ephemeralContainerStatuses",
                            Value::Array(cs),
                        ) => {
                            for c in cs {
                                if let Some(Value::String(s)) = c.get_mut("name") {
                                    *s = self.fresh("container", "c", s);
                                }
                                self.walk(c, ns);
                            }
                        }
                        ("ownerReferences", Value::Array(refs)) => {
                            for r in refs {
                                let node = str_at(r, &["kind"]) == Some("Node");
                                if let Some(Value::String(s)) = r.get_mut("name") {
                                    *s = if node { self.node(s) } else { self.owner_name(ns, s) };
                                }
                            }
                        }
                        _ => self.walk(child, ns),
                    }
                }
            }
            Value::Array(a) => {
                for x in a {
                    self.walk(x, ns);
                }
            }
            _ => {}
        }
    }
}

fn owner(v: &Value) -> Option<&str> {
    let refs = v.get("metadata")?.get("ownerReferences")?.as_array()?;
    let r = refs
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .or_else(|| refs.first())?;
    str_at(r, &["name"])
}

/// Anonymizes the kept objects (grouped as [`KEPT`]) in place.
pub fn anonymize(by_kind: &mut [Vec<Value>], seed: u64) {
    let mut a =
        Anon { seed, names: BTreeMap::new(), used: BTreeSet::new(), objects: BTreeMap::new() };
    // Names first, owners before what they own (KEPT's order: ReplicaSets after
    // Deployments, pods last), so a derived name finds its owner's new name.
    for (slot, objs) in by_kind.iter().enumerate() {
        let kind = KEPT[slot].0;
        if kind == "Node" || kind == "PriorityClass" {
            continue;
        }
        for o in objs.iter() {
            let ns = str_at(o, &["metadata", "namespace"]).unwrap_or("default").to_string();
            let Some(name) = str_at(o, &["metadata", "name"]) else { continue };
            let new = a.derived(&ns, name, owner(o));
            a.objects.insert((ns, name.to_string()), new);
        }
    }
    for (slot, objs) in by_kind.iter_mut().enumerate() {
        let kind = KEPT[slot].0;
        for o in objs.iter_mut() {
            let ns = str_at(o, &["metadata", "namespace"]).unwrap_or("default").to_string();
            let name = str_at(o, &["metadata", "name"]).unwrap_or("").to_string();
            let new = match kind {
                "Node" => a.node(&name),
                "PriorityClass" => name.clone(),
                _ => a
                    .objects
                    .get(&(ns.clone(), name.clone()))
                    .cloned()
                    .unwrap_or_else(|| a.name(&name)),
            };
            a.walk(o, &ns);
            if let Some(Value::String(s)) = o.get_mut("metadata").and_then(|m| m.get_mut("name")) {
                *s = new;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slots(objs: Vec<Value>) -> Vec<Vec<Value>> {
        let mut by_kind = vec![Vec::new(); KEPT.len()];
        for o in objs {
            let k = o["kind"].as_str().unwrap().to_string();
            by_kind[KEPT.iter().position(|(n, _)| *n == k).unwrap()].push(o);
        }
        by_kind
    }

    #[test]
    fn consistent_and_seeded() {
        let objs = vec![
            json!({"kind": "Node", "metadata": {"name": "gke-prod-1", "labels": {
                "kubernetes.io/hostname": "gke-prod-1", "topology.kubernetes.io/zone": "z"}},
                "status": {"images": [{"names": ["ghcr.io/acme/web:2.1"]}],
                    "addresses": [{"address": "10.0.0.1"}]}}),
            json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "payments",
                "annotations": {"secret": "x"}},
                "spec": {"selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                        {"name": "c", "image": "ghcr.io/acme/web:2.1", "env": [{"name": "PW", "value": "hunter2"}]}]}}}}),
            json!({"kind": "ReplicaSet", "metadata": {"name": "web-5d8f7c", "namespace": "payments",
                "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}}),
            json!({"kind": "Pod", "metadata": {"name": "web-5d8f7c-x2x9z", "namespace": "payments",
                "labels": {"app": "web", "pod-template-hash": "5d8f7c"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d8f7c", "controller": true}]},
                "spec": {"nodeName": "gke-prod-1", "containers": [{"name": "c", "image": "ghcr.io/acme/web:2.1"}]},
                "status": {"podIP": "10.1.1.1"}}),
        ];
        let mut a = slots(objs.clone());
        anonymize(&mut a, 7);
        let text = serde_json::to_string(&a).unwrap();
        for secret in
            ["gke-prod", "payments", "acme", "hunter2", "10.0.0.1", "10.1.1.1", "\"web", "secret"]
        {
            assert!(!text.contains(secret), "{secret} left in {text}");
        }
        let node = &a[1][0];
        let dep = &a[2][0];
        let rs = &a[3][0];
        let pod = &a[7][0];
        let d = dep["metadata"]["name"].as_str().unwrap();
        assert_eq!(rs["metadata"]["name"].as_str().unwrap(), format!("{d}-5d8f7c"));
        assert_eq!(rs["metadata"]["ownerReferences"][0]["name"], d);
        assert_eq!(pod["metadata"]["name"].as_str().unwrap(), format!("{d}-5d8f7c-x2x9z"));
        assert_eq!(pod["metadata"]["ownerReferences"][0]["name"], rs["metadata"]["name"]);
        assert_eq!(pod["spec"]["nodeName"], node["metadata"]["name"]);
        assert_eq!(node["metadata"]["labels"]["kubernetes.io/hostname"], node["metadata"]["name"]);
        assert_eq!(node["metadata"]["labels"]["topology.kubernetes.io/zone"], "z");
        assert_eq!(pod["metadata"]["labels"]["pod-template-hash"], "5d8f7c");
        assert_eq!(pod["metadata"]["labels"]["app"], dep["spec"]["selector"]["matchLabels"]["app"]);
        assert_eq!(pod["metadata"]["namespace"], dep["metadata"]["namespace"]);
        let image = pod["spec"]["containers"][0]["image"].as_str().unwrap();
        assert!(image.starts_with("registry.invalid/img-") && image.ends_with(":1"), "{image}");
        assert_eq!(node["status"]["images"][0]["names"][0], image);
        // The same seed renames the same way; another seed does not.
        let mut b = slots(objs.clone());
        anonymize(&mut b, 7);
        assert_eq!(a, b);
        let mut c = slots(objs);
        anonymize(&mut c, 8);
        assert_ne!(a[2][0]["metadata"]["name"], c[2][0]["metadata"]["name"]);
    }

    #[test]
    fn image_tags() {
        let mut a = Anon {
            seed: 1,
            names: BTreeMap::new(),
            used: BTreeSet::new(),
            objects: BTreeMap::new(),
        };
        let plain = a.image("nginx");
        assert!(!plain.contains(':'), "{plain}");
        let latest = a.image("nginx:latest");
        assert_eq!(latest, format!("{plain}:latest"));
        assert_eq!(a.image("nginx:1.25"), format!("{plain}:1"));
        assert_eq!(a.image("localhost:5000/x"), a.image("localhost:5000/x"));
        assert!(!a.image("localhost:5000/x").ends_with(":1"));
    }
}
