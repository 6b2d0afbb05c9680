//! Saves of every file the program writes (scenarios, reports, CSV
//! exports, screenshots): the bytes go to a temporary file beside the
//! target, which is flushed to disk and renamed over it, so a reader or a
//! crash sees the old file or the new one, never half of one.
//!
//! The temporary file has an unpredictable name and is created with
//! `O_EXCL` (through the `tempfile` crate), so nothing planted at a name
//! the program might use can make a save write somewhere else. A symbolic
//! link is saved through: its final target is replaced and the link stays.
//! A target that is not a regular file (a directory, FIFO, device) is
//! refused. The existing file's permission bits (and, where the system
//! lets us, its owner) carry over. A failed save removes its temporary
//! file; one left by a killed process is removed by a later save of the
//! same file once it is [`STALE_AFTER`] old.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tempfile::NamedTempFile;

use super::kind_of;

/// Ends the name of every temporary file a save makes:
/// `.<target name>.<random>.tenantsim-tmp`.
const TEMP_SUFFIX: &str = ".tenantsim-tmp";

/// Random characters in a temporary file's name.
const TEMP_RANDOM_CHARS: usize = 12;

/// Age after which a temporary file of ours beside a target is taken to
/// be left by a process that died (a save takes well under a second, so
/// one this old belongs to nobody) and removed by the next save.
pub const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

/// Symbolic links followed from the path given before giving up.
const MAX_LINKS: usize = 32;

/// Why a file could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Occurs when the target (after following links) is a directory, a
    /// FIFO, a device or a socket, which a save must not replace.
    #[error("{path}: is {kind}, not a regular file; nothing was written")]
    NotRegular {
        /// The target.
        path: PathBuf,
        /// What it is instead, with its article ("a directory").
        kind: &'static str,
    },
    /// Occurs when the folder the file would go in does not exist.
    #[error("{path}: the folder {} does not exist", dir.display())]
    NoFolder {
        /// The file as given.
        path: PathBuf,
        /// Its folder.
        dir: PathBuf,
    },
    /// Occurs when symbolic links lead to each other or too deep.
    #[error("{path}: too many levels of symbolic links")]
    TooManyLinks {
        /// The file as given.
        path: PathBuf,
    },
    /// Occurs when the temporary file cannot be created, written, flushed
    /// or renamed (a read-only folder, a full disk); the target is then
    /// left as it was and no temporary file stays behind.
    #[error("{path}: {source}")]
    Io {
        /// The target.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
}

/// Writes `contents` to `path` atomically (see the module's doc).
///
/// # Errors
/// Occurs when the target is not a regular file, its folder is missing or
/// not writable, or the disk is full; the target is then left as it was.
pub fn save_atomic(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), SaveError> {
    let target = Target::resolve(path)?;
    target.remove_stale_temporaries(SystemTime::now());
    let io_err = |source| SaveError::Io { path: target.path.clone(), source };
    // Dropped on every early return below, which deletes the file.
    let mut temp = target.temporary().map_err(io_err)?;
    // Through the plain handle: the wrapper's errors name the temporary
    // file, which is gone by the time anyone reads the message.
    temp.as_file_mut().write_all(contents.as_ref()).map_err(io_err)?;
    target.carry_over_owner_and_mode(temp.as_file()).map_err(io_err)?;
    temp.as_file().sync_all().map_err(io_err)?;
    temp.persist(&target.path).map_err(|e| io_err(e.error))?;
    sync_folder(&target.dir);
    Ok(())
}

/// Checks that a save to `path` can succeed, by the same rules as
/// [`save_atomic`] and by creating (and removing) a temporary file beside
/// it, so a long run can refuse a bad output path before it starts.
///
/// # Errors
/// The ones [`save_atomic`] would give for the path.
pub fn check_writable(path: &Path) -> Result<(), SaveError> {
    let target = Target::resolve(path)?;
    target.temporary().map(drop).map_err(|source| SaveError::Io { path: target.path.clone(), source })
}

/// The file a save replaces, after following symbolic links.
#[derive(Debug)]
struct Target {
    /// The file itself (a link's final target).
    path: PathBuf,
    /// Its folder, where the temporary file goes.
    dir: PathBuf,
    /// Its file name.
    name: String,
    /// The existing file's metadata; `None` for a new file.
    existing: Option<fs::Metadata>,
}

impl Target {
    /// Follows `path` through symbolic links to the file to replace, and
    /// refuses one that is not a regular file.
    fn resolve(path: &Path) -> Result<Self, SaveError> {
        let io_err = |source| SaveError::Io { path: path.to_owned(), source };
        let mut current = path.to_owned();
        for _ in 0..MAX_LINKS {
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    let link = fs::read_link(&current).map_err(io_err)?;
                    // A relative link is relative to the link's folder;
                    // joining an absolute one replaces the whole path.
                    current = current.parent().map_or_else(|| link.clone(), |parent| parent.join(&link));
                }
                Ok(meta) => {
                    if let Some(kind) = kind_of(&meta.file_type()) {
                        return Err(SaveError::NotRegular { path: current, kind });
                    }
                    return Self::new(path, current, Some(meta));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Self::new(path, current, None),
                Err(e) => return Err(io_err(e)),
            }
        }
        Err(SaveError::TooManyLinks { path: path.to_owned() })
    }

    fn new(given: &Path, path: PathBuf, existing: Option<fs::Metadata>) -> Result<Self, SaveError> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            // `..` or `/`: a folder, whatever the file system says.
            return Err(SaveError::NotRegular { path, kind: "a directory" });
        };
        if existing.is_none() && !dir.exists() {
            return Err(SaveError::NoFolder { path: given.to_owned(), dir });
        }
        Ok(Self { path, dir, name, existing })
    }

    /// The prefix of our temporary files beside this target.
    fn temp_prefix(&self) -> String {
        format!(".{}.", self.name)
    }

    /// A new temporary file beside the target, created with `O_EXCL`
    /// under a random name; it is deleted when dropped unless persisted.
    fn temporary(&self) -> io::Result<NamedTempFile> {
        let prefix = self.temp_prefix();
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(TEMP_SUFFIX).rand_bytes(TEMP_RANDOM_CHARS);
        #[cfg(unix)]
        if self.existing.is_none() {
            // A new file gets the mode `File::create` would give it (the
            // umask applies), rather than the temporary file's 0600.
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        builder.tempfile_in(&self.dir)
    }

    /// Gives the temporary file the existing file's owner (best effort:
    /// only root may give a file away) and then its permission bits
    /// (after the owner, since a change of owner clears set-id bits).
    fn carry_over_owner_and_mode(&self, file: &fs::File) -> io::Result<()> {
        let Some(existing) = &self.existing else { return Ok(()) };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mine = file.metadata()?;
            if (mine.uid(), mine.gid()) != (existing.uid(), existing.gid()) {
                let _ = std::os::unix::fs::fchown(file, Some(existing.uid()), Some(existing.gid()));
            }
        }
        file.set_permissions(existing.permissions())
    }

    /// Whether `name` is one of our temporary files for this target.
    fn is_our_temporary(&self, name: &OsStr) -> bool {
        let Some(name) = name.to_str() else { return false };
        name.strip_prefix(&self.temp_prefix()).and_then(|rest| rest.strip_suffix(TEMP_SUFFIX)).is_some_and(|random| {
            random.len() == TEMP_RANDOM_CHARS && random.chars().all(|c| c.is_ascii_alphanumeric())
        })
    }

    /// Removes our temporary files for this target that are older than
    /// [`STALE_AFTER`] at `now`: a killed save cannot clean up after
    /// itself. Only regular files of exactly our naming pattern are
    /// touched (links are not followed); failures are ignored, since the
    /// save does not depend on them.
    fn remove_stale_temporaries(&self, now: SystemTime) {
        let Ok(entries) = fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            if !self.is_our_temporary(&entry.file_name()) {
                continue;
            }
            let Ok(meta) = fs::symlink_metadata(entry.path()) else { continue };
            let old =
                meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > STALE_AFTER);
            if meta.file_type().is_file() && old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Flushes the folder's entry list, so the rename itself survives a
/// crash (unix; elsewhere there is no such call). Best effort: the file
/// is already in place, and some file systems refuse to sync a folder.
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(folder) = fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(dir: &Path) -> Target {
        Target { path: dir.join("a.ron"), dir: dir.to_owned(), name: "a.ron".into(), existing: None }
    }

    #[test]
    fn only_our_exact_pattern_counts_as_a_temporary() {
        let t = target(Path::new("."));
        assert!(t.is_our_temporary(OsStr::new(".a.ron.AbCdEf123456.tenantsim-tmp")));
        for other in [
            "a.ron",
            ".a.ron.AbCdEf12345.tenantsim-tmp",
            ".a.ron.AbCdEf1234567.tenantsim-tmp",
            ".b.ron.AbCdEf123456.tenantsim-tmp",
            ".a.ron.AbCdEf12345-.tenantsim-tmp",
            ".a.ron.AbCdEf123456.tmp",
        ] {
            assert!(!t.is_our_temporary(OsStr::new(other)), "{other}");
        }
    }

    #[test]
    fn a_temporary_is_stale_only_after_the_limit() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let t = target(dir.path());
        let fresh = dir.path().join(".a.ron.AAAAAAAAAAAA.tenantsim-tmp");
        let old = dir.path().join(".a.ron.BBBBBBBBBBBB.tenantsim-tmp");
        let other = dir.path().join(".b.ron.CCCCCCCCCCCC.tenantsim-tmp");
        for p in [&fresh, &old, &other] {
            fs::write(p, "x").unwrap_or_else(|e| panic!("{e}"));
        }
        let long_ago = SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
        for p in [&old, &other] {
            let file = fs::File::options().write(true).open(p).unwrap_or_else(|e| panic!("{e}"));
            file.set_modified(long_ago).unwrap_or_else(|e| panic!("{e}"));
        }
        t.remove_stale_temporaries(SystemTime::now());
        assert!(fresh.exists(), "a fresh temporary may be another save's");
        assert!(!old.exists(), "a stale one of ours goes");
        assert!(other.exists(), "another target's is not ours to judge");
    }
}
