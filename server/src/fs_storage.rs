//! `FsStorage`: core's `Storage` over a directory, in automerge-repo's nodefs layout (the layout
//! samod wrote before, so an existing `<data>/docs` keeps every document).
//!
//! A key `[doc, kind, hash]` is the file `<root>/<doc[..2]>/<doc[2..]>/<kind>/<hash>`. Parts are
//! percent-encoded when they hold anything but `A–Z a–z 0–9 - _ .` (document ids, hashes and
//! storage ids never do, so real keys are byte-for-byte nodefs). Two things nodefs cannot say
//! get reserved names no encoded part can produce (`%` is always followed by two hex digits in
//! an encoded part): a first part of two characters or fewer lives under `%short/`, and a key
//! that is also the prefix of longer keys keeps its value in `%self` inside its directory.
//! Writes go to a temporary file that is synced and renamed into place, so a crash leaves the
//! old value or the new one, never half of one. Every failure is returned.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use juntas_core::{Storage, StorageError, StorageKey};

const SELF_FILE: &str = "%self";
const SHORT_DIR: &str = "%short";
const TMP_PREFIX: &str = "%tmp-";

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Documents as files under one directory.
#[derive(Clone, Debug)]
pub struct FsStorage {
    root: PathBuf,
}

fn encode(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for (i, b) in part.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0);
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("%00e");
    }
    out
}

fn decode(name: &str) -> Option<String> {
    if name == "%00e" {
        return Some(String::new());
    }
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn io(path: &Path, e: std::io::Error) -> StorageError {
    if e.kind() == ErrorKind::StorageFull {
        StorageError::Full(format!("{}: {e}", path.display()))
    } else {
        StorageError::Io(format!("{}: {e}", path.display()))
    }
}

impl FsStorage {
    /// Storage under `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsStorage { root: root.into() }
    }

    /// Every document stored here (directories `<id[..2]>/<id[2..]>` that name a document).
    pub fn document_ids(&self) -> Vec<juntas_core::DocumentId> {
        let mut ids = Vec::new();
        let Ok(top) = fs::read_dir(&self.root) else { return ids };
        for a in top.flatten().filter(|e| e.path().is_dir()) {
            let Ok(inner) = fs::read_dir(a.path()) else { continue };
            for b in inner.flatten().filter(|e| e.path().is_dir()) {
                let name = format!(
                    "{}{}",
                    a.file_name().to_string_lossy(),
                    b.file_name().to_string_lossy()
                );
                if let Ok(id) = name.parse() {
                    ids.push(id);
                }
            }
        }
        ids.sort();
        ids
    }

    /// The directory components of `key` under the root.
    fn components(key: &StorageKey) -> Vec<String> {
        let mut out = Vec::with_capacity(key.parts().len() + 1);
        for (i, part) in key.parts().iter().enumerate() {
            let enc = encode(part);
            if i == 0 {
                if enc.len() > 2 && enc.is_char_boundary(2) {
                    out.push(enc[..2].to_owned());
                    out.push(enc[2..].to_owned());
                } else {
                    out.push(SHORT_DIR.to_owned());
                    out.push(enc);
                }
            } else {
                out.push(enc);
            }
        }
        out
    }

    fn path(&self, key: &StorageKey) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(Self::components(key));
        p
    }

    /// Makes every ancestor of `path` (below the root) a directory, moving a value that sat
    /// where a directory is needed into that directory's `%self`.
    fn make_dirs(&self, path: &Path) -> Result<(), StorageError> {
        let Some(parent) = path.parent() else { return Ok(()) };
        let rel = parent.strip_prefix(&self.root).unwrap_or(parent);
        let mut cur = self.root.clone();
        for c in rel.components() {
            cur.push(c);
            match fs::metadata(&cur) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    let tmp = cur.with_file_name(tmp_name());
                    fs::rename(&cur, &tmp).map_err(|e| io(&cur, e))?;
                    fs::create_dir(&cur).map_err(|e| io(&cur, e))?;
                    fs::rename(&tmp, cur.join(SELF_FILE)).map_err(|e| io(&cur, e))?;
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    fs::create_dir_all(&cur).map_err(|e| io(&cur, e))?;
                }
                Err(e) => return Err(io(&cur, e)),
            }
        }
        Ok(())
    }

    fn read_file(path: &Path) -> Result<Option<Vec<u8>>, StorageError> {
        match fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(path, e)),
        }
    }

    /// The file that holds `key`'s value, if there is one.
    fn value_file(&self, key: &StorageKey) -> Result<Option<PathBuf>, StorageError> {
        let path = self.path(key);
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                let inner = path.join(SELF_FILE);
                Ok(inner.is_file().then_some(inner))
            }
            Ok(_) => Ok(Some(path)),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                Ok(None)
            }
            Err(e) => Err(io(&path, e)),
        }
    }

    /// Every (key, file) under `dir`, whose key is `parts`.
    fn walk(
        dir: &Path,
        parts: &mut Vec<String>,
        out: &mut Vec<(StorageKey, PathBuf)>,
    ) -> Result<(), StorageError> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(dir, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| io(dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with(TMP_PREFIX) {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| io(&path, e))?;
            if name == SELF_FILE {
                if kind.is_file() {
                    out.push((StorageKey::new(parts.clone()), path));
                }
                continue;
            }
            let Some(part) = decode(name) else { continue };
            parts.push(part);
            if kind.is_dir() {
                Self::walk(&path, parts, out)?;
            } else if kind.is_file() {
                out.push((StorageKey::new(parts.clone()), path));
            }
            parts.pop();
        }
        Ok(())
    }

    fn entries(&self, prefix: &StorageKey) -> Result<Vec<(StorageKey, PathBuf)>, StorageError> {
        let path = self.path(prefix);
        let mut out = Vec::new();
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                Self::walk(&path, &mut prefix.parts().to_vec(), &mut out)?;
            }
            Ok(_) => out.push((prefix.clone(), path)),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {}
            Err(e) => return Err(io(&path, e)),
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Writes `data` at `path` through a temporary file, synced to disk first when `durable`.
    fn write_atomic(path: &Path, data: &[u8], durable: bool) -> Result<(), StorageError> {
        let tmp = path.with_file_name(tmp_name());
        let result = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(data)?;
            if durable {
                f.sync_data()?;
            }
            fs::rename(&tmp, path)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(io(path, e));
        }
        Ok(())
    }

    /// Sync versions for callers that are not async (backup, tools).
    pub fn put_blocking(&self, key: &StorageKey, data: &[u8]) -> Result<(), StorageError> {
        let path = self.path(key);
        self.make_dirs(&path)?;
        let target = if path.is_dir() { path.join(SELF_FILE) } else { path };
        // Document chunks are what people wrote: synced before they count as stored. Sync
        // states only shorten the next exchange; losing one to a power cut costs a round trip.
        let durable = key.parts().get(1).is_none_or(|kind| kind != "sync-state");
        Self::write_atomic(&target, data, durable)
    }

    pub fn load_blocking(&self, key: &StorageKey) -> Result<Option<Vec<u8>>, StorageError> {
        match self.value_file(key)? {
            Some(p) => Self::read_file(&p),
            None => Ok(None),
        }
    }

    pub fn load_range_blocking(
        &self,
        prefix: &StorageKey,
    ) -> Result<Vec<(StorageKey, Vec<u8>)>, StorageError> {
        let mut out = Vec::new();
        for (key, path) in self.entries(prefix)? {
            // A file deleted between the listing and the read (compaction) is simply gone.
            if let Some(bytes) = Self::read_file(&path)? {
                out.push((key, bytes));
            }
        }
        Ok(out)
    }

    pub fn delete_blocking(&self, key: &StorageKey) -> Result<(), StorageError> {
        if let Some(p) = self.value_file(key)? {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(io(&p, e)),
            }
        }
        Ok(())
    }
}

fn tmp_name() -> String {
    format!("{TMP_PREFIX}{}-{}", std::process::id(), TMP_COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl Storage for FsStorage {
    async fn load(&self, key: &StorageKey) -> Result<Option<Vec<u8>>, StorageError> {
        self.load_blocking(key)
    }

    async fn load_range(
        &self,
        prefix: &StorageKey,
    ) -> Result<Vec<(StorageKey, Vec<u8>)>, StorageError> {
        self.load_range_blocking(prefix)
    }

    async fn keys(&self, prefix: &StorageKey) -> Result<Vec<StorageKey>, StorageError> {
        Ok(self.entries(prefix)?.into_iter().map(|(k, _)| k).collect())
    }

    async fn put(&self, key: &StorageKey, data: &[u8]) -> Result<(), StorageError> {
        self.put_blocking(key, data)
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        self.delete_blocking(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use juntas_core::storage::contract;

    #[test]
    fn fs_storage_passes_the_contract() {
        let dirs: std::cell::RefCell<Vec<tempfile::TempDir>> = Default::default();
        block_on(contract::run_all(async || {
            let d = tempfile::tempdir().unwrap();
            let s = FsStorage::new(d.path());
            dirs.borrow_mut().push(d);
            s
        }));
        let d = tempfile::tempdir().unwrap();
        block_on(contract::two_handles_see_each_others_writes(
            &FsStorage::new(d.path()),
            &FsStorage::new(d.path()),
        ));
    }

    #[test]
    fn real_keys_use_the_nodefs_layout_samod_wrote() {
        let d = tempfile::tempdir().unwrap();
        let s = FsStorage::new(d.path());
        let key = StorageKey::new(["3Hf8nB7", "incremental", "ab12"]);
        block_on(s.put(&key, b"x")).unwrap();
        assert!(d.path().join("3H/f8nB7/incremental/ab12").is_file());
        block_on(s.put(&StorageKey::new(["storage-adapter-id"]), b"id")).unwrap();
        assert!(d.path().join("st/orage-adapter-id").is_file());
    }

    #[test]
    fn a_full_disk_is_reported_as_full() {
        let e = io(Path::new("/x"), std::io::Error::from_raw_os_error(28));
        assert!(matches!(e, StorageError::Full(_)));
    }
}
