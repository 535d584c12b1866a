//! `aws-as sso populate [SESSION] [--region R] [--dry-run]`: a profile in the config file for
//! every account and role the sign-in may use in the portal (ListAccounts, then ListAccountRoles
//! for each account), written with the discipline of `aws-as write`: every other byte of the file
//! unchanged, under the file's lock, atomically, the old file kept as a backup, each edit checked
//! (verify.rs) before it is written.
//!
//! A profile it writes is
//!
//! ```ini
//! [profile prod.administratoraccess]
//! sso_session = SESSION
//! sso_account_id = 111111111111
//! sso_role_name = AdministratorAccess
//! region = eu-west-1
//! aws_as_populated = SESSION
//! ```
//!
//! `aws_as_populated` ([`POPULATED`], which the SDKs ignore) marks it as this sso-session's: a run
//! changes and removes only profiles with that mark and that session, never a hand-written one (a
//! populated profile that would take a hand-written one's name gets another, naming.rs). aws-as
//! owns `sso_session`, `sso_account_id`, `sso_role_name` and the mark in such a profile, and sets
//! them each run; `region` it writes when it adds the profile and when `--region` is given, and
//! otherwise leaves a region changed by hand as it is. Any other key or comment put in the
//! profile stays while the portal lists its account and role; when it no longer does, the whole
//! profile goes (the backup keeps it).
//!
//! The plan (what is added, changed, removed) goes to stdout with `--dry-run`, and nothing is
//! written; the one-line summary goes to stderr.

use std::collections::BTreeMap;

use super::naming::{self, Existing, Plan, Wanted};
use super::verify::{Intent, check_header, readable, verify};
use crate::error::{Cause, Result};
use crate::identity::{Config, SsoSignIn, valid_region};
use crate::output::ini::edit;
use crate::output::ini::file::{self, Location, Which};
use crate::output::ini::model::{Document, config_header, config_profile, parse};
use crate::session::Connect;
use crate::session::cache::{Cache, warn};
use crate::session::mfa::Ask;
use crate::session::sso::{Account, SsoApi, token, valid_token};

/// The key that marks a profile `aws-as sso populate` wrote, its value the sso-session's name.
pub const POPULATED: &str = "aws_as_populated";

/// The keys of a populated profile aws-as sets each run (`region` apart: see the header).
const OWNED: [&str; 4] = ["sso_session", "sso_account_id", "sso_role_name", POPULATED];

/// `aws-as sso populate`.
pub fn run(
    config: &Config,
    sign_in: &SsoSignIn,
    region: Option<&String>,
    dry_run: bool,
    connect: Connect,
) -> Result<String> {
    let session = session_of(sign_in)?;
    let region_given = region;
    let region = match region {
        Some(r) if !valid_region(r) => {
            bail!("--region {r:?} is not an AWS region name (like eu-west-1): fix it")
        }
        Some(r) => r.clone(),
        None => sign_in.region.clone(),
    };
    let at = Location::of(Which::Config)?;
    // Everything that would refuse the write is checked before the portal is asked.
    check_file(&at)?;
    let text = file::read_at(&at)?.unwrap_or_default();
    readable(&at.path, &text)?;

    let client = connect()?;
    let listing = listing(client.sso(), sign_in)?;

    let settings = Settings {
        session: &session,
        region: &region,
        keep_region: region_given.is_none(),
    };
    if dry_run {
        let plan = plan_for(config, &at, &text, &listing, &settings)?;
        eprintln!(
            "aws-as: dry run of sso populate {session} for {}: {}; nothing written",
            at.path.display(),
            counts(&plan, "would add", "would change", "would remove")
        );
        return Ok(plan_text(&plan));
    }
    let _lock = file::lock(&at)?;
    check_file(&at)?;
    let old = file::read_at(&at)?;
    let text = old.as_deref().unwrap_or("");
    // The profile names as they are now, under the lock (the credentials file's too: a name
    // there is a profile as well).
    let config = Config::load()?;
    let plan = plan_for(&config, &at, text, &listing, &settings)?;
    if !plan.is_empty() {
        let new = apply(&at, text, &plan)?;
        file::replace(&at, &new, old.as_deref())?;
    }
    eprintln!(
        "aws-as: sso populate {session}: {} in {}",
        counts(&plan, "added", "changed", "removed"),
        at.path.display()
    );
    Ok(String::new())
}

/// What every profile of this run gets.
struct Settings<'a> {
    session: &'a str,
    region: &'a str,
    /// No `--region`: a region already in a profile stays.
    keep_region: bool,
}

/// The sso-session `sign_in` is, which populated profiles name: a legacy sign-in (a start URL in
/// the profile) has none to name.
fn session_of(sign_in: &SsoSignIn) -> Result<String> {
    let Some(session) = &sign_in.session else {
        bail!(
            "aws-as sso populate needs an [sso-session]: {} signs in with sso_start_url in the profile (the legacy form); add [sso-session NAME] with sso_start_url and sso_region (aws configure sso-session writes one) and populate from it",
            sign_in.start_url
        );
    };
    if session.is_empty()
        || !session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.@:+/".contains(c))
    {
        bail!(
            "the sso-session name {session:?} cannot be written as sso_session = … as it is: rename [sso-session {session}] to letters, digits and _ - . @ : + / only"
        );
    }
    Ok(session.clone())
}

/// Refuses a config file another user can write (or owns): aws-as would be writing profiles into
/// a file whose other profiles someone else decides.
fn check_file(at: &Location) -> Result<()> {
    let meta = match std::fs::metadata(&at.real) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) => return Ok(()), // the read that follows names the problem
    };
    if !meta.is_file() {
        // AWS_CONFIG_FILE=/dev/null reads as no config; a rename over it would replace the
        // device.
        bail!(
            "the AWS config file {} is not a regular file: point AWS_CONFIG_FILE at the file to populate",
            at.path.display()
        );
    }
    crate::private::check_owner(&at.path, &meta, "AWS config file", 0o022, "AWS_CONFIG_FILE")?;
    Ok(())
}

/// Every account with its roles, from the portal, with a token that lasts. A token the portal
/// refuses is dropped and the sign-in made again once (as for a role's credentials).
fn listing(api: &dyn SsoApi, sign_in: &SsoSignIn) -> Result<Vec<(Account, Vec<String>)>> {
    let cache = Cache::open(Cache::default_dir()?);
    let token = valid_token(api, &cache, sign_in, Ask::Terminal, None)?;
    match list_all(api, sign_in, &token.access_token) {
        Err(e) if e.cause() == Cause::SsoTokenRejected => {
            if token::read_token(sign_in)?.is_some_and(|t| t.access_token == token.access_token) {
                token::remove_token(sign_in)?;
            }
            let token = valid_token(
                api,
                &cache,
                sign_in,
                Ask::Terminal,
                Some(&token.access_token),
            )?;
            list_all(api, sign_in, &token.access_token)
        }
        result => result,
    }
}

fn list_all(
    api: &dyn SsoApi,
    sign_in: &SsoSignIn,
    access_token: &str,
) -> Result<Vec<(Account, Vec<String>)>> {
    let mut accounts = api.list_accounts(sign_in, access_token)?;
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    let mut out = Vec::with_capacity(accounts.len());
    for account in accounts {
        if !naming::valid_account_id(&account.id) {
            warn(&format!(
                "the portal lists an account whose id is not 12 digits ({} characters): skipped",
                account.id.chars().count()
            ));
            continue;
        }
        let mut roles = api.list_account_roles(sign_in, access_token, &account.id)?;
        let listed = roles.len();
        roles.retain(|r| naming::valid_role_name(r));
        if roles.len() < listed {
            warn(&format!(
                "the portal lists {} role(s) of account {} whose names are no IAM role names (written as they are they would be other lines of the file): skipped",
                listed - roles.len(),
                account.id
            ));
        }
        roles.sort();
        roles.dedup();
        out.push((account, roles));
    }
    Ok(out)
}

/// The profiles of the config file this session populated, as they are now.
fn existing(doc: &Document<'_>, session: &str) -> Vec<Existing> {
    doc.sections()
        .into_iter()
        .filter_map(|(header, s)| {
            let name = config_profile(&header)?;
            (doc.value(s, POPULATED) == Some(session)).then(|| Existing {
                name: name.to_string(),
                values: OWNED
                    .iter()
                    .chain(["region"].iter())
                    .map(|k| (*k, doc.value(s, k).map(str::to_string)))
                    .collect::<BTreeMap<_, _>>(),
            })
        })
        .collect()
}

/// The plan for the config file's `text`, the portal's `listing` and the profiles `config` knows.
fn plan_for(
    config: &Config,
    at: &Location,
    text: &str,
    listing: &[(Account, Vec<String>)],
    settings: &Settings<'_>,
) -> Result<Plan> {
    let (doc, _) = readable(&at.path, text)?;
    let ours = existing(&doc, settings.session);
    let ours_names: std::collections::HashSet<&str> =
        ours.iter().map(|e| e.name.as_str()).collect();
    let all: std::collections::HashSet<&str> = config.profile_names().into_iter().collect();
    // Every header of the file too: a profile aws-config would skip (a bare [name]) is still
    // someone's section.
    let headers: std::collections::HashSet<String> =
        doc.sections().into_iter().map(|(h, _)| h).collect();
    let taken = |name: &str| {
        !ours_names.contains(name) && (all.contains(name) || headers.contains(&config_header(name)))
    };
    let wanted = naming::names(listing, &taken);
    let values = |w: &Wanted| {
        vec![
            ("sso_session", settings.session.to_string()),
            ("sso_account_id", w.account_id.clone()),
            ("sso_role_name", w.role.clone()),
            ("region", settings.region.to_string()),
            (POPULATED, settings.session.to_string()),
        ]
    };
    let plan = naming::plan(wanted, &ours, &values, settings.keep_region);
    for (w, _) in plan.change.iter() {
        check_header(&at.path, &doc, &config_header(&w.name))?;
    }
    Ok(plan)
}

/// The new text: removed profiles taken out whole, changed ones set in place, new ones appended
/// in name order; checked before it is returned.
fn apply(at: &Location, text: &str, plan: &Plan) -> Result<String> {
    let (doc, parsed) = readable(&at.path, text)?;
    let mut new = text.to_string();
    for name in &plan.remove {
        let d = parse(&new);
        if let Some(next) = edit::remove_section(&d, &config_header(name)) {
            new = next;
        }
    }
    for (w, values) in &plan.change {
        let d = parse(&new);
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        new = edit::set(&d, &config_header(&w.name), &values, &[]);
    }
    let added: Vec<(String, Vec<(&str, &str)>)> = plan
        .add
        .iter()
        .map(|(w, values)| {
            (
                config_header(&w.name),
                values.iter().map(|(k, v)| (*k, v.as_str())).collect(),
            )
        })
        .collect();
    if !added.is_empty() {
        new = edit::append(&parse(&new), &added);
    }
    let set: Vec<(&str, Vec<(&str, &str)>)> = plan
        .add
        .iter()
        .chain(plan.change.iter())
        .map(|(w, values)| {
            (
                w.name.as_str(),
                values.iter().map(|(k, v)| (*k, v.as_str())).collect(),
            )
        })
        .collect();
    let intent = Intent {
        set,
        removed: plan.remove.iter().map(String::as_str).collect(),
    };
    verify(&at.path, &doc, &parsed, &new, &intent)?;
    Ok(new)
}

/// "3 added, 1 changed, 2 removed, 895 unchanged (901 profiles)".
fn counts(plan: &Plan, add: &str, change: &str, remove: &str) -> String {
    let total = plan.add.len() + plan.change.len() + plan.unchanged.len();
    format!(
        "{} {add}, {} {change}, {} {remove}, {} unchanged ({total} profiles)",
        plan.add.len(),
        plan.change.len(),
        plan.remove.len(),
        plan.unchanged.len()
    )
}

/// The plan as `--dry-run` prints it: a line per profile, `+` added, `~` changed, `-` removed,
/// `=` unchanged, with the account id and role of what is written.
fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    for (w, _) in &plan.add {
        out.push_str(&format!("+ {}\t{} {}\n", w.name, w.account_id, w.role));
    }
    for (w, _) in &plan.change {
        out.push_str(&format!("~ {}\t{} {}\n", w.name, w.account_id, w.role));
    }
    for name in &plan.remove {
        out.push_str(&format!("- {name}\n"));
    }
    for name in &plan.unchanged {
        out.push_str(&format!("= {name}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            email: None,
        }
    }

    #[test]
    fn existing_profiles_are_this_sessions_marked_ones() {
        let text = "[default]\nregion = x\n\n[profile a.r]\nsso_session = s\nsso_account_id = 111111111111\nsso_role_name = r\naws_as_populated = s\n\n[profile b.r]\naws_as_populated = other\n\n[profile c.r]\nsso_session = s\n";
        let e = existing(&parse(text), "s");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].name, "a.r");
        assert_eq!(e[0].values["sso_role_name"].as_deref(), Some("r"));
        assert_eq!(e[0].values["region"], None);
    }

    #[test]
    fn hostile_names_from_the_portal_never_reach_the_file_as_they_are() {
        let listing = vec![
            (
                account("111111111111", "]\n[profile evil]\nrole_arn = x"),
                vec!["Admin".to_string()],
            ),
            (
                account("222222222222", "$(touch /tmp/pwned) `id` 'q' \"q\""),
                vec!["Admin".to_string()],
            ),
            (account("333333333333", "=; #x"), vec!["R".to_string()]),
            (account("444444444444", "'\"$`\n"), vec!["R".to_string()]),
        ];
        let wanted = naming::names(&listing, &|_| false);
        let names: Vec<&str> = wanted.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "444444444444.r",
                "profile-evil-role_arn-x.admin",
                "touch-tmp-pwned-id-q-q.admin",
                "x.r"
            ]
        );
        let plan = naming::plan(
            wanted,
            &[],
            &|w| {
                vec![
                    ("sso_session", "s".into()),
                    ("sso_account_id", w.account_id.clone()),
                    ("sso_role_name", w.role.clone()),
                    (POPULATED, "s".into()),
                ]
            },
            true,
        );
        let added: Vec<(String, Vec<(&str, &str)>)> = plan
            .add
            .iter()
            .map(|(w, v)| {
                (
                    config_header(&w.name),
                    v.iter().map(|(k, v)| (*k, v.as_str())).collect(),
                )
            })
            .collect();
        let text = edit::append(&parse("[sso-session s]\nsso_region = eu-west-1\n"), &added);
        let doc = parse(&text);
        assert!(doc.check().is_ok());
        let headers: Vec<String> = doc.sections().into_iter().map(|(h, _)| h).collect();
        assert_eq!(
            headers,
            [
                "sso-session s",
                "profile 444444444444.r",
                "profile profile-evil-role_arn-x.admin",
                "profile touch-tmp-pwned-id-q-q.admin",
                "profile x.r"
            ]
        );
        assert!(!text.contains("role_arn ="));
    }

    fn settings() -> Settings<'static> {
        Settings {
            session: "s",
            region: "eu-west-1",
            keep_region: true,
        }
    }

    fn at() -> Location {
        Location {
            which: Which::Config,
            path: "/nonexistent/config".into(),
            real: "/nonexistent/config".into(),
        }
    }

    fn plan_of(text: &str, taken: &[&str], listing: &[(Account, Vec<String>)]) -> Plan {
        let (doc, _) = readable(&at().path, text).unwrap();
        let ours = existing(&doc, "s");
        let names: std::collections::HashSet<&str> = ours.iter().map(|e| e.name.as_str()).collect();
        let wanted = naming::names(listing, &|n| taken.contains(&n) && !names.contains(n));
        let s = settings();
        naming::plan(
            wanted,
            &ours,
            &|w| {
                vec![
                    ("sso_session", s.session.to_string()),
                    ("sso_account_id", w.account_id.clone()),
                    ("sso_role_name", w.role.clone()),
                    ("region", s.region.to_string()),
                    (POPULATED, s.session.to_string()),
                ]
            },
            s.keep_region,
        )
    }

    #[test]
    fn a_second_run_changes_only_what_changed_and_keeps_every_other_byte() {
        let hand = "# my config\r\n[default]\r\nregion = us-east-1 ; mine\r\n\r\n[profile a.r]\r\nregion = x\r\n\r\n[sso-session s]\r\nsso_start_url = https://x\r\nsso_region = eu-west-1\r\n";
        let one = |ids: &[(&str, &str)]| -> Vec<(Account, Vec<String>)> {
            ids.iter()
                .map(|(id, name)| (account(id, name), vec!["R".to_string()]))
                .collect()
        };
        let first = one(&[
            ("111111111111", "a"),
            ("222222222222", "b"),
            ("333333333333", "c"),
        ]);
        let plan = plan_of(hand, &["a.r", "default"], &first);
        let names: Vec<&str> = plan.add.iter().map(|(w, _)| w.name.as_str()).collect();
        assert_eq!(names, ["a-111111111111.r", "b.r", "c.r"]);
        let text = apply(&at(), hand, &plan).unwrap();
        assert!(text.starts_with(hand), "{text}");
        assert!(text.contains("\r\n[profile b.r]\r\nsso_session = s\r\nsso_account_id = 222222222222\r\nsso_role_name = R\r\nregion = eu-west-1\r\naws_as_populated = s\r\n"));
        // A hand edit in a populated profile: a key aws-as does not own, a region.
        let text = text.replace(
            "[profile c.r]\r\n",
            "[profile c.r]\r\n# note\r\noutput = json\r\n",
        );
        let text = text.replace(
            "sso_account_id = 222222222222\r\nsso_role_name = R\r\nregion = eu-west-1",
            "sso_account_id = 222222222222\r\nsso_role_name = R\r\nregion = ap-south-1",
        );
        // Again with the same portal: nothing to do.
        assert!(plan_of(&text, &["a.r", "default"], &first).is_empty());
        // b gone, d added: only those.
        let second = one(&[
            ("111111111111", "a"),
            ("333333333333", "c"),
            ("444444444444", "d"),
        ]);
        let plan = plan_of(&text, &["a.r", "default"], &second);
        assert_eq!(plan.remove, ["b.r"]);
        assert_eq!(plan.add.len(), 1);
        assert_eq!(plan.unchanged, ["a-111111111111.r", "c.r"]);
        let next = apply(&at(), &text, &plan).unwrap();
        assert!(next.starts_with(hand));
        assert!(!next.contains("[profile b.r]"));
        assert!(next.contains("[profile c.r]\r\n# note\r\noutput = json\r\n"));
        assert!(next.contains("[profile d.r]"));
        // c's account renamed in the portal: c.r goes, e.r comes; a hand-written profile's
        // bytes never move.
        let third = one(&[("111111111111", "a"), ("333333333333", "e")]);
        let plan = plan_of(&next, &["a.r", "default"], &third);
        assert_eq!(plan.remove, ["c.r", "d.r"]);
        let last = apply(&at(), &next, &plan).unwrap();
        assert!(last.starts_with(hand));
        assert!(!last.contains("output = json"));
    }

    #[test]
    fn a_file_neither_parser_reads_alike_is_refused() {
        let bad = "[profile a]\nregion = x\n[profile a]\nregion = y\n";
        let e = readable(&at().path, bad).err().unwrap().to_string();
        assert!(e.contains("refusing to edit the AWS config file"), "{e}");
        assert!(!e.contains('\n'));
    }
}
