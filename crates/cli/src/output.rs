//! `--output text|json`, the same flag on every command (like kubectl's `-o`).

/// How a command prints its result on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable tables (the default).
    #[default]
    Text,
    /// One JSON document on stdout, for tooling.
    Json,
}
