//! `juntas-server backup <dir>` and `restore <dir>`: a consistent copy of a data directory taken
//! while the server runs, and putting one back into an empty data directory.
//!
//! Document chunks are immutable, content-addressed files written whole (temporary file, then
//! rename), and compaction writes the snapshot that replaces chunks before it deletes them. So
//! a copy that lists a directory, copies what it lists (a chunk deleted meanwhile is skipped)
//! and lists again until nothing new appears holds, for every document, every change the server
//! had saved when the copy began. Both commands then open every document they copied and say
//! how many there are and which, if any, cannot be read.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use juntas_core::{StoredDoc, automerge::ActorId};

use crate::fs_storage::FsStorage;

/// What a backup or restore copied and found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub files: usize,
    pub bytes: u64,
    pub documents: usize,
    /// Documents that could not be read, with why.
    pub unreadable: Vec<(String, String)>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files ({} bytes), {} documents, {} unreadable",
            self.files,
            self.bytes,
            self.documents,
            self.unreadable.len()
        )?;
        for (id, why) in &self.unreadable {
            write!(f, "\n  {id}: {why}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} does not exist or is not a directory")]
    NoSource(PathBuf),
    #[error("{0} is not empty: restore only into a new, empty data directory")]
    NotEmpty(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.to_path_buf(), e)
}

fn skipped(name: &str) -> bool {
    name.starts_with("%tmp-") || name == ".healthz-probe"
}

/// Copies `from` into `to` (created), re-listing each directory until nothing new appears.
fn copy_tree(from: &Path, to: &Path, report: &mut Report) -> Result<(), BackupError> {
    fs::create_dir_all(to).map_err(io(to))?;
    let mut seen = std::collections::HashSet::new();
    loop {
        let mut fresh = 0;
        let entries = match fs::read_dir(from) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(BackupError::Io(from.to_path_buf(), e)),
        };
        for entry in entries {
            let entry = entry.map_err(io(from))?;
            let name = entry.file_name();
            if name.to_str().is_some_and(skipped) || !seen.insert(name.clone()) {
                continue;
            }
            fresh += 1;
            let (src, dst) = (entry.path(), to.join(&name));
            let kind = match entry.file_type() {
                Ok(k) => k,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(BackupError::Io(src, e)),
            };
            if kind.is_dir() {
                copy_tree(&src, &dst, report)?;
            } else if kind.is_file() {
                match fs::copy(&src, &dst) {
                    Ok(n) => {
                        report.files += 1;
                        report.bytes += n;
                    }
                    // Compacted away meanwhile: its snapshot is listed on the next pass.
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(BackupError::Io(src, e)),
                }
            }
        }
        if fresh == 0 {
            return Ok(());
        }
    }
}

/// Opens every document under `data/docs`.
fn check(data: &Path, report: &mut Report) {
    let storage = FsStorage::new(data.join("docs"));
    let actor = ActorId::from(&b"juntas-backup\0\0\0"[..]);
    for id in storage.document_ids() {
        report.documents += 1;
        match futures::executor::block_on(StoredDoc::load(&storage, id, actor.clone())) {
            Ok(Some(_)) => {}
            Ok(None) => report.unreadable.push((id.to_string(), "no chunks".into())),
            Err(e) => report.unreadable.push((id.to_string(), e.to_string())),
        }
    }
}

/// Copies the data directory `data` (the server may be running) into `dest`.
pub fn backup(data: &Path, dest: &Path) -> Result<Report, BackupError> {
    if !data.is_dir() {
        return Err(BackupError::NoSource(data.to_path_buf()));
    }
    let mut report = Report::default();
    copy_tree(data, dest, &mut report)?;
    check(dest, &mut report);
    Ok(report)
}

/// Copies a backup into `data`, which must be new or empty (the server must not run on it).
pub fn restore(backup: &Path, data: &Path) -> Result<Report, BackupError> {
    if !backup.is_dir() {
        return Err(BackupError::NoSource(backup.to_path_buf()));
    }
    if fs::read_dir(data).is_ok_and(|mut d| d.next().is_some()) {
        return Err(BackupError::NotEmpty(data.to_path_buf()));
    }
    let mut report = Report::default();
    copy_tree(backup, data, &mut report)?;
    check(data, &mut report);
    Ok(report)
}
