//! The names `aws-as sso populate` gives the portal's accounts and roles, and the plan of a run:
//! what to add, change and remove. Pure: the portal's listing, the profiles the config file has,
//! and which of them this sso-session populated go in; the same inputs give the same names and
//! the same plan, in the same order.
//!
//! A name is `<account>.<role>`: the account's name and the role's, each lowercased, every
//! character outside `[a-z0-9._-]` made `-`, runs of `-` made one, `-` and `.` trimmed from the
//! ends (an account whose name leaves nothing is named by its id, a role by `role`). Such a name
//! is one word in every shell, starts with no `-`, and is a profile name the AWS parser accepts.
//! When two entries would get the same name, or the name is a profile someone else wrote, each
//! of them gets the account id after the account's part (`<account>-<id>.<role>`), then `-2`,
//! `-3`… in the order of account id and role name: the same names every run for the same portal
//! and the same hand-written profiles.

use std::collections::{BTreeMap, HashSet};

use crate::session::sso::Account;

/// The longest part (account or role) a name takes from the portal's names.
const MAX_PART: usize = 64;

/// `s` as a part of a profile name: lowercase, `[a-z0-9._-]` only, runs of `-` as one, no `-`
/// or `.` at either end, at most [`MAX_PART`] bytes.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let mut out = out.trim_matches(['-', '.']).to_string();
    if out.len() > MAX_PART {
        out.truncate(MAX_PART);
        out = out.trim_end_matches(['-', '.']).to_string();
    }
    out
}

/// A role the portal lists, as a profile to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub role: String,
}

/// Whether the portal's `id` is an AWS account id (12 digits): what aws-as writes as
/// `sso_account_id`, and what it reads back.
pub fn valid_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the portal's `role` can be written as `sso_role_name` as it is: an IAM role name
/// (letters, digits and `+=,.@_-`, at most 64). Anything else would be a value that no parser
/// reads back the same (a line break, a comment character, a blank at an end), and is no role
/// IAM can have.
pub fn valid_role_name(role: &str) -> bool {
    !role.is_empty()
        && role.len() <= 64
        && role
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// The profiles to write for `listing` (each account with its roles), sorted by name. `taken`
/// says whether a name belongs to a profile this run must not write (a hand-written one, another
/// sso-session's). Accounts and roles that cannot be written as they are were filtered out
/// before (see [`valid_account_id`], [`valid_role_name`]); a role listed twice counts once.
pub fn names(listing: &[(Account, Vec<String>)], taken: &dyn Fn(&str) -> bool) -> Vec<Wanted> {
    // Every (account, role) with the name it would like, sorted so ties break the same way.
    let mut entries: Vec<(String, String, String, &Account, &str)> = Vec::new();
    for (account, roles) in listing {
        let mut account_part = slug(&account.name);
        if account_part.is_empty() {
            account_part = account.id.clone();
        }
        let mut seen = HashSet::new();
        for role in roles {
            if !seen.insert(role.as_str()) {
                continue;
            }
            let mut role_part = slug(role);
            if role_part.is_empty() {
                role_part = "role".to_string();
            }
            entries.push((
                account_part.clone(),
                role_part,
                account.id.clone(),
                account,
                role,
            ));
        }
    }
    entries.sort_by(|a, b| (&a.0, &a.1, &a.2, a.4).cmp(&(&b.0, &b.1, &b.2, b.4)));
    let mut wanted_by: BTreeMap<String, usize> = BTreeMap::new();
    for (account_part, role_part, ..) in &entries {
        *wanted_by
            .entry(format!("{account_part}.{role_part}"))
            .or_default() += 1;
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    // The plain names first, so that an entry with a suffix never takes a plain one.
    let plain = |base: &str| wanted_by[base] == 1 && !taken(base);
    for (account_part, role_part, _, _, _) in &entries {
        let base = format!("{account_part}.{role_part}");
        if plain(&base) {
            used.insert(base);
        }
    }
    for (account_part, role_part, id, account, role) in &entries {
        let base = format!("{account_part}.{role_part}");
        let name = if plain(&base) {
            base
        } else {
            let with_id = format!("{account_part}-{id}.{role_part}");
            let mut name = with_id.clone();
            let mut n = 1;
            while used.contains(&name) || taken(&name) {
                n += 1;
                name = format!("{with_id}-{n}");
            }
            used.insert(name.clone());
            name
        };
        out.push(Wanted {
            name,
            account_id: id.clone(),
            account_name: account.name.clone(),
            role: role.to_string(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A profile this sso-session populated before, as the config file holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Existing {
    pub name: String,
    /// The values of the keys aws-as owns, as they are now (`None`: missing).
    pub values: BTreeMap<&'static str, Option<String>>,
}

/// What a run does: profiles added, changed (a key aws-as owns has another value now) and
/// removed (gone from the portal), and how many are as they should be. Each list sorted by name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub add: Vec<(Wanted, Vec<(&'static str, String)>)>,
    pub change: Vec<(Wanted, Vec<(&'static str, String)>)>,
    pub remove: Vec<String>,
    pub unchanged: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.change.is_empty() && self.remove.is_empty()
    }
}

/// The plan that turns `existing` (this session's profiles now) into `wanted`. `values` gives
/// the keys and values a profile for `w` must hold; `keep_region` says that a region already in
/// a profile stays (no `--region`): a region changed by hand is the user's.
pub fn plan(
    wanted: Vec<Wanted>,
    existing: &[Existing],
    values: &dyn Fn(&Wanted) -> Vec<(&'static str, String)>,
    keep_region: bool,
) -> Plan {
    let by_name: BTreeMap<&str, &Existing> =
        existing.iter().map(|e| (e.name.as_str(), e)).collect();
    let wanted_names: HashSet<String> = wanted.iter().map(|w| w.name.clone()).collect();
    let mut plan = Plan::default();
    for w in wanted {
        let all = values(&w);
        let Some(e) = by_name.get(w.name.as_str()) else {
            plan.add.push((w, all));
            continue;
        };
        let differs = all.iter().any(|(k, v)| {
            let now = e.values.get(k).cloned().flatten();
            if *k == "region" && keep_region {
                now.is_none_or(|r| r.is_empty())
            } else {
                now.as_deref() != Some(v.as_str())
            }
        });
        if differs {
            let set: Vec<(&'static str, String)> = all
                .into_iter()
                .filter(|(k, _)| {
                    !(*k == "region"
                        && keep_region
                        && e.values
                            .get(k)
                            .cloned()
                            .flatten()
                            .is_some_and(|r| !r.is_empty()))
                })
                .collect();
            plan.change.push((w, set));
        } else {
            plan.unchanged.push(w.name);
        }
    }
    plan.remove = existing
        .iter()
        .filter(|e| !wanted_names.contains(&e.name))
        .map(|e| e.name.clone())
        .collect();
    plan.remove.sort();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str) -> Account {
        Account {
            id: id.to_string(),
            name: name.to_string(),
            email: None,
        }
    }

    fn listing(entries: &[(&str, &str, &[&str])]) -> Vec<(Account, Vec<String>)> {
        entries
            .iter()
            .map(|(id, name, roles)| {
                (
                    account(id, name),
                    roles.iter().map(|r| r.to_string()).collect(),
                )
            })
            .collect()
    }

    fn name_list(w: &[Wanted]) -> Vec<&str> {
        w.iter().map(|w| w.name.as_str()).collect()
    }

    #[test]
    fn slugs_are_words_every_shell_and_the_profile_parser_take() {
        assert_eq!(slug("Production"), "production");
        assert_eq!(slug("My Team (EU) / Prod"), "my-team-eu-prod");
        assert_eq!(slug("AdministratorAccess"), "administratoraccess");
        assert_eq!(slug("--a__b..c--"), "a__b..c");
        assert_eq!(slug("$(rm -rf ~)"), "rm-rf");
        assert_eq!(slug("a\nb]\r\n[c = d'\"`;#"), "a-b-c-d");
        assert_eq!(slug("Produção ☃ Ünïcode"), "produ-o-n-code");
        assert_eq!(slug("ÄB"), "b");
        assert_eq!(slug("'\"$`"), "");
        assert_eq!(slug(&"x".repeat(500)).len(), MAX_PART);
        for hostile in [
            "$(touch /tmp/x)",
            "`id`",
            "a;b",
            "a b",
            "]\n[profile evil]",
            "a=b",
            "#c",
            "-rf",
            "\u{202e}rtl",
            "\0nul",
        ] {
            let s = slug(hostile);
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)),
                "{hostile:?} -> {s:?}"
            );
            assert!(!s.starts_with(['-', '.']) && !s.ends_with(['-', '.']));
        }
    }

    #[test]
    fn names_are_account_dot_role_sorted() {
        let l = listing(&[
            ("222222222222", "Prod", &["ReadOnly", "Admin"]),
            ("111111111111", "Dev", &["Admin"]),
        ]);
        let w = names(&l, &|_| false);
        assert_eq!(name_list(&w), ["dev.admin", "prod.admin", "prod.readonly"]);
        assert_eq!(w[1].account_id, "222222222222");
        assert_eq!(w[1].role, "Admin");
    }

    #[test]
    fn collisions_get_the_account_id_the_same_way_each_run() {
        let l = listing(&[
            ("222222222222", "Prod", &["Admin"]),
            ("111111111111", "prod", &["Admin", "admin", "Other"]),
            ("333333333333", "Dev", &["Admin"]),
            ("444444444444", "", &["Admin"]),
        ]);
        let taken = |n: &str| n == "dev.admin";
        let w = names(&l, &taken);
        assert_eq!(
            name_list(&w),
            [
                "444444444444.admin",
                "dev-333333333333.admin",
                "prod-111111111111.admin",
                "prod-111111111111.admin-2",
                "prod-222222222222.admin",
                "prod.other",
            ]
        );
        // The same portal listed in another order gives the same names.
        let mut reversed = l.clone();
        reversed.reverse();
        for (_, roles) in &mut reversed {
            roles.reverse();
        }
        assert_eq!(names(&reversed, &taken), w);
        // A role listed twice is one profile.
        let l = listing(&[("111111111111", "a", &["R", "R"])]);
        assert_eq!(name_list(&names(&l, &|_| false)), ["a.r"]);
    }

    #[test]
    fn a_suffixed_name_never_takes_a_plain_or_taken_one() {
        // "a-111111111111.r" is also what the second "a.r" would become: the plain one keeps it.
        let l = listing(&[
            ("111111111111", "a", &["r"]),
            ("111111111111", "A", &["r"]),
            ("222222222222", "a-111111111111", &["r"]),
        ]);
        let w = names(&l, &|n| n == "a-111111111111.r-2");
        let n = name_list(&w);
        let unique: HashSet<&&str> = n.iter().collect();
        assert_eq!(unique.len(), n.len(), "{n:?}");
        assert!(n.contains(&"a-111111111111.r"));
        assert!(!n.contains(&"a-111111111111.r-2"));
    }

    fn values(w: &Wanted) -> Vec<(&'static str, String)> {
        vec![
            ("sso_account_id", w.account_id.clone()),
            ("sso_role_name", w.role.clone()),
            ("region", "eu-west-1".to_string()),
        ]
    }

    fn existing(name: &str, account: &str, role: &str, region: Option<&str>) -> Existing {
        Existing {
            name: name.to_string(),
            values: [
                ("sso_account_id", Some(account.to_string())),
                ("sso_role_name", Some(role.to_string())),
                ("region", region.map(str::to_string)),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn a_plan_adds_changes_and_removes_only_what_differs() {
        let l = listing(&[
            ("111111111111", "a", &["r", "s"]),
            ("222222222222", "b", &["r"]),
        ]);
        let w = names(&l, &|_| false);
        let now = [
            existing("a.r", "111111111111", "r", Some("eu-west-1")),
            existing("a.s", "111111111111", "s", Some("us-east-2")), // region changed by hand
            existing("b.r", "999999999999", "r", Some("eu-west-1")), // another account now
            existing("gone.r", "333333333333", "r", Some("eu-west-1")),
        ];
        let p = plan(w.clone(), &now, &values, true);
        assert!(p.add.is_empty());
        assert_eq!(p.unchanged, ["a.r", "a.s"]);
        assert_eq!(p.change.len(), 1);
        assert_eq!(p.change[0].0.name, "b.r");
        assert!(p.change[0].1.iter().all(|(k, _)| *k != "region"));
        assert_eq!(p.remove, ["gone.r"]);
        // --region: the region is aws-as's to set.
        let p = plan(w.clone(), &now, &values, false);
        let changed: Vec<&str> = p.change.iter().map(|(w, _)| w.name.as_str()).collect();
        assert_eq!(changed, ["a.s", "b.r"]);
        // A profile whose region was deleted by hand gets one again.
        let now = [existing("a.r", "111111111111", "r", None)];
        let p = plan(w, &now, &values, true);
        assert_eq!(p.change.len(), 1);
        assert_eq!(
            p.add
                .iter()
                .map(|(w, _)| w.name.as_str())
                .collect::<Vec<_>>(),
            ["a.s", "b.r"]
        );
    }

    #[test]
    fn accounts_and_roles_that_cannot_be_written_are_recognised() {
        assert!(valid_account_id("012345678901"));
        assert!(!valid_account_id("01234567890"));
        assert!(!valid_account_id("01234567890a"));
        assert!(valid_role_name("AWSReservedSSO_Admin+x=y,z.w@v-u"));
        for bad in ["", "a b", "a\nb", "a#b", "a;b", "a]b", "ü", &"a".repeat(65)] {
            assert!(!valid_role_name(bad), "{bad:?}");
        }
    }
}
