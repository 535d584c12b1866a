//! The profile index: what the last parse of the profile files said of a name (its fingerprint
//! and [`Summary`]), kept in the cache directory with the files' stat stamps at that time. A cache
//! hit then reads one small file instead of parsing every profile, which costs about 3 µs a
//! profile (30 ms at 10,000 profiles, which organisations with many accounts do have).
//!
//! Correctness rests on the stamps: any write to a file changes its ctime, its mtime or its size
//! (and an editor that saves by rename changes its inode), so an edited file never matches. Two
//! writes within one tick of the file system's clock can leave the same times, so, as git does
//! for its racily clean index entries, a file changed within [`RACY`] of the moment it was
//! stamped is not trusted: nothing is recorded for it, and every run parses until it has aged.
//! The stamps are taken before the parse, so a file changed during the parse never matches the
//! stamps stored with what was parsed.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::cache::Cache;
use crate::error::Result;
use crate::identity::{Identity, Summary, profile_file_paths};

const VERSION: u32 = 1;

/// How old a file's last change must be for its stamp to be trusted. File system clocks tick
/// every few milliseconds on Linux, every second or two on some network and FAT file systems.
const RACY: Duration = Duration::from_secs(2);

/// A file as `stat` saw it; `None` in [`Stamps`] is a file that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    dev: u64,
    ino: u64,
    mode: u32,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

/// The profile files' paths and stamps, taken before they are read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamps {
    paths: Vec<PathBuf>,
    stamps: Vec<Option<Stamp>>,
}

impl Stamps {
    pub fn now() -> Stamps {
        let paths = profile_file_paths();
        let stamps = paths
            .iter()
            .map(|p| {
                std::fs::metadata(p).ok().map(|m| Stamp {
                    dev: m.dev(),
                    ino: m.ino(),
                    mode: m.mode(),
                    size: m.size(),
                    mtime: (m.mtime(), m.mtime_nsec()),
                    ctime: (m.ctime(), m.ctime_nsec()),
                })
            })
            .collect();
        Stamps { paths, stamps }
    }

    /// Whether every file last changed long enough ago that a later change must show in its
    /// stamp (see [`RACY`]).
    fn settled(&self) -> bool {
        let Ok(now) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) else {
            return false;
        };
        let limit = now.saturating_sub(RACY);
        self.stamps.iter().flatten().all(|s| {
            let newest = s.mtime.max(s.ctime);
            let changed = Duration::new(
                u64::try_from(newest.0).unwrap_or(u64::MAX),
                u32::try_from(newest.1).unwrap_or(0),
            );
            changed < limit
        })
    }

    /// The key the index files are named by: the files, so another AWS_CONFIG_FILE has its own.
    fn key(&self, what: &str) -> String {
        let mut key = format!("index\0{what}");
        for p in &self.paths {
            key.push('\0');
            key.push_str(&p.to_string_lossy());
        }
        key
    }
}

#[derive(Serialize, Deserialize)]
struct ProfileEntry {
    version: u32,
    stamps: Stamps,
    name: String,
    fingerprint: String,
    summary: Summary,
}

#[derive(Serialize, Deserialize)]
struct NamesEntry {
    version: u32,
    stamps: Stamps,
    names: Vec<String>,
}

/// What the index says of `name`: its summary and fingerprint, if the files are as they were.
pub fn lookup(cache: &Cache, stamps: &Stamps, name: &str) -> Result<Option<(Summary, String)>> {
    let entry: Option<ProfileEntry> = cache.read_derived(&stamps.key(name), "profile")?;
    Ok(entry
        .filter(|e| e.version == VERSION && e.name == name && e.stamps == *stamps)
        .map(|e| (e.summary, e.fingerprint)))
}

/// Records what a parse of the files stamped `stamps` said of `identity`. Best effort: the index
/// only saves time, so a cache that cannot be written is no reason to fail a switch.
pub fn record(cache: &Cache, stamps: &Stamps, identity: &Identity) {
    if !stamps.settled() {
        return;
    }
    let entry = ProfileEntry {
        version: VERSION,
        stamps: stamps.clone(),
        name: identity.name.clone(),
        fingerprint: identity.fingerprint(),
        summary: identity.summary(),
    };
    let _ = cache.write_derived(&stamps.key(&identity.name), "profile", &entry);
}

/// The key of the names entry. (It held every profile's name before it held only the usable
/// ones: the new key leaves such an entry unread.)
const NAMES: &str = "\0usable-names";

/// Every usable profile name, if the index holds them for files as they are now.
pub fn names(cache: &Cache, stamps: &Stamps) -> Result<Option<Vec<String>>> {
    let entry: Option<NamesEntry> = cache.read_derived(&stamps.key(NAMES), "names")?;
    Ok(entry
        .filter(|e| e.version == VERSION && e.stamps == *stamps)
        .map(|e| e.names))
}

pub fn record_names(cache: &Cache, stamps: &Stamps, names: &[&str]) {
    if !stamps.settled() {
        return;
    }
    let entry = NamesEntry {
        version: VERSION,
        stamps: stamps.clone(),
        names: names.iter().map(|n| n.to_string()).collect(),
    };
    let _ = cache.write_derived(&stamps.key(NAMES), "names", &entry);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(changed: i64) -> Stamp {
        Stamp {
            dev: 1,
            ino: 2,
            mode: 0o100600,
            size: 3,
            mtime: (changed, 0),
            ctime: (changed, 5),
        }
    }

    #[test]
    fn a_file_changed_just_now_is_not_trusted() {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let stamps = |s: Option<Stamp>| Stamps {
            paths: vec!["/a".into(), "/b".into()],
            stamps: vec![s, None],
        };
        assert!(stamps(Some(stamp(now - 60))).settled());
        assert!(!stamps(Some(stamp(now))).settled());
        assert!(!stamps(Some(stamp(now + 3600))).settled(), "a clock ahead");
        assert!(stamps(None).settled(), "no file: nothing to change unseen");
    }

    #[test]
    fn keys_follow_the_files() {
        let a = Stamps {
            paths: vec!["/a".into(), "/b".into()],
            stamps: vec![None, None],
        };
        let b = Stamps {
            paths: vec!["/a".into(), "/c".into()],
            stamps: vec![None, None],
        };
        assert_ne!(a.key("x"), b.key("x"));
        assert_ne!(a.key("x"), a.key("y"));
        assert_ne!(a.key("\0names"), a.key("names"));
    }
}
