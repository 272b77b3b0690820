//! Files that appear whole or not at all: written to a temporary file in the
//! target's folder, then renamed over the target.
//!
//! Every temporary file is registered while it exists, so that [`interrupt`]
//! (called by the command's Ctrl-C handler) can remove them all before the
//! process exits: a signal's default action would end the process without
//! running any destructor and leave them behind.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, ErrorKind, Result};

/// The temporary files being written, and whether the process is being interrupted.
struct Pending {
    files: Vec<(PathBuf, PathBuf)>,
    interrupted: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    files: Vec::new(),
    interrupted: false,
});

fn pending() -> MutexGuard<'static, Pending> {
    // The list stays consistent even if a holder panicked: it is only pushed to and filtered.
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes every temporary file being written and makes any later
/// [`AtomicFile::create`] or [`AtomicFile::commit`] fail, so that no target
/// is replaced from now on; returns the targets that were being written.
/// For a signal handler that then ends the process: a commit that has
/// already renamed its file is complete, any other leaves its target as it was.
pub fn interrupt() -> Vec<PathBuf> {
    let mut p = pending();
    p.interrupted = true;
    p.files
        .drain(..)
        .map(|(tmp, target)| {
            let _ = std::fs::remove_file(&tmp);
            target
        })
        .collect()
}

/// A file being written; it takes the target's name only at [`AtomicFile::commit`].
/// Dropped without a commit, the temporary file is removed and the target,
/// if it existed, is left as it was.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir()?;
/// let target = dir.path().join("out.jsonl");
/// let mut f = tasnif::atomic::AtomicFile::create(&target, false)?;
/// writeln!(f, "{{}}")?;
/// assert!(!target.exists());
/// f.commit()?;
/// assert!(target.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target`: creates a new temporary file beside it
    /// (`.NAME.tmp-PID-N`, never an existing file or link).
    ///
    /// # Errors
    /// `target` exists and `overwrite` is false, the temporary file cannot
    /// be created, or the process is being interrupted.
    pub fn create(target: &Path, overwrite: bool) -> Result<AtomicFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        if !overwrite && target.exists() {
            return Err(Error::at(target, ErrorKind::OutputExists));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut p = pending();
        if p.interrupted {
            return Err(Error::at(target, ErrorKind::Interrupted));
        }
        let (tmp, file) = loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
            match File::options().write(true).create_new(true).open(&tmp) {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(target, e)),
            }
        };
        p.files.push((tmp.clone(), target.to_path_buf()));
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// Flushes, syncs and renames the file to its target name (keeping the
    /// permissions of the file it replaces).
    ///
    /// # Errors
    /// A write, sync or rename fails, or the process is being interrupted;
    /// the temporary file is then removed and the target left as it was.
    pub fn commit(mut self) -> Result<()> {
        let file = self.file.take();
        let written = (|| -> io::Result<()> {
            if let Some(f) = file {
                let f = f.into_inner().map_err(|e| e.into_error())?;
                if let Ok(m) = std::fs::metadata(&self.target) {
                    f.set_permissions(m.permissions())?;
                }
                f.sync_all()?;
            }
            Ok(())
        })();
        let mut p = pending();
        let r = if p.interrupted {
            Err(Error::at(&self.target, ErrorKind::Interrupted))
        } else {
            written
                .and_then(|_| std::fs::rename(&self.tmp, &self.target))
                .map_err(|e| Error::io(&self.target, e))
        };
        if r.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        p.files.retain(|(tmp, _)| tmp != &self.tmp);
        drop(p);
        if r.is_ok() {
            sync_dir(&self.target);
        }
        r
    }
}

/// Syncs the folder of `path`, so that a rename survives a crash (best effort).
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let mut p = pending();
            let _ = std::fs::remove_file(&self.tmp);
            p.files.retain(|(tmp, _)| tmp != &self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically (see [`AtomicFile`]).
///
/// # Errors
/// The file exists and `overwrite` is false, or a write fails.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    let mut f = AtomicFile::create(path, overwrite)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `interrupt` is process-wide, so its test runs in a child process of
    /// the test binary (this same test, with `TASNIF_TEST_INTERRUPT_CHILD` set).
    #[test]
    fn interrupt_removes_temporary_files_and_blocks_commits() {
        let Some(dir) = std::env::var_os("TASNIF_TEST_INTERRUPT_CHILD") else {
            let dir = tempfile::tempdir().expect("tempdir");
            let out = std::process::Command::new(std::env::current_exe().expect("exe"))
                .args([
                    "--exact",
                    "atomic::tests::interrupt_removes_temporary_files_and_blocks_commits",
                    "--nocapture",
                ])
                .env("TASNIF_TEST_INTERRUPT_CHILD", dir.path())
                .output()
                .expect("child runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let names: Vec<String> = std::fs::read_dir(dir.path())
                .expect("dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, ["old.txt"], "only the old file is left");
            let old = std::fs::read(dir.path().join("old.txt")).expect("old");
            assert_eq!(old, b"old");
            return;
        };
        let dir = PathBuf::from(dir);
        let target = dir.join("old.txt");
        std::fs::write(&target, b"old").expect("write");
        let mut a = AtomicFile::create(&target, true).expect("create");
        a.write_all(b"new, half written").expect("write");
        let b = AtomicFile::create(&dir.join("other.txt"), false).expect("create");
        assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 3);
        let targets = interrupt();
        assert_eq!(targets, [target.clone(), dir.join("other.txt")]);
        assert!(matches!(
            a.commit().expect_err("no commit after interrupt").kind(),
            ErrorKind::Interrupted
        ));
        drop(b);
        assert!(matches!(
            AtomicFile::create(&dir.join("new.txt"), false)
                .expect_err("no new file after interrupt")
                .kind(),
            ErrorKind::Interrupted
        ));
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).expect("mkdir");
        std::fs::write(target.join("inside"), b"x").expect("write");
        let mut f = AtomicFile::create(&target, true).expect("create");
        f.write_all(b"data").expect("write");
        let err = f
            .commit()
            .expect_err("cannot rename over a non-empty folder");
        assert!(err.to_string().contains("taken"), "{err}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["taken"]);
    }
}
