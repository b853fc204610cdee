//! The README's commands, run as a newcomer types them, so the README cannot drift from what
//! kubesim does.
//!
//! What is checked:
//! - every command line of the README's ```` ```sh ```` blocks that calls kubesim — `kubesim
//!   ...`, or `cargo run --release -p kubesim-cli -- ...` (the same binary) — runs in a
//!   temporary copy of `scenarios/` and exits 0;
//! - a command whose output the README shows (a ```` ``` ```` block right after an HTML comment
//!   `<!-- output of: <command> -->`) prints exactly that, but for the wall-clock time of
//!   `run`'s last line;
//! - a transcript block (```` ``` ```` whose first line is `$ kubesim ...`) prints the lines
//!   that follow it;
//! - a command that writes into `results/` writes what the repository holds there, byte for
//!   byte (the study's `kubesim sweep` is the one the committed charts were made with).
//!
//! The other command lines of ```` ```sh ```` blocks must be in [`SKIPPED`], with the reason,
//! so that a new one makes this test fail until someone decides how to check it.

use crate::support::{kubesim, root};
use std::fs;
use std::path::Path;

/// Command lines of the README's `sh` blocks that this test does not run, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cargo test --workspace --release --features kubesim-controllers/consistency-checks",
        "the test suite itself: this test is part of it",
    ),
    (
        "kubectl get nodes,pods,deployments,replicasets,statefulsets,daemonsets,replicationcontrollers,services,poddisruptionbudgets,priorityclasses -A -o yaml > snapshot.yaml",
        "needs a cluster; the test puts a kind cluster's snapshot in its place \
         (crates/import/tests/data/kind-dump.yaml, in the API server's format)",
    ),
    (
        "cargo install --locked --path crates/cli",
        "a second cargo inside the test run; checked instead: crates/cli builds the `kubesim` binary",
    ),
];

/// One command to run.
#[derive(Debug)]
struct Command {
    /// Where it is in the README (1-based line).
    line: usize,
    /// The command as written (continuations joined).
    text: String,
    /// The arguments after `kubesim`.
    args: Vec<String>,
    /// The output the README shows for it, if any.
    expected: Option<String>,
}

/// Splits a command line into words as `sh` does for the quoting the README uses: single and
/// double quotes, backslash escapes outside quotes.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        _ => cur.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// The arguments of a command line that runs kubesim, or None.
fn kubesim_args(text: &str) -> Option<Vec<String>> {
    let words = shell_words(text);
    let cargo_run = ["cargo", "run", "--release", "-p", "kubesim-cli", "--"];
    if words.first().map(String::as_str) == Some("kubesim") {
        Some(words[1..].to_vec())
    } else if words.len() > cargo_run.len() && words[..cargo_run.len()] == cargo_run {
        Some(words[cargo_run.len()..].to_vec())
    } else {
        None
    }
}

/// The commands of the README, and the `sh` command lines it does not run.
fn extract(readme: &str) -> (Vec<Command>, Vec<String>) {
    let lines: Vec<&str> = readme.lines().collect();
    let mut commands = Vec::new();
    let mut skipped = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        let Some(lang) = fence.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let body = &lines[start..end.min(lines.len())];
        let output_of = i
            .checked_sub(1)
            .and_then(|p| lines[p].trim().strip_prefix("<!-- output of: "))
            .and_then(|r| r.strip_suffix(" -->"));
        if lang == "sh" {
            let mut j = 0;
            while j < body.len() {
                let first = j;
                let mut text = String::new();
                loop {
                    let l = body[j].trim();
                    j += 1;
                    match l.strip_suffix('\\') {
                        Some(head) if j < body.len() => {
                            text.push_str(head.trim_end());
                            text.push(' ');
                        }
                        _ => {
                            text.push_str(l);
                            break;
                        }
                    }
                }
                if text.is_empty() || text.starts_with('#') {
                    continue;
                }
                match kubesim_args(&text) {
                    Some(args) => commands.push(Command {
                        line: start + first + 1,
                        text,
                        args,
                        expected: None,
                    }),
                    None => skipped.push(text),
                }
            }
        } else if let Some(cmd) = output_of {
            let args = kubesim_args(cmd).unwrap_or_else(|| {
                panic!("README.md:{i}: `output of:` names no kubesim command: {cmd}")
            });
            commands.push(Command {
                line: i,
                text: cmd.to_string(),
                args,
                expected: Some(body.join("\n")),
            });
        } else if let Some(cmd) = body.first().and_then(|l| l.strip_prefix("$ "))
            && let Some(args) = kubesim_args(cmd)
        {
            commands.push(Command {
                line: start + 1,
                text: cmd.to_string(),
                args,
                expected: Some(body[1..].join("\n")),
            });
        }
        i = end + 1;
    }
    (commands, skipped)
}

/// `run`'s last line says how long the run took on the wall clock: `in 0.4 ms`.
fn without_wall_time(text: &str) -> String {
    text.lines()
        .map(|l| match (l.strip_prefix("simulated "), l.find(" in "), l.find(" ms (")) {
            (Some(_), Some(a), Some(b)) if a < b => {
                format!("{} in <wall> ms{}", &l[..a], &l[b + 3..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn readme_commands_work_as_written() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let (commands, skipped) = extract(&readme);

    // The command lines not run are exactly the known ones.
    let known: Vec<&str> = SKIPPED.iter().map(|(c, _)| *c).collect();
    for s in &skipped {
        assert!(
            known.contains(&s.as_str()),
            "README.md has a command this test neither runs nor knows to skip: {s}\n\
             (a kubesim command starts with `kubesim` or `cargo run --release -p kubesim-cli --`)"
        );
    }
    for k in &known {
        assert!(
            skipped.iter().any(|s| s == k),
            "SKIPPED lists `{k}`, which the README no longer has"
        );
    }
    // What `cargo install --path crates/cli` installs is the `kubesim` binary.
    let cli_toml = fs::read_to_string(root().join("crates/cli/Cargo.toml")).unwrap();
    assert!(cli_toml.contains("[[bin]]\nname = \"kubesim\""), "crates/cli builds `kubesim`");

    // The README shows a run, a sweep, check and explain at least: a broken extraction that
    // found nothing would pass vacuously.
    let verbs: Vec<&str> =
        commands.iter().filter_map(|c| c.args.first().map(String::as_str)).collect();
    for verb in ["run", "sweep", "check", "explain"] {
        assert!(verbs.contains(&verb), "no `kubesim {verb}` found in the README: {commands:#?}");
    }

    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("scenarios"), &tmp.path().join("scenarios"));
    // What the skipped `kubectl get ... > snapshot.yaml` would write.
    fs::copy(
        root().join("crates/import/tests/data/kind-dump.yaml"),
        tmp.path().join("snapshot.yaml"),
    )
    .unwrap();
    for c in &commands {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let out = kubesim(&args, tmp.path());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "README.md:{}: `{}` failed ({}):\n{stdout}\n{}",
            c.line,
            c.text,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(expected) = &c.expected {
            assert_eq!(
                without_wall_time(stdout.trim_end()),
                without_wall_time(expected.trim_end()),
                "README.md:{}: the output of `{}` is not what the README shows",
                c.line,
                c.text
            );
        }
    }

    // What the commands wrote into results/ is what the repository holds.
    let written = tmp.path().join("results");
    let files = files_under(&written);
    assert!(
        files.iter().any(|f| f.starts_with("studies/surge-vs-duration/")),
        "the README's study command wrote nothing to results/studies/surge-vs-duration: {files:?}"
    );
    for f in &files {
        let committed = fs::read(root().join("results").join(f)).unwrap_or_else(|e| {
            panic!("results/{f}: written by a README command, not committed: {e}")
        });
        assert!(
            fs::read(written.join(f)).unwrap() == committed,
            "results/{f}: a README command writes something else than the committed file"
        );
    }
}

#[test]
fn shell_words_follow_sh_quoting() {
    assert_eq!(
        shell_words(r#"kubesim sweep s.yaml --set 'actions[0].maxSurge=1,2' --by "a b" x\ y"#),
        ["kubesim", "sweep", "s.yaml", "--set", "actions[0].maxSurge=1,2", "--by", "a b", "x y"]
    );
    assert_eq!(kubesim_args("cargo test --workspace"), None);
    assert_eq!(
        kubesim_args("cargo run --release -p kubesim-cli -- run q.yaml"),
        Some(vec!["run".to_string(), "q.yaml".to_string()])
    );
}

#[test]
fn extraction_joins_continuations_and_finds_outputs() {
    let md = "```sh\n# comment\nkubesim sweep a.yaml \\\n  --seeds 2\ncargo test --workspace\n```\n\
              <!-- output of: kubesim run q.yaml -->\n```\nline 1\nline 2\n```\n\
              ```\n$ kubesim check s/\nTABLE\n```\n";
    let (commands, skipped) = extract(md);
    assert_eq!(skipped, ["cargo test --workspace"]);
    assert_eq!(commands.len(), 3, "{commands:#?}");
    assert_eq!(commands[0].args, ["sweep", "a.yaml", "--seeds", "2"]);
    assert_eq!(commands[0].line, 3);
    assert_eq!(commands[1].args, ["run", "q.yaml"]);
    assert_eq!(commands[1].expected.as_deref(), Some("line 1\nline 2"));
    assert_eq!(commands[2].args, ["check", "s/"]);
    assert_eq!(commands[2].expected.as_deref(), Some("TABLE"));
    assert_eq!(
        without_wall_time("x\nsimulated 3m0s in 0.4 ms (30 events); wrote 19 files to r/"),
        "x\nsimulated 3m0s in <wall> ms (30 events); wrote 19 files to r/"
    );
}
