//! The "unknown identity" message, with the names nearest to what was typed.

/// How many known identities an "unknown identity" error lists: the message stays one line a
/// person can read, however many profiles the files hold.
const KNOWN_SHOWN: usize = 20;
/// How many near names an "unknown identity" error suggests.
const NEAR_SHOWN: usize = 5;

/// The "unknown identity" message: the nearest names (a typo, or part of a name), else every
/// name when they are few, else where to see them all.
pub(super) fn unknown(name: &str, known: &[&str]) -> String {
    let quoted = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if known.is_empty() {
        return format!(
            "unknown identity {name:?}: known identities are none: add profiles to ~/.aws/config and ~/.aws/credentials"
        );
    }
    let near = nearest(name, known);
    if let Some((last, rest)) = near.split_last() {
        let guesses = if rest.is_empty() {
            format!("{last:?}")
        } else {
            format!("{} or {last:?}", quoted(rest))
        };
        return format!(
            "unknown identity {name:?}: did you mean {guesses}? (aws-as list shows all {})",
            known.len()
        );
    }
    if known.len() <= KNOWN_SHOWN {
        return format!(
            "unknown identity {name:?}: known identities are {}",
            quoted(known)
        );
    }
    format!(
        "unknown identity {name:?}: no identity is named like it (aws-as list shows all {})",
        known.len()
    )
}

/// The known names nearest to `name`, nearest first: within a typo's reach (an edit for every
/// three characters, at least one), or holding what was typed.
fn nearest<'k>(name: &str, known: &[&'k str]) -> Vec<&'k str> {
    let typed = name.to_lowercase();
    let reach = (typed.chars().count() / 3).max(1);
    let mut near: Vec<(usize, &str)> = known
        .iter()
        .copied()
        .filter_map(|k| {
            let lower = k.to_lowercase();
            let d = edit_distance(&typed, &lower);
            (d <= reach || (typed.len() >= 3 && lower.contains(&typed))).then_some((d, k))
        })
        .collect();
    near.sort();
    near.into_iter().take(NEAR_SHOWN).map(|(_, k)| k).collect()
}

/// Levenshtein's distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
