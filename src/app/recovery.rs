//! Crash recovery: while the document has unsaved edits, a copy of them is
//! written every few seconds to the app's data folder (on a thread of its
//! own, never on the UI thread), and removed as soon as the document is
//! clean again (saved, edits discarded or undone, another file opened).
//! A copy left by an app that is no longer running (it crashed, or was
//! killed) is offered on the next start: restore it as an unsaved
//! document, or discard it.
//!
//! Each running app writes its own file, `unsaved-<process id>.json`, so
//! two windows never overwrite each other's copy; at start-up only copies
//! whose process has ended are offered (the newest first).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::files;
use crate::scenario::rewrite::SourceText;
use crate::scenario::{self, ScenarioFile};

/// How often unsaved edits are copied at most.
pub const AUTOSAVE_INTERVAL: Duration = Duration::from_secs(5);

/// A copy of unsaved edits, as written to the recovery folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovered {
    /// The file the edits belong to, if it had been saved or opened from one.
    pub path: Option<PathBuf>,
    /// The bundled example the edits started from, if any.
    pub bundled: Option<String>,
    /// When the copy was written, in seconds since the Unix epoch.
    pub written_unix_secs: u64,
    /// The scenario as RON text.
    pub text: String,
}

impl Recovered {
    /// What the edits were made to, for the prompt: a file name, an
    /// example or "a new scenario".
    pub fn describe(&self) -> String {
        match (&self.path, &self.bundled) {
            (Some(p), _) => p.display().to_string(),
            (None, Some(b)) => format!("the example {b}"),
            (None, None) => "a new scenario".to_owned(),
        }
    }
}

/// A recovery copy found at start-up, with where it lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The copy.
    pub recovered: Recovered,
    /// Its file (removed once the user has chosen).
    pub file: PathBuf,
}

/// The app's recovery copy: when to write it next and what it holds.
#[derive(Debug)]
pub struct Recovery {
    dir: PathBuf,
    interval: Duration,
    /// The file as last copied (none written, or removed, when `None`).
    written: Option<ScenarioFile>,
    /// When the last copy was started.
    last_at: Option<Instant>,
    /// A write in flight; the next one waits for it.
    writing: Arc<AtomicBool>,
}

impl Recovery {
    /// Recovery in `dir` (created when first needed), writing at most
    /// every `interval`.
    pub fn new(dir: PathBuf, interval: Duration) -> Self {
        Self { dir, interval, written: None, last_at: None, writing: Arc::new(AtomicBool::new(false)) }
    }

    /// Recovery in the app's data folder, if the platform has one.
    pub fn in_data_folder() -> Option<Self> {
        eframe::storage_dir("tenantsim").map(|d| Self::new(d.join("recovery"), AUTOSAVE_INTERVAL))
    }

    /// This process's copy.
    fn own_file(&self) -> PathBuf {
        self.dir.join(format!("unsaved-{}.json", std::process::id()))
    }

    /// Called every frame: copies `file` when it has unsaved edits that
    /// changed since the last copy and the interval has passed; removes
    /// the copy once there are none. `dirty` says whether `file` differs
    /// from what was saved.
    pub fn tick(
        &mut self,
        file: &ScenarioFile,
        source: Option<&SourceText>,
        path: Option<&Path>,
        bundled: Option<&str>,
        dirty: bool,
        now: Instant,
    ) {
        if !dirty {
            if self.written.take().is_some() {
                self.remove_own();
            }
            return;
        }
        let due = self.last_at.is_none_or(|at| now.duration_since(at) >= self.interval);
        if !due || self.written.as_ref() == Some(file) || self.writing.load(Ordering::SeqCst) {
            return;
        }
        self.last_at = Some(now);
        self.written = Some(file.clone());
        let (file, source, target, writing) =
            (file.clone(), source.cloned(), self.own_file(), Arc::clone(&self.writing));
        let (path, bundled) = (path.map(Path::to_path_buf), bundled.map(str::to_owned));
        writing.store(true, Ordering::SeqCst);
        std::thread::spawn(move || {
            if let Err(e) = write_copy(&file, source.as_ref(), path, bundled, &target) {
                eprintln!("recovery copy not written: {e}");
            }
            writing.store(false, Ordering::SeqCst);
        });
    }

    /// Removes this process's copy (the user saved or discarded the edits,
    /// or is quitting without them).
    pub fn clear(&mut self) {
        self.written = None;
        self.remove_own();
    }

    fn remove_own(&self) {
        // A write may be in flight; it is short, so wait for it rather than
        // have it put the copy back after the removal.
        while self.writing.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = std::fs::remove_file(self.own_file());
    }

    /// True once every write started so far has finished (for tests).
    pub fn idle(&self) -> bool {
        !self.writing.load(Ordering::SeqCst)
    }

    /// The newest copy left by an app that is no longer running, if any.
    pub fn find(&self) -> Option<Found> {
        let entries = std::fs::read_dir(&self.dir).ok()?;
        let mut found: Vec<Found> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let pid: u32 = name.strip_prefix("unsaved-")?.strip_suffix(".json")?.parse().ok()?;
                if process_alive(pid) {
                    return None;
                }
                let file = entry.path();
                // Small by construction; a foreign huge file is not read.
                let meta = std::fs::symlink_metadata(&file).ok()?;
                if !meta.is_file() || meta.len() > scenario::Limits::default().max_file_bytes as u64 * 2 {
                    return None;
                }
                let recovered: Recovered = serde_json::from_slice(&std::fs::read(&file).ok()?).ok()?;
                Some(Found { recovered, file })
            })
            .collect();
        found.sort_by_key(|f| std::cmp::Reverse(f.recovered.written_unix_secs));
        found.into_iter().next()
    }
}

/// Writes one copy, atomically.
fn write_copy(
    file: &ScenarioFile,
    source: Option<&SourceText>,
    path: Option<PathBuf>,
    bundled: Option<String>,
    target: &Path,
) -> Result<(), String> {
    let text = scenario::rewrite::write(file, source).map_err(|e| e.to_string())?;
    let written_unix_secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let copy = Recovered { path, bundled, written_unix_secs, text };
    let json = serde_json::to_vec(&copy).map_err(|e| e.to_string())?;
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // Scenarios can be private: the folder is the user's alone.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    files::save_atomic(target, json).map_err(|e| e.to_string())
}

/// Whether process `pid` is running (on Linux; elsewhere only this
/// process counts as running, so another window's copy may be offered).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    cfg!(target_os = "linux") && Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(recovery: &Recovery) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !recovery.idle() {
            assert!(Instant::now() < deadline, "the copy was not written within 10 s");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tenantsim-recovery-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn unsaved_edits_are_copied_at_most_every_interval_and_removed_when_clean() {
        let dir = scratch("tick");
        let mut recovery = Recovery::new(dir.clone(), Duration::from_secs(5));
        let mut file = crate::app::empty_scenario();
        let t0 = Instant::now();
        recovery.tick(&file, None, None, None, false, t0);
        assert!(!recovery.own_file().exists(), "nothing to recover while clean");
        file.name = "edited once".to_owned();
        recovery.tick(&file, None, Some(Path::new("/tmp/x.ron")), None, true, t0);
        wait(&recovery);
        let own = recovery.own_file();
        let read = || -> Recovered {
            serde_json::from_slice(&std::fs::read(&own).unwrap_or_default()).unwrap_or_else(|e| panic!("no copy: {e}"))
        };
        assert!(read().text.contains("edited once"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            assert_eq!(mode, 0o700, "the copies' folder is private");
        }
        assert_eq!(read().path.as_deref(), Some(Path::new("/tmp/x.ron")));
        file.name = "edited twice".to_owned();
        recovery.tick(&file, None, None, None, true, t0 + Duration::from_secs(1));
        wait(&recovery);
        assert!(read().text.contains("edited once"), "not again within the interval");
        recovery.tick(&file, None, None, None, true, t0 + Duration::from_secs(6));
        wait(&recovery);
        assert!(read().text.contains("edited twice"), "after the interval");
        recovery.tick(&file, None, None, None, false, t0 + Duration::from_secs(7));
        assert!(!recovery.own_file().exists(), "removed once clean");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn only_copies_of_ended_processes_are_found_newest_first() {
        let dir = scratch("find");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let copy = |secs: u64, text: &str| Recovered {
            path: None,
            bundled: Some("noisy-neighbour.ron".to_owned()),
            written_unix_secs: secs,
            text: text.to_owned(),
        };
        let put = |name: &str, c: &Recovered| {
            std::fs::write(dir.join(name), serde_json::to_vec(c).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        };
        // Process ids far above Linux's maximum (4,194,304) never run.
        put("unsaved-4999998.json", &copy(100, "older"));
        put("unsaved-4999999.json", &copy(200, "newer"));
        put(&format!("unsaved-{}.json", std::process::id()), &copy(300, "this app's own"));
        put("unsaved-1.json", &copy(400, "a running process (init)"));
        std::fs::write(dir.join("unsaved-4999997.json"), b"not json").unwrap_or_else(|e| panic!("{e}"));
        let recovery = Recovery::new(dir.clone(), AUTOSAVE_INTERVAL);
        let found = recovery.find().unwrap_or_else(|| panic!("a copy of an ended process"));
        assert_eq!(found.recovered.text, "newer");
        assert_eq!(found.file, dir.join("unsaved-4999999.json"));
        assert_eq!(found.recovered.describe(), "the example noisy-neighbour.ron");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
