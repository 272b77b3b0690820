//! Files that appear whole or not at all: written to a temporary file in the
//! target's folder, then renamed over the target.
//!
//! What the target is decides how it is written (see [`AtomicFile::create`]):
//!
//! * a regular file, or a name that does not exist yet: a temporary file
//!   `.NAME.tmp-PID-N` beside it is written, synced, renamed to the name,
//!   and the folder synced (the order that survives a power cut);
//! * a symbolic link: written through, as SQLite opens a database through
//!   one: the file it leads to is replaced in its own folder, as above, and
//!   the link is left as it is;
//! * a device, a FIFO or standard output (`/dev/null`, `/dev/stdout`, a
//!   named pipe): written to directly, since there is no file to replace.
//!
//! Without `overwrite`, the rename itself refuses an existing name
//! (`renameat2(RENAME_NOREPLACE)`, or `link` where that is not supported),
//! so of two writers racing for one new name exactly one succeeds.
//!
//! Every temporary file is registered while it exists, so that [`interrupt`]
//! (called by the command's signal handler) can remove them all before the
//! process exits: a signal's default action would end the process without
//! running any destructor and leave them behind. A process killed outright
//! (SIGKILL, a crash) still leaves its temporary file; the next write to the
//! same folder removes it, once no live process holds it (each writer holds
//! a lock on its own file, and its name carries its process id), as SQLite
//! rolls back a hot journal on open.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, ErrorKind, Result};

/// The longest file name most file systems take, in bytes (NAME_MAX).
const NAME_MAX: usize = 255;

/// The temporary files being written, and whether the process is being interrupted.
struct Pending {
    /// (temporary file or `None` for a direct write, target as given).
    files: Vec<(Option<PathBuf>, PathBuf)>,
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
            if let Some(tmp) = tmp {
                let _ = std::fs::remove_file(&tmp);
            }
            target
        })
        .collect()
}

/// The file-system steps of a commit, apart so that a test can record their
/// order (a sync dropped or moved would lose data on a power cut, and
/// nothing else would show it).
pub(crate) trait Steps: Sync {
    /// Makes the file's bytes durable (`fsync`).
    fn sync_file(&self, file: &File) -> io::Result<()>;
    /// Renames `from` to `to`; without `replace`, fails if `to` exists.
    fn rename(&self, from: &Path, to: &Path, replace: bool) -> io::Result<()>;
    /// Makes the folder's entries durable (`fsync` of the folder).
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// The real steps.
struct Os;

impl Steps for Os {
    fn sync_file(&self, file: &File) -> io::Result<()> {
        file.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path, replace: bool) -> io::Result<()> {
        if replace {
            std::fs::rename(from, to)
        } else {
            rename_noreplace(from, to)
        }
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        #[cfg(unix)]
        {
            File::open(dir)?.sync_all()
        }
        #[cfg(not(unix))]
        {
            let _ = dir;
            Ok(())
        }
    }
}

/// Renames `from` to `to` unless `to` exists (`AlreadyExists` then), in
/// one step: of two such renames to one name, exactly one succeeds.
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| {
            std::ffi::CString::new(p.as_os_str().as_bytes())
                .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
        };
        let (f, t) = (c(from)?, c(to)?);
        // SAFETY: two valid NUL-terminated paths, relative to the working folder.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                f.as_ptr(),
                libc::AT_FDCWD,
                t.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // EINVAL: a file system without the flag; ENOSYS: an old kernel
        if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(e);
        }
    }
    #[cfg(unix)]
    {
        // a hard link fails if the name exists; then drop the temporary name
        std::fs::hard_link(from, to)?;
        let _ = std::fs::remove_file(from);
        Ok(())
    }
    #[cfg(not(unix))]
    {
        if to.exists() {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        std::fs::rename(from, to)
    }
}

/// How a target is written.
#[derive(Debug)]
enum Dest {
    /// Through a temporary file renamed over `path` (the target, or the
    /// file its symbolic link leads to); `existed`: it was there at `create`.
    Replace {
        tmp: PathBuf,
        path: PathBuf,
        existed: bool,
    },
    /// Straight into a device, a FIFO or an inherited descriptor.
    Direct,
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
pub struct AtomicFile {
    target: PathBuf,
    dest: Dest,
    overwrite: bool,
    file: Option<BufWriter<File>>,
    /// Committed or given up: off the registry, nothing left to remove.
    done: bool,
    steps: &'static dyn Steps,
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile")
            .field("target", &self.target)
            .field("dest", &self.dest)
            .field("overwrite", &self.overwrite)
            .finish_non_exhaustive()
    }
}

/// What `create` found at the target's name.
enum Found {
    /// Nothing: a new file at this path.
    New(PathBuf),
    /// A regular file at this path (the target's, or its link's).
    File(PathBuf),
    /// Something written to directly.
    Stream(File),
}

/// The standard stream a target names (`/dev/stdout`, `/dev/fd/1`,
/// `/proc/self/fd/2` …): written through a copy of the process's own
/// descriptor, so that a redirection (`>>` too) applies as the shell set it.
#[cfg(unix)]
fn inherited_fd(target: &Path) -> Option<i32> {
    let s = target.to_str()?;
    let n = match s {
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        _ => s
            .strip_prefix("/dev/fd/")
            .or_else(|| s.strip_prefix("/proc/self/fd/"))?,
    };
    n.parse::<i32>().ok().filter(|&fd| fd >= 1)
}

/// Looks at the target's name: what is there decides how it is written.
fn inspect(target: &Path, overwrite: bool) -> Result<Found> {
    #[cfg(unix)]
    if let Some(fd) = inherited_fd(target) {
        // SAFETY: dup of a descriptor number; a bad one fails with EBADF.
        let copy = unsafe { libc::dup(fd) };
        if copy < 0 {
            return Err(Error::io(target, io::Error::last_os_error()));
        }
        use std::os::unix::io::FromRawFd;
        // SAFETY: `copy` is a new descriptor that only this File owns.
        return Ok(Found::Stream(unsafe { File::from_raw_fd(copy) }));
    }
    let meta = match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Found::New(target.to_path_buf()))
        }
        Err(e) => return Err(Error::io(target, e)),
        Ok(m) => m,
    };
    let (meta, path) = if meta.file_type().is_symlink() {
        // followed by the kernel (so its protections of links in shared
        // folders apply), then resolved to the file it leads to
        let followed = match std::fs::metadata(target) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let to = std::fs::read_link(target).unwrap_or_default();
                return Err(Error::at(target, ErrorKind::BrokenLink { target: to }));
            }
            Err(e) => return Err(Error::io(target, e)),
        };
        let path = if followed.is_file() {
            std::fs::canonicalize(target).map_err(|e| Error::io(target, e))?
        } else {
            target.to_path_buf()
        };
        (followed, path)
    } else {
        (meta, target.to_path_buf())
    };
    if meta.is_dir() {
        return Err(Error::at(
            target,
            ErrorKind::Invalid {
                message: "is a directory, not a file".into(),
            },
        ));
    }
    if meta.is_file() {
        if !overwrite {
            return Err(Error::at(target, ErrorKind::OutputExists));
        }
        return Ok(Found::File(path));
    }
    // a device, a FIFO or a socket: nothing to replace, write to it
    let f = File::options()
        .write(true)
        .open(target)
        .map_err(|e| Error::io(target, e))?;
    Ok(Found::Stream(f))
}

/// The folder of `path` (`.` for a bare name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The temporary name for `name` with counter `n`: `.NAME.tmp-PID-N`, the
/// name cut (at a character boundary) so that the whole fits in NAME_MAX.
fn temp_name(name: &str, n: u64) -> String {
    let suffix = format!(".tmp-{}-{n}", std::process::id());
    let room = NAME_MAX.saturating_sub(1 + suffix.len());
    let mut end = name.len().min(room);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}{suffix}", &name[..end])
}

/// The process id of a temporary name of this module, if `name` is one.
fn temp_pid(name: &str) -> Option<u32> {
    let (head, tail) = name.rsplit_once(".tmp-")?;
    let (pid, n) = tail.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (head.starts_with('.') && digits(pid) && digits(n))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether a process with this id is running (or may be: one we may not signal).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Takes the lock a writer holds on its temporary file, without waiting.
#[cfg(unix)]
fn try_lock(f: &File) -> bool {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this File owns.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Removes the temporary files of writers that died in `dir` (SIGKILL, a
/// crash, a power cut): a name of this module whose process is gone and
/// whose lock nobody holds. A live writer, here or in another process, is
/// never touched. Best effort: a folder that cannot be listed is left alone.
/// Returns the names removed.
pub fn sweep_stale(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    #[cfg(unix)]
    {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return removed;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(pid) = name.to_str().and_then(temp_pid) else {
                continue;
            };
            if pid == std::process::id() || alive(pid) {
                continue;
            }
            let path = e.path();
            // not a link or anything else that happens to have such a name
            if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let Ok(f) = File::open(&path) else { continue };
            if try_lock(&f) && std::fs::remove_file(&path).is_ok() {
                removed.push(path);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    removed
}

impl AtomicFile {
    /// Starts writing `target`.
    ///
    /// * A new name, or a regular file (with `overwrite`): a new temporary
    ///   file `.NAME.tmp-PID-N` is made beside it (never over an existing
    ///   file or link; NAME cut short if the whole would be longer than 255
    ///   bytes), after stale temporary files of dead writers in that folder
    ///   are removed (see [`sweep_stale`]).
    /// * A symbolic link: as above for the file it leads to (in that
    ///   file's folder); the link stays. A link to nothing is refused.
    /// * A device, FIFO or standard stream: opened for writing as it is.
    ///
    /// # Errors
    /// `target` is a regular file (or a link to one) and `overwrite` is
    /// false; it is a folder or a broken link; the temporary file cannot
    /// be made (the folder is missing or read-only); or the process is
    /// being interrupted.
    pub fn create(target: &Path, overwrite: bool) -> Result<AtomicFile> {
        AtomicFile::create_with(target, overwrite, &Os)
    }

    fn create_with(
        target: &Path,
        overwrite: bool,
        steps: &'static dyn Steps,
    ) -> Result<AtomicFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        if pending().interrupted {
            return Err(Error::at(target, ErrorKind::Interrupted));
        }
        let (path, existed) = match inspect(target, overwrite)? {
            Found::Stream(f) => {
                let mut p = pending();
                if p.interrupted {
                    return Err(Error::at(target, ErrorKind::Interrupted));
                }
                p.files.push((None, target.to_path_buf()));
                return Ok(AtomicFile {
                    target: target.to_path_buf(),
                    dest: Dest::Direct,
                    overwrite,
                    file: Some(BufWriter::new(f)),
                    done: false,
                    steps,
                });
            }
            Found::New(p) => (p, false),
            Found::File(p) => (p, true),
        };
        let dir = folder(&path);
        sweep_stale(dir);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut p = pending();
        if p.interrupted {
            return Err(Error::at(target, ErrorKind::Interrupted));
        }
        let (tmp, file) = loop {
            let tmp = dir.join(temp_name(&name, COUNTER.fetch_add(1, Ordering::Relaxed)));
            match File::options().write(true).create_new(true).open(&tmp) {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(target, e)),
            }
        };
        // held until the process ends: a sweep by another process sees a live writer
        #[cfg(unix)]
        try_lock(&file);
        p.files.push((Some(tmp.clone()), target.to_path_buf()));
        Ok(AtomicFile {
            target: target.to_path_buf(),
            dest: Dest::Replace { tmp, path, existed },
            overwrite,
            file: Some(BufWriter::new(file)),
            done: false,
            steps,
        })
    }

    /// The target as given to [`AtomicFile::create`].
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the buffer and, for a file, gives the replaced file's
    /// permissions and syncs it to disk.
    fn prepare(&mut self) -> io::Result<()> {
        let Some(f) = self.file.take() else {
            return Ok(());
        };
        let f = f.into_inner().map_err(|e| e.into_error())?;
        if let Dest::Replace { path, existed, .. } = &self.dest {
            if *existed {
                if let Ok(m) = std::fs::metadata(path) {
                    f.set_permissions(m.permissions())?;
                }
            }
            self.steps.sync_file(&f)?;
        }
        Ok(())
    }

    /// Renames the prepared temporary file to its name (no-clobber unless
    /// `overwrite`), under the registry's lock so that an interruption
    /// either sees it renamed or removes it. On failure the temporary file
    /// is removed.
    fn rename(&mut self) -> Result<()> {
        let mut p = pending();
        let r = if p.interrupted {
            Err(Error::at(&self.target, ErrorKind::Interrupted))
        } else if let Dest::Replace { tmp, path, .. } = &self.dest {
            self.steps
                .rename(tmp, path, self.overwrite)
                .map_err(|e| match e.kind() {
                    io::ErrorKind::AlreadyExists => {
                        Error::at(&self.target, ErrorKind::OutputExists)
                    }
                    _ => Error::io(&self.target, e),
                })
        } else {
            Ok(())
        };
        self.forget(&mut p, r.is_err());
        r
    }

    /// Takes the file off the registry (once); removes the temporary file if asked.
    fn forget(&mut self, p: &mut Pending, remove: bool) {
        if self.done {
            return;
        }
        self.done = true;
        self.file = None;
        let tmp = match &self.dest {
            Dest::Replace { tmp, .. } => Some(tmp),
            Dest::Direct => None,
        };
        if remove {
            if let Some(t) = tmp {
                let _ = std::fs::remove_file(t);
            }
        }
        // one entry: a direct write is known by its target alone
        if let Some(i) = p
            .files
            .iter()
            .position(|(t, target)| t.as_ref() == tmp && (tmp.is_some() || *target == self.target))
        {
            p.files.remove(i);
        }
    }

    /// Syncs the folder the file was renamed in, so that the rename
    /// survives a power cut (best effort: some file systems cannot).
    fn sync_folder(&self) {
        if let Dest::Replace { path, .. } = &self.dest {
            let _ = self.steps.sync_dir(folder(path));
        }
    }

    /// Flushes, syncs and renames the file to its target name (keeping the
    /// permissions of the file it replaces), then syncs the folder: the
    /// order in which a power cut leaves the old file or the new one,
    /// never a mix. A direct write is only flushed.
    ///
    /// # Errors
    /// A write, sync or rename fails; without `overwrite`, a file of that
    /// name appeared meanwhile (another writer was first); or the process
    /// is being interrupted. The temporary file is then removed and the
    /// target left as it was.
    pub fn commit(mut self) -> Result<()> {
        if let Err(e) = self.prepare() {
            let mut p = pending();
            self.forget(&mut p, true);
            return Err(Error::io(&self.target, e));
        }
        self.rename()?;
        self.sync_folder();
        Ok(())
    }
}

/// Commits several files together: every one is written and synced before
/// any is renamed, so a write failure (a full disk) leaves none of them;
/// a rename that fails takes back the renames before it that made a new
/// file (a file replaced under `overwrite` cannot be brought back).
///
/// # Errors
/// The first failure; every temporary file is then removed.
pub fn commit_all(mut files: Vec<AtomicFile>) -> Result<()> {
    let abandon = |files: &mut [AtomicFile]| {
        let mut p = pending();
        for f in files.iter_mut() {
            f.forget(&mut p, true);
        }
    };
    for i in 0..files.len() {
        if let Err(e) = files[i].prepare() {
            let err = Error::io(&files[i].target, e);
            abandon(&mut files);
            return Err(err);
        }
    }
    for i in 0..files.len() {
        if let Err(e) = files[i].rename() {
            abandon(&mut files[i + 1..]);
            for f in &files[..i] {
                if let Dest::Replace {
                    path,
                    existed: false,
                    ..
                } = &f.dest
                {
                    let _ = std::fs::remove_file(path);
                }
            }
            return Err(e);
        }
    }
    for f in &files {
        f.sync_folder();
    }
    Ok(())
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
        if !self.done {
            let mut p = pending();
            self.forget(&mut p, true);
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

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

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
            assert_eq!(names(dir.path()), ["old.txt"], "only the old file is left");
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
        let mut f = AtomicFile::create(&target, true).expect("create");
        f.write_all(b"data").expect("write");
        // a folder that is not empty takes the name meanwhile: no rename can replace it
        std::fs::create_dir(&target).expect("mkdir");
        std::fs::write(target.join("inside"), b"x").expect("write");
        let err = f
            .commit()
            .expect_err("cannot rename over a non-empty folder");
        assert!(err.to_string().contains("taken"), "{err}");
        assert_eq!(names(dir.path()), ["taken"]);
        // a folder named as the target is refused before anything is written
        let err = AtomicFile::create(&target, true).expect_err("a folder");
        assert!(err.to_string().contains("is a directory"), "{err}");
        assert_eq!(names(dir.path()), ["taken"]);
    }

    /// Records the steps of a commit (and does them).
    struct Recorder(Mutex<Vec<String>>);

    impl Steps for Recorder {
        fn sync_file(&self, file: &File) -> io::Result<()> {
            let len = file.metadata()?.len();
            self.0
                .lock()
                .expect("log")
                .push(format!("sync file ({len} bytes)"));
            Os.sync_file(file)
        }

        fn rename(&self, from: &Path, to: &Path, replace: bool) -> io::Result<()> {
            let name = |p: &Path| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            };
            let tmp = name(from);
            let how = if replace { "replace" } else { "no-clobber" };
            let len = std::fs::metadata(from)?.len();
            self.0.lock().expect("log").push(format!(
                "rename {}… ({len} bytes) to {} ({how})",
                &tmp[..tmp.find("tmp-").map_or(tmp.len(), |i| i + 4)],
                name(to)
            ));
            Os.rename(from, to, replace)
        }

        fn sync_dir(&self, dir: &Path) -> io::Result<()> {
            self.0.lock().expect("log").push(format!(
                "sync folder {}",
                dir.file_name().unwrap_or_default().to_string_lossy()
            ));
            Os.sync_dir(dir)
        }
    }

    /// The order that survives a power cut: the bytes written and synced,
    /// then the rename, then the folder synced. A dropped or moved sync
    /// shows here and nowhere else.
    #[test]
    fn a_commit_writes_syncs_renames_then_syncs_the_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("out");
        std::fs::create_dir(&sub).expect("mkdir");
        let target = sub.join("model.tasnif");
        let log: &'static Recorder = Box::leak(Box::new(Recorder(Mutex::new(Vec::new()))));
        for (overwrite, how) in [(false, "no-clobber"), (true, "replace")] {
            let mut f = AtomicFile::create_with(&target, overwrite, log).expect("create");
            f.write_all(b"12345").expect("write");
            assert!(
                log.0.lock().expect("log").is_empty(),
                "nothing before commit"
            );
            f.commit().expect("commit");
            let steps = std::mem::take(&mut *log.0.lock().expect("log"));
            assert_eq!(
                steps,
                [
                    "sync file (5 bytes)".to_string(),
                    format!("rename .model.tasnif.tmp-… (5 bytes) to model.tasnif ({how})"),
                    "sync folder out".to_string(),
                ]
            );
            assert_eq!(std::fs::read(&target).expect("target"), b"12345");
        }
        // a commit that fails before its rename renames nothing
        let mut f = AtomicFile::create_with(&target, true, log).expect("create");
        f.write_all(b"x").expect("write");
        std::fs::remove_dir_all(&sub).expect("rm");
        assert!(f.commit().is_err());
        let steps = std::mem::take(&mut *log.0.lock().expect("log"));
        assert!(
            steps.iter().all(|s| !s.starts_with("sync folder")),
            "{steps:?}"
        );
    }

    /// Two writers of one new name without `overwrite`: both pass the early
    /// check, and the rename itself lets exactly one through.
    #[test]
    fn of_two_no_clobber_commits_to_one_name_exactly_one_succeeds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("m.tasnif");
        let mut a = AtomicFile::create(&target, false).expect("a");
        let mut b = AtomicFile::create(&target, false).expect("b");
        a.write_all(b"a").expect("write");
        b.write_all(b"b").expect("write");
        a.commit().expect("the first commit");
        let err = b
            .commit()
            .expect_err("the second must not replace the first");
        assert!(matches!(err.kind(), ErrorKind::OutputExists), "{err}");
        assert_eq!(std::fs::read(&target).expect("target"), b"a");
        assert_eq!(names(dir.path()), ["m.tasnif"]);

        // the same, racing on threads, many times
        for round in 0..50 {
            let target = dir.path().join(format!("race-{round}"));
            let ok: usize = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|i| {
                        let target = &target;
                        s.spawn(move || {
                            let Ok(mut f) = AtomicFile::create(target, false) else {
                                return 0;
                            };
                            f.write_all(&[b'0' + i]).expect("write");
                            usize::from(f.commit().is_ok())
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().expect("thread")).sum()
            });
            assert_eq!(ok, 1, "round {round}: {ok} writers succeeded");
        }
        assert!(names(dir.path()).iter().all(|n| !n.contains(".tmp-")));
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through_and_kept() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("tempdir");
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).expect("mkdir");
        let real = real_dir.join("data.jsonl");
        std::fs::write(&real, b"old").expect("write");
        let link = dir.path().join("link.jsonl");
        symlink("real/data.jsonl", &link).expect("symlink");
        let err = write_atomic(&link, b"new", false).expect_err("exists");
        assert!(matches!(err.kind(), ErrorKind::OutputExists), "{err}");
        write_atomic(&link, b"new", true).expect("written through");
        assert!(std::fs::symlink_metadata(&link)
            .expect("lstat")
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_link(&link).expect("link"),
            Path::new("real/data.jsonl")
        );
        assert_eq!(std::fs::read(&real).expect("real"), b"new");
        assert_eq!(names(&real_dir), ["data.jsonl"]);
        assert_eq!(names(dir.path()), ["link.jsonl", "real"]);
        // a link to nothing is refused, and nothing is made
        let broken = dir.path().join("broken");
        symlink("nowhere/x", &broken).expect("symlink");
        let err = write_atomic(&broken, b"x", true).expect_err("broken");
        assert!(matches!(err.kind(), ErrorKind::BrokenLink { .. }), "{err}");
        assert_eq!(names(dir.path()), ["broken", "link.jsonl", "real"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_to_not_replaced() {
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut s = String::new();
                File::open(&fifo)
                    .expect("open")
                    .read_to_string(&mut s)
                    .expect("read");
                s
            })
        };
        write_atomic(&fifo, b"through the pipe", false).expect("written");
        assert_eq!(reader.join().expect("reader"), "through the pipe");
        assert!(std::fs::symlink_metadata(&fifo)
            .expect("lstat")
            .file_type()
            .is_fifo());
        assert_eq!(names(dir.path()), ["pipe"]);
    }

    #[test]
    fn a_name_of_251_bytes_gets_a_temporary_name_that_fits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = format!("{}.csv", "a".repeat(247));
        assert_eq!(name.len(), 251);
        write_atomic(&dir.path().join(&name), b"x", false).expect("a valid name is written");
        assert_eq!(names(dir.path()), std::slice::from_ref(&name));
        let arabic = format!("{}.csv", "ب".repeat(125));
        write_atomic(&dir.path().join(&arabic), b"x", false).expect("cut at a character");
        assert!(temp_name(&arabic, 7).len() <= NAME_MAX);
        assert_eq!(temp_pid(&temp_name(&name, 12)), Some(std::process::id()));
        assert_eq!(temp_pid(".x.tmp-12-3"), Some(12));
        assert_eq!(temp_pid("x.tmp-12-3"), None);
        assert_eq!(temp_pid(".x.tmp-12"), None);
        assert_eq!(temp_pid(".x.tmp-a-3"), None);
    }

    /// A process that has ended: its id, once it has been waited for.
    #[cfg(unix)]
    fn dead_pid() -> u32 {
        let mut c = std::process::Command::new("true").spawn().expect("true");
        let pid = c.id();
        c.wait().expect("wait");
        pid
    }

    #[cfg(unix)]
    #[test]
    fn stale_temporary_files_of_dead_writers_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dead = dead_pid();
        let stale = format!(".out.jsonl.tmp-{dead}-0");
        std::fs::write(dir.path().join(&stale), b"half").expect("write");
        // a live process (init) and this one: never touched
        std::fs::write(dir.path().join(".a.tmp-1-0"), b"x").expect("write");
        let own = format!(".b.tmp-{}-999999", std::process::id());
        std::fs::write(dir.path().join(&own), b"x").expect("write");
        // a dead id whose file is locked (a writer in another pid namespace)
        let locked = format!(".c.tmp-{dead}-1");
        std::fs::write(dir.path().join(&locked), b"x").expect("write");
        let holder = File::open(dir.path().join(&locked)).expect("open");
        assert!(try_lock(&holder));
        // names that only look alike, and a user's file
        for n in ["a.tmp-1-0", ".d.tmp-x-1", "notes.txt"] {
            std::fs::write(dir.path().join(n), b"x").expect("write");
        }
        write_atomic(&dir.path().join("out.jsonl"), b"new", false).expect("write");
        let left = names(dir.path());
        assert!(!left.contains(&stale), "{left:?}");
        for kept in [
            ".a.tmp-1-0",
            own.as_str(),
            locked.as_str(),
            "a.tmp-1-0",
            ".d.tmp-x-1",
            "notes.txt",
            "out.jsonl",
        ] {
            assert!(left.iter().any(|n| n == kept), "{kept} removed: {left:?}");
        }
    }

    #[test]
    fn commit_all_leaves_nothing_when_one_file_fails() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = AtomicFile::create(&dir.path().join("a.svg"), false).expect("a");
        let mut b = AtomicFile::create(&dir.path().join("b.svg"), false).expect("b");
        b.write_all(b"b").expect("write");
        // c's name is taken by a folder that appears before the commit
        let c = AtomicFile::create(&dir.path().join("c.md"), true).expect("c");
        std::fs::create_dir(dir.path().join("c.md")).expect("mkdir");
        std::fs::write(dir.path().join("c.md/x"), b"x").expect("write");
        assert!(commit_all(vec![a, b, c]).is_err());
        assert_eq!(names(dir.path()), ["c.md"], "a.svg and b.svg taken back");
        let a = AtomicFile::create(&dir.path().join("a.svg"), false).expect("a");
        let b = AtomicFile::create(&dir.path().join("b.svg"), false).expect("b");
        commit_all(vec![a, b]).expect("both");
        assert_eq!(names(dir.path()), ["a.svg", "b.svg", "c.md"]);
    }
}
