//! Files that appear whole or not at all: written to a temporary file in the
//! target's folder, then renamed over the target.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

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
    /// Starts writing `target`.
    ///
    /// # Errors
    /// `target` exists and `overwrite` is false, or the temporary file cannot be created.
    pub fn create(target: &Path, overwrite: bool) -> Result<AtomicFile> {
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
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| Error::io(target, e))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// Flushes, syncs and renames the file to its target name.
    ///
    /// # Errors
    /// A write, sync or rename fails; the temporary file is then removed.
    pub fn commit(mut self) -> Result<()> {
        let file = self.file.take();
        let r = (|| -> io::Result<()> {
            if let Some(f) = file {
                let f = f.into_inner().map_err(|e| e.into_error())?;
                f.sync_all()?;
            }
            std::fs::rename(&self.tmp, &self.target)
        })();
        r.map_err(|e| {
            let _ = std::fs::remove_file(&self.tmp);
            Error::io(&self.target, e)
        })
    }
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
            let _ = std::fs::remove_file(&self.tmp);
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
