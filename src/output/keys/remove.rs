//! `aws-as keys remove NAME`: the keyring item deleted after a confirmation on the terminal
//! (`--yes` skips it), then `aws_as_keyring` and `aws_as_key_created` taken out of the profile,
//! and the cached sessions of the key dropped. The key itself stays active in IAM: deleting it
//! there is for IAM's console or `aws iam delete-access-key`.

use super::{ask_line, edit_config, keyring};
use crate::error::Result;
use crate::identity::{Config, KEY_CREATED, KEYRING_MARKER};
use crate::session::Connect;
use crate::session::cache::Cache;
use crate::session::keyring::item_name;

pub fn run(name: &str, yes: bool, connect: Connect) -> Result<String> {
    let config = Config::load()?;
    let marked = config.setting(name, KEYRING_MARKER);
    let fingerprint = config.identity(name).ok().map(|i| i.fingerprint());
    if !yes {
        let key = marked
            .as_deref()
            .map_or_else(String::new, |k| format!(" (key {k})"));
        let answer = ask_line(&format!(
            "Delete {name}'s keys{key} from the OS keyring ({})? The key stays active in IAM. [y/N] ",
            item_name(name)
        ))?;
        if !matches!(answer.as_str(), "y" | "Y" | "yes" | "YES" | "Yes") {
            bail!("nothing was deleted: {name}'s keys are still in the OS keyring");
        }
    }
    let sts = connect()?;
    let existed = keyring(&*sts)?.delete(name)?;
    if marked.is_some() {
        edit_config(name, &[], &[KEYRING_MARKER, KEY_CREATED])?;
    }
    if let Some(fp) = fingerprint.filter(|_| marked.is_some())
        && let Ok(dir) = Cache::default_dir()
    {
        let _ = Cache::open(dir).remove_where(|key| key.contains(&fp));
    }
    if !existed && marked.is_none() {
        bail!(
            "the OS keyring has no item {} and profile {name:?} names none: nothing to remove",
            item_name(name)
        );
    }
    Ok(format!(
        "aws-as: {} {} from the OS keyring{}\n",
        if existed { "deleted" } else { "found no" },
        item_name(name),
        if marked.is_some() {
            "; the profile no longer names it"
        } else {
            ""
        }
    ))
}
