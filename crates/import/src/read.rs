//! Reading the snapshot's files: bounded, regular files only, UTF-8; JSON or (multi-document)
//! YAML; `List`s flattened into their items.

use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// The objects of one file (or one API response).
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The file's name without its extension, for the scenario's default name.
    pub stem: Option<String>,
    /// The objects, `List`s flattened.
    pub objects: Vec<Value>,
}

/// Reads the file at `path`: a regular file of at most `max_bytes` bytes (a FIFO, device or
/// directory is refused, as the scenario loader refuses them as includes), UTF-8, then
/// [`parse_text`]. Errors name the file and never quote a file that is not text.
pub fn read_file(path: &Path, max_bytes: u64) -> Result<Input, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("error: cannot read `{shown}`: {e}"))?;
    if !meta.is_file() {
        let what = if meta.is_dir() { "a directory" } else { "not a regular file" };
        return Err(format!(
            "error: cannot read `{shown}`: it is {what} (expected a file of `kubectl get -o yaml` or `-o json` output)"
        ));
    }
    if meta.len() > max_bytes {
        return Err(format!(
            "error: cannot read `{shown}`: it is {} bytes, more than the limit of {max_bytes} (raise it with --max-include-size)",
            meta.len()
        ));
    }
    let file =
        std::fs::File::open(path).map_err(|e| format!("error: cannot read `{shown}`: {e}"))?;
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("error: cannot read `{shown}`: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "error: cannot read `{shown}`: it grew past the limit of {max_bytes} bytes while read (--max-include-size)"
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "error: cannot read `{shown}`: it is not UTF-8 text (invalid byte at offset {}); expected `kubectl get -o yaml` or `-o json` output",
            e.utf8_error().valid_up_to()
        )
    })?;
    let mut input = parse_text(&shown.to_string(), &text)?;
    input.stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    Ok(input)
}

/// serde-saphyr's options for a dump of `len` bytes: only `true`/`false` are booleans,
/// duplicate keys refused, and the size budget measured against the input as the scenario
/// loader measures it (up to one node and four parser events per input byte, at least
/// serde-saphyr's defaults), so a dump of any size reads while an alias bomb is refused.
fn yaml_options(len: usize) -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.with_snippet = false;
    o.strict_booleans = true;
    if let Some(b) = o.budget.as_mut() {
        b.max_nodes = b.max_nodes.max(len);
        b.max_events = b.max_events.max(len.saturating_mul(4));
        b.max_total_scalar_bytes = b.max_total_scalar_bytes.max(len);
        b.max_documents = b.max_documents.max(len / 64);
    }
    o
}

/// Parses `text` (named `file` in errors): JSON if it opens with `{` or `[` (as `kubectl get
/// -o json` writes), else YAML, one or more documents. Each document is an object, a `List`
/// or a typed list (`PodList`: items may omit `kind` and `apiVersion`), or empty.
pub fn parse_text(file: &str, text: &str) -> Result<Input, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut docs = Vec::new();
        for doc in serde_json::Deserializer::from_str(trimmed).into_iter::<Value>() {
            docs.push(doc.map_err(|e| {
                format!("error: {file}: line {}, column {}: {e}", e.line(), e.column())
            })?);
        }
        docs
    } else {
        serde_saphyr::from_multiple_with_options::<Value>(text, yaml_options(text.len()))
            .map_err(|e| format!("error: {file}: {e}"))?
    };
    let mut objects = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        flatten(file, i, doc, &mut objects)?;
    }
    Ok(Input { stem: None, objects })
}

/// Appends the objects of one document.
fn flatten(file: &str, doc: usize, v: Value, out: &mut Vec<Value>) -> Result<(), String> {
    match v {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                flatten(file, doc, item, out)?;
            }
            Ok(())
        }
        Value::Object(mut map) => {
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
            if let Some(item_kind) = kind.strip_suffix("List") {
                let api = map.get("apiVersion").cloned();
                let items = match map.remove("items") {
                    Some(Value::Array(items)) => items,
                    Some(Value::Null) | None => Vec::new(),
                    Some(_) => {
                        return Err(format!(
                            "error: {file}: document {}: `items` of a {kind}: expected a list of objects",
                            doc + 1
                        ));
                    }
                };
                for mut item in items {
                    if let Value::Object(m) = &mut item
                        && !item_kind.is_empty()
                    {
                        // A typed list (`PodList`): its items may leave out kind and apiVersion.
                        m.entry("kind").or_insert_with(|| Value::String(item_kind.to_string()));
                        if let Some(a) = &api {
                            m.entry("apiVersion").or_insert_with(|| a.clone());
                        }
                    }
                    flatten(file, doc, item, out)?;
                }
                return Ok(());
            }
            if kind.is_empty() {
                return Err(format!(
                    "error: {file}: document {}: an object without `kind` (expected Kubernetes objects, as `kubectl get -o yaml` prints them)",
                    doc + 1
                ));
            }
            out.push(Value::Object(map));
            Ok(())
        }
        other => Err(format!(
            "error: {file}: document {}: expected a Kubernetes object or a List, found {}",
            doc + 1,
            match other {
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "something else",
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_yaml_and_json() {
        let yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n";
        let i = parse_text("x", yaml).unwrap();
        assert_eq!(i.objects.len(), 2);
        assert_eq!(i.objects[1]["kind"], "Node");
        let json = r#"{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"a"}}]}"#;
        let i = parse_text("x", json).unwrap();
        assert_eq!(i.objects[0]["kind"], "Pod");
        assert_eq!(i.objects[0]["apiVersion"], "v1");
    }

    #[test]
    fn bad_input_is_named() {
        let e = parse_text("dump.json", "{\"kind\": ").unwrap_err();
        assert!(e.contains("dump.json: line 1"), "{e}");
        let e = parse_text("dump.yaml", "- 3\n").unwrap_err();
        assert!(e.contains("dump.yaml: document 1") && e.contains("a number"), "{e}");
        let e = parse_text("dump.yaml", "metadata: {name: a}\n").unwrap_err();
        assert!(e.contains("without `kind`"), "{e}");
        let e = parse_text("dump.yaml", "a: [\n").unwrap_err();
        assert!(e.starts_with("error: dump.yaml: "), "{e}");
    }
}
