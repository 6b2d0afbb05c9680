//! Saving files a user may not fully control the surroundings of: through
//! symbolic links, next to planted links, keeping permissions, never
//! leaving a temporary file behind, and refusing an output path before a
//! long run rather than after it (issue "Untrusted scenario files").

use std::fs;
use std::path::{Path, PathBuf};

use tenantsim::files::{self, SaveError};

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("{}: {e}", link.display()));
}

#[cfg(unix)]
#[test]
fn a_symlinked_scenario_is_saved_through_the_link() {
    let dir = temp_dir();
    let real_dir = dir.path().join("real");
    fs::create_dir(&real_dir).unwrap_or_else(|e| panic!("{e}"));
    let real = real_dir.join("scenario.ron");
    write(&real, "old");
    // A relative link, as `ln -s real/scenario.ron link.ron` makes, and a
    // link to that link.
    let link = dir.path().join("link.ron");
    symlink(Path::new("real/scenario.ron"), &link);
    let link2 = dir.path().join("link2.ron");
    symlink(&link, &link2);

    files::save_atomic(&link, "new").unwrap_or_else(|e| panic!("{e}"));
    assert!(fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()), "the link stays a link");
    assert_eq!(read(&real), "new", "the link's target is updated");

    files::save_atomic(&link2, "newer").unwrap_or_else(|e| panic!("{e}"));
    assert!(fs::symlink_metadata(&link2).is_ok_and(|m| m.file_type().is_symlink()));
    assert!(fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()));
    assert_eq!(read(&real), "newer", "a chain of links is followed to the end");
    assert_eq!(names(dir.path()), ["link.ron", "link2.ron", "real"], "nothing else appears");
    assert_eq!(names(&real_dir), ["scenario.ron"], "no temporary file is left");

    // A dangling link: the save creates its target.
    let dangling = dir.path().join("dangling.ron");
    symlink(Path::new("real/later.ron"), &dangling);
    files::save_atomic(&dangling, "created").unwrap_or_else(|e| panic!("{e}"));
    assert!(fs::symlink_metadata(&dangling).is_ok_and(|m| m.file_type().is_symlink()));
    assert_eq!(read(&real_dir.join("later.ron")), "created");
}

#[cfg(unix)]
#[test]
fn the_file_mode_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    for mode in [0o600, 0o640, 0o755] {
        let path = dir.path().join(format!("m{mode:o}.ron"));
        write(&path, "old");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{e}"));
        files::save_atomic(&path, "new").unwrap_or_else(|e| panic!("{e}"));
        let meta = fs::metadata(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "{mode:o}");
        assert_eq!(read(&path), "new");
    }
    // A new file is not left at the temporary file's 0600: it gets what
    // any new file gets (0666 less the umask, which never removes the
    // owner's read and write).
    let fresh = dir.path().join("fresh.ron");
    files::save_atomic(&fresh, "x").unwrap_or_else(|e| panic!("{e}"));
    let mode = fs::metadata(&fresh).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode & 0o600, 0o600, "{mode:o}");
    let umask_allows_group_read = {
        let probe = dir.path().join("probe");
        fs::File::create(&probe).and_then(|f| f.metadata()).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
    };
    assert_eq!(mode, umask_allows_group_read, "as File::create would make it");
}

/// Links at the names a save might use (the old fixed pattern with this
/// process's id, and random names of the new pattern) all point at a
/// victim file outside; however many saves run, the victim and the links
/// stay as they were.
#[cfg(unix)]
#[test]
fn planted_links_next_to_the_target_are_never_followed() {
    let dir = temp_dir();
    let outside = temp_dir();
    let victim = outside.path().join("victim");
    write(&victim, "precious");
    let target = dir.path().join("scenario.ron");
    write(&target, "old");
    let mut planted: Vec<PathBuf> = vec![dir.path().join(format!(".scenario.ron.{}.tmp", std::process::id()))];
    // Random names from a small generator of our own (the test needs no
    // good randomness, only names the program does not choose).
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id());
    let alphabet: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    for _ in 0..200 {
        let random: String = (0..12)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        planted.push(dir.path().join(format!(".scenario.ron.{random}.tenantsim-tmp")));
    }
    for link in &planted {
        symlink(&victim, link);
    }
    // A planted regular file at a name of the pattern, too.
    let decoy = dir.path().join(".scenario.ron.decoyDECOY12.tenantsim-tmp");
    write(&decoy, "decoy");
    for i in 0..50 {
        files::save_atomic(&target, format!("version {i}")).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(read(&target), "version 49");
    assert_eq!(read(&victim), "precious", "a planted link was followed");
    assert_eq!(read(&decoy), "decoy", "a fresh file of the pattern is not touched");
    for link in &planted {
        let meta = fs::symlink_metadata(link).unwrap_or_else(|e| panic!("{}: {e}", link.display()));
        assert!(meta.file_type().is_symlink(), "{} was replaced", link.display());
        assert_eq!(fs::read_link(link).ok().as_deref(), Some(victim.as_path()));
    }
    assert_eq!(names(dir.path()).len(), planted.len() + 2, "only the target and what was planted");
}

#[test]
fn a_failed_save_leaves_no_temporary_file() {
    let dir = temp_dir();
    // The target is a directory: refused, the directory and the folder
    // it is in untouched (this fails as root too, unlike a read-only
    // folder).
    let target = dir.path().join("report.json");
    fs::create_dir(&target).unwrap_or_else(|e| panic!("{e}"));
    write(&target.join("inside"), "kept");
    let error = files::save_atomic(&target, "new");
    assert!(matches!(error, Err(SaveError::NotRegular { kind: "a directory", .. })), "{error:?}");
    assert_eq!(names(dir.path()), ["report.json"]);
    assert_eq!(read(&target.join("inside")), "kept");
    // A missing folder is named as such.
    let missing = dir.path().join("no-such-folder").join("report.json");
    let error = files::save_atomic(&missing, "new");
    assert!(matches!(error, Err(SaveError::NoFolder { .. })), "{error:?}");
    let message = error.map_err(|e| e.to_string()).err().unwrap_or_default();
    assert!(message.contains("does not exist"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_is_refused_as_a_target_without_blocking() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipe.ron");
    mkfifo(&fifo);
    // Opening a FIFO for writing would wait for a reader forever; the
    // refusal comes from its metadata, before any open.
    let error = files::save_atomic(&fifo, "new");
    assert!(matches!(error, Err(SaveError::NotRegular { .. })), "{error:?}");
    assert!(fs::symlink_metadata(&fifo).is_ok_and(|m| {
        use std::os::unix::fs::FileTypeExt;
        m.file_type().is_fifo()
    }));
    let error = files::save_atomic(Path::new("/dev/null"), "new");
    assert!(matches!(error, Err(SaveError::NotRegular { kind: "a character device", .. })), "{error:?}");
    assert_eq!(names(dir.path()), ["pipe.ron"]);
}

/// Makes a FIFO with the system's `mkfifo`.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(feature = "cli")]
mod cli {
    use std::fs;
    use std::path::Path;
    use std::process::{Command, Output};

    use super::{names, read, temp_dir, write};

    const EXAMPLE: &str = "scenarios/noisy-neighbour.ron";

    fn tenantsim(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tenantsim"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot start tenantsim: {e}"))
    }

    fn text(path: &Path) -> String {
        path.to_string_lossy().into_owned()
    }

    /// A path `--out` cannot write is refused with exit 2 before the run:
    /// a failure after the run would exit 1 and print its output
    /// nowhere.
    #[test]
    fn out_to_an_unwritable_place_is_refused_before_the_run() {
        let dir = temp_dir();
        let missing = dir.path().join("no-such-folder").join("report.txt");
        let folder = dir.path().join("a-folder");
        fs::create_dir(&folder).unwrap_or_else(|e| panic!("{e}"));
        for (out, expected) in [(&missing, "does not exist"), (&folder, "is a directory")] {
            for command in ["run", "compare"] {
                let output = tenantsim(&[command, EXAMPLE, "--replications", "20", "--out", &text(out)]);
                let stderr = String::from_utf8_lossy(&output.stderr);
                assert_eq!(output.status.code(), Some(2), "{command} --out {}: {stderr}", out.display());
                assert!(stderr.starts_with("--out: "), "the flag is named: {stderr}");
                assert!(stderr.contains(expected), "{stderr}");
                assert!(!stderr.contains("simulating"), "no progress: the run never started: {stderr}");
                assert_eq!(stderr.lines().count(), 1, "one line, nothing else: {stderr}");
                assert!(output.stdout.is_empty());
            }
        }
        let plan = tenantsim(&["plan", "scenarios/silo-vs-pool-cost.ron", "--out", &text(&missing)]);
        assert_eq!(plan.status.code(), Some(2), "{}", String::from_utf8_lossy(&plan.stderr));
        assert!(String::from_utf8_lossy(&plan.stderr).starts_with("--out: "));
        assert!(!missing.parent().is_some_and(Path::exists), "nothing was created");
        assert_eq!(names(dir.path()), ["a-folder"]);
        assert!(names(&folder).is_empty());
    }

    /// A write that fails half-way (the file-size limit, which holds for
    /// root too) exits 1, keeps the old report and leaves no temporary
    /// file.
    #[cfg(unix)]
    #[test]
    fn a_save_that_fails_while_writing_leaves_nothing_behind() {
        let dir = temp_dir();
        let out = dir.path().join("report.json");
        write(&out, "old report");
        // SIGXFSZ ignored: the write fails with EFBIG instead of killing.
        let script = format!(
            "trap '' XFSZ; ulimit -f 1; exec \"{}\" run {EXAMPLE} --replications 1 --format json --out \"{}\"",
            env!("CARGO_BIN_EXE_tenantsim"),
            out.display()
        );
        let output = Command::new("sh")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["-c", &script])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("report.json"), "the message names the file: {stderr}");
        assert_eq!(read(&out), "old report");
        assert_eq!(names(dir.path()), ["report.json"], "no temporary file is left");
    }
}
