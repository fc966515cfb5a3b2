//! The `juntas-server` binary: reads flags and environment, logs, serves until Ctrl-C/SIGTERM.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, bail};
use juntas_server::{Config, Limits, serve};

const USAGE: &str =
    "juntas-server [--addr IP] [--port N] [--data DIR] [--dist DIR] [--allow-origin URL]…
juntas-server backup DEST [--data DIR]    copy the data directory, also while the server runs
juntas-server restore BACKUP [--data DIR] put a backup into a new, empty data directory
  --addr          address to listen on        (env JUNTAS_ADDR, default 127.0.0.1)
  --port          port                        (env JUNTAS_PORT, default 8080)
  --data          data directory              (env JUNTAS_DATA, default ./data)
  --dist          the built app               (env JUNTAS_DIST, default ./dist)
  --allow-origin  another page origin allowed to sync, repeatable
                                              (env JUNTAS_ALLOWED_ORIGINS, comma-separated)
  Limits (each also env JUNTAS_<NAME>, e.g. JUNTAS_EVICT_AFTER=60; defaults in docs/deploy.md):
  --header-timeout SECS            --handshake-timeout SECS      --idle-timeout SECS
  --ping-every SECS                --max-connections-per-address N
  --max-connections N              --max-docs-per-minute N       --max-doc-ops N
  --evict-after SECS               --coalesce-ms MS
  The access key comes from env JUNTAS_ACCESS_KEY, else from DATA/access-key (generated on
  first start). It is never taken from the command line, where other users could read it.
  GET /metrics answers only on loopback unless env JUNTAS_METRICS_TOKEN is set (then it wants
  `Authorization: Bearer <token>`).";

/// How one limit flag sets its value.
type SetLimit = fn(&mut Limits, u64);

/// The limit flags: name, and how to set it from a number.
const LIMITS: &[(&str, SetLimit)] = &[
    ("header-timeout", |l, v| l.header_read = Duration::from_secs(v)),
    ("handshake-timeout", |l, v| l.sync.handshake = Duration::from_secs(v)),
    ("idle-timeout", |l, v| l.sync.idle = Duration::from_secs(v)),
    ("ping-every", |l, v| l.sync.ping_every = Duration::from_secs(v)),
    ("max-connections-per-address", |l, v| l.connections_per_address = v as usize),
    ("max-connections", |l, v| l.connections_total = v as usize),
    ("max-docs-per-minute", |l, v| l.engine.max_docs_per_minute = v as usize),
    ("max-doc-ops", |l, v| l.engine.max_doc_ops = v),
    ("evict-after", |l, v| l.engine.evict_after = Duration::from_secs(v)),
    ("coalesce-ms", |l, v| l.engine.coalesce = Duration::from_millis(v)),
];

fn set_limit(limits: &mut Limits, name: &str, value: &str) -> anyhow::Result<bool> {
    let Some((_, set)) = LIMITS.iter().find(|(n, _)| *n == name) else { return Ok(false) };
    let v: u64 = value
        .trim()
        .parse()
        .with_context(|| format!("--{name} {value:?} is not a whole number"))?;
    if v == 0 && name != "coalesce-ms" {
        bail!("--{name} must be more than 0");
    }
    set(limits, v);
    Ok(true)
}

/// What the command line asks for.
enum Command {
    Serve,
    Backup(PathBuf),
    Restore(PathBuf),
}

fn config() -> anyhow::Result<(Command, Config)> {
    let env = |k: &str| std::env::var(k).ok();
    let mut addr = env("JUNTAS_ADDR").unwrap_or_else(|| "127.0.0.1".into());
    let mut port = env("JUNTAS_PORT").unwrap_or_else(|| "8080".into());
    let mut data = env("JUNTAS_DATA").unwrap_or_else(|| "data".into());
    let mut dist = env("JUNTAS_DIST").unwrap_or_else(|| "dist".into());
    let mut origins: Vec<String> = env("JUNTAS_ALLOWED_ORIGINS")
        .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
        .unwrap_or_default();
    let mut limits = Limits { metrics_token: env("JUNTAS_METRICS_TOKEN"), ..Default::default() };
    for (name, _) in LIMITS {
        let var = format!("JUNTAS_{}", name.to_uppercase().replace('-', "_"));
        if let Some(v) = env(&var) {
            set_limit(&mut limits, name, &v).with_context(|| format!("env {var}"))?;
        }
    }
    let mut args = std::env::args().skip(1).peekable();
    let mut command = Command::Serve;
    if let Some(first) = args.peek().cloned()
        && (first == "backup" || first == "restore")
    {
        args.next();
        let dir = PathBuf::from(
            args.next().with_context(|| format!("{first} needs a directory\n{USAGE}"))?,
        );
        command = if first == "backup" { Command::Backup(dir) } else { Command::Restore(dir) };
    }
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--allow-origin" => {
                origins
                    .push(args.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?);
                continue;
            }
            "--addr" => &mut addr,
            "--port" => &mut port,
            "--data" => &mut data,
            "--dist" => &mut dist,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                if let Some(name) = other.strip_prefix("--") {
                    let value =
                        args.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
                    if set_limit(&mut limits, name, &value)? {
                        continue;
                    }
                }
                bail!("unknown argument {other:?}\n{USAGE}")
            }
        };
        *slot = args.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
    }
    let ip = addr.parse().with_context(|| format!("--addr {addr:?} is not an IP address"))?;
    let port: u16 =
        port.parse().with_context(|| format!("--port {port:?} is not a port number"))?;
    Ok((
        command,
        Config {
            addr: SocketAddr::new(ip, port),
            data_dir: PathBuf::from(data),
            dist_dir: PathBuf::from(dist),
            access_key: env("JUNTAS_ACCESS_KEY"),
            allowed_origins: origins,
            limits,
        },
    ))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let (command, config) = config()?;
    match command {
        Command::Serve => serve(config, shutdown_signal()).await,
        Command::Backup(dest) => {
            let report = juntas_server::backup::backup(&config.data_dir, &dest)?;
            println!("backup of {} in {}: {report}", config.data_dir.display(), dest.display());
            if !report.unreadable.is_empty() {
                bail!("{} documents in the backup cannot be read", report.unreadable.len());
            }
            Ok(())
        }
        Command::Restore(from) => {
            let report = juntas_server::backup::restore(&from, &config.data_dir)?;
            println!("restored {} into {}: {report}", from.display(), config.data_dir.display());
            if !report.unreadable.is_empty() {
                bail!("{} restored documents cannot be read", report.unreadable.len());
            }
            Ok(())
        }
    }
}
