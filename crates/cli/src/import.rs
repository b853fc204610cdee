//! `kubesim import FILE... [--out scenario.yaml] [--name N] [--anonymize [--seed S]]`: a
//! snapshot of a real cluster (`kubectl get ... -A -o yaml` or `-o json`) as a scenario that
//! runs unchanged. The work is `kubesim-import`'s; this is the command line.

use crate::Failure;
use crate::output::OutputFormat;
use std::io::Write;
use std::path::PathBuf;

/// `kubesim import` flags.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Files of `kubectl get nodes,pods,deployments,... -A -o yaml` (or `-o json`) output: one
    /// `List`, several documents, or several files; `-` reads stdin.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write the scenario to this file (atomically) instead of stdout. An existing file is
    /// replaced only if `kubesim import` wrote it.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace `--out` even if it is a file kubesim did not write.
    #[arg(long)]
    force: bool,
    /// The scenario's name (also its results directory); default: the first file's name.
    #[arg(long)]
    name: Option<String>,
    /// Rename namespaces, workloads, pods, nodes, images and label values consistently, and
    /// drop annotations, environment, commands, volumes and addresses, so the snapshot can be
    /// shared.
    #[arg(long)]
    anonymize: bool,
    /// Seed of `--anonymize`'s new names (pick your own to make them unguessable).
    #[arg(long, default_value_t = 1, requires = "anonymize")]
    seed: u64,
    /// The largest file read (bytes, or with a suffix: 512Mi, 1Gi).
    #[arg(long, value_name = "SIZE", value_parser = crate::parse_size, default_value = "256Mi")]
    max_include_size: u64,
    /// Output format on stdout: with `--out`, `text` prints a line about what was written,
    /// `json` a summary document.
    #[arg(long, short = 'o', value_enum, default_value_t)]
    output: OutputFormat,
}

/// Reads stdin, bounded like a file.
fn read_stdin(max: u64) -> Result<kubesim_import::Input, Failure> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::BadInput(format!("error: reading stdin: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(Failure::BadInput(format!(
            "error: stdin holds more than {max} bytes (raise the limit with --max-include-size)"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Failure::BadInput(format!(
            "error: stdin is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    kubesim_import::parse_text("<stdin>", &text).map_err(Failure::BadInput)
}

/// `kubesim import`.
pub fn import(args: ImportArgs) -> Result<(), Failure> {
    if args.out.is_none() && args.output == OutputFormat::Json {
        return Err(Failure::BadInput(
            "error: -o json needs --out (without it the scenario itself goes to stdout)".into(),
        ));
    }
    let started = std::time::Instant::now();
    let mut inputs = Vec::with_capacity(args.files.len());
    let mut source = Vec::new();
    for f in &args.files {
        let input = if f.as_os_str() == "-" {
            read_stdin(args.max_include_size)?
        } else {
            kubesim_import::read_file(f, args.max_include_size).map_err(Failure::BadInput)?
        };
        if !args.anonymize {
            source.push(format!("{} ({} objects)", f.display(), input.objects.len()));
        }
        inputs.push(input);
    }
    if args.anonymize {
        let n: usize = inputs.iter().map(|i| i.objects.len()).sum();
        source.push(format!("{} files ({n} objects; names withheld)", args.files.len()));
    }
    let opts = kubesim_import::Options {
        name: args.name.clone(),
        anonymize: args.anonymize,
        seed: args.seed,
    };
    let imported = kubesim_import::import(inputs, source, &opts).map_err(Failure::BadInput)?;
    let s = &imported.summary;
    // A scenario larger than the default read limit needs the flag to run.
    let len = imported.text.len() as u64;
    if len > kubesim_scenario::DEFAULT_MAX_INCLUDE_BYTES {
        eprintln!(
            "note: the scenario is {len} bytes, more than the default --max-include-size of {} bytes: run it with --max-include-size {}Mi",
            kubesim_scenario::DEFAULT_MAX_INCLUDE_BYTES,
            len.div_ceil(1 << 20)
        );
    }
    let Some(out) = &args.out else {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(imported.text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::Internal(anyhow::anyhow!("writing to stdout: {e}")))?;
        return Ok(());
    };
    kubesim_import::write_atomically(out, &imported.text, args.force).map_err(|e| match e {
        kubesim_import::WriteError::NotOurs(m) => Failure::BadInput(m),
        kubesim_import::WriteError::Io(m) => Failure::Internal(anyhow::anyhow!(m)),
    })?;
    match args.output {
        OutputFormat::Text => println!(
            "wrote {}: scenario {}, {} nodes in {} pools, {} pods ({} bound, {} pending, {} terminating){} in {:.1} s; run it with: kubesim run {}",
            out.display(),
            s.name,
            s.nodes,
            s.pools.len(),
            s.pods,
            s.bound,
            s.pending,
            s.terminating,
            if s.left_out.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} objects of kinds not simulated left out",
                    s.left_out.values().sum::<u64>()
                )
            },
            started.elapsed().as_secs_f64(),
            out.display()
        ),
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "out": out.display().to_string(),
                "name": s.name,
                "source": s.source,
                "objects_read": s.objects_read,
                "nodes": s.nodes,
                "pools": s.pools.iter().map(|(n, c)| serde_json::json!({"name": n, "nodes": c})).collect::<Vec<_>>(),
                "pods": s.pods,
                "bound": s.bound,
                "pending": s.pending,
                "terminating": s.terminating,
                "kept": s.kept,
                "left_out": s.left_out,
                "pods_on_missing_nodes": s.pods_on_missing_nodes,
                "duplicates": s.duplicates,
            });
            println!("{}", serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?);
        }
    }
    Ok(())
}
