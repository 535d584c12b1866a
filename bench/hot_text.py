"""Writes build/hot-text.ld from callgrind profiles of cache hits (bench/hot-text runs it).

The script names, as section patterns, every function a hit ran, so the linker puts them side by
side in one `.text.hot` output section before `.text`: a hit then touches a few 64 KiB
fault-around windows of code instead of one for every corner of a 2 MiB `.text` it visits.

    python3 bench/hot_text.py OUT.ld CALLGRIND.OUT...

Patterns outlive a rebuild: a Rust function's section is `.text.<mangled name>`, and the parts of
that name that change with the compiler or Cargo.lock (the legacy `17h<hash>E` suffix, the v0
`Cs<hash>_` crate disambiguators) become `*`. They also outlive moving aws-as's own code between
modules (its names are legacy-mangled): the module path becomes `*`, leaving the crate and the
function's name, with its type for a method (`Cache::read`) and its function for a closure; a
path inside another name (`<aws_as::session::index::Stamps as PartialEq>::eq`) keeps only the
type's name. Renaming a function still makes its pattern stale. glibc's functions have no section
of their own, so they are named by their member of libc.a. An ifunc'd string function is taken
with every AVX2, EVEX and AVX-512 variant of it: valgrind's CPU has no AVX-512, so the variant it
ran is not always the one this machine's CPU would pick.
"""

import re
import subprocess
import sys


def executed(paths):
    names = []
    for path in paths:
        with open(path) as f:
            for line in f:
                m = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
                if m and m.group(1) not in names:
                    names.append(m.group(1))
    return names


def libc_members():
    libc = subprocess.run(
        ["cc", "-print-file-name=libc.a"], capture_output=True, text=True, check=True
    ).stdout.strip()
    nm = subprocess.run(
        ["nm", "-A", "--defined-only", libc], capture_output=True, text=True, check=True
    ).stdout
    defined, members = {}, set()
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) < 3 or ":" not in parts[0]:
            continue
        member = parts[0].split(":")[1]
        members.add(member)
        if parts[-2] in "TtWwi":
            defined.setdefault(parts[-1], member)
    return defined, sorted(members)


CRATE = "aws_as"
CLOSURE = "_$u7b$$u7b$closure$u7d$$u7d$"
# A module path of the crate written inside another name: `aws_as..session..index..`.
OWN_PATH = re.compile(re.escape(CRATE) + r"\.\.(?:[a-z_][a-z0-9_]*\.\.)*")


def legacy_parts(name):
    """The length-prefixed parts of a legacy name `_ZN<len><part>...17h*`, or None."""
    rest, parts = name[len("_ZN"):], []
    while not rest.startswith("17h"):
        m = re.match(r"\d+", rest)
        if not m:
            return None
        start = m.end()
        end = start + int(m.group())
        if end > len(rest):
            return None
        parts.append(rest[start:end])
        rest = rest[end:]
    return parts if rest == "17h*" else None


def own_paths_free(pattern):
    """`pattern` (a legacy name, its hash already `*`) with aws-as's module paths made `*`."""
    parts = legacy_parts(pattern)
    if parts is None or not any(CRATE in p for p in parts):
        return pattern
    if parts[0] == CRATE:
        # Keep the function, its closure if any, and a method's type: `Cache::read`, not
        # `session::cache::Cache::read`.
        keep = len(parts) - 1
        while keep > 1 and (parts[keep] == CLOSURE or parts[keep - 1][:1].isupper()):
            keep -= 1
        tail = "".join(f"{len(p)}{p}" for p in parts[keep:])
        return f"_ZN{len(CRATE)}{CRATE}*{tail}17h*"
    # A name holding paths of the crate (a trait impl, a generic's argument): the paths become
    # `*`, and so does the length before the part holding them.
    out = []
    for p in parts:
        if CRATE in p:
            out.append("*" + OWN_PATH.sub(CRATE + "..*", p))
        else:
            out.append(f"{len(p)}{p}")
    return "_ZN" + "".join(out) + "17h*"


VARIANT = re.compile(r"^([a-z0-9_]+?)-(sse2|ssse3|sse4|avx|evex)")


def patterns(names):
    defined, members = libc_members()
    rust, libc = [], []

    def add(lst, item):
        if item not in lst:
            lst.append(item)

    for name in names:
        if name.startswith("_ZN"):
            add(rust, own_paths_free(re.sub(r"17h[0-9a-f]{16}E$", "17h*", name)))
        elif name.startswith("_R"):
            add(rust, re.sub(r"Cs[0-9A-Za-z]+_", "Cs*_", name))
        elif name in defined:
            member = defined[name]
            add(libc, member)
            variant = VARIANT.match(member)
            if variant:
                for other in members:
                    if other.startswith(variant.group(1) + "-") and re.search(r"-(avx|evex)", other):
                        add(libc, other)
    return rust, libc


def main():
    out, profiles = sys.argv[1], sys.argv[2:]
    rust, libc = patterns(executed(profiles))
    lines = [
        "/* Generated by bench/hot-text from callgrind profiles of cache hits: do not edit.",
        "   The functions a hit runs, in one output section before .text (build.rs links",
        "   aws-as with it; docs/PERFORMANCE.md says what it saves). A pattern that matches",
        "   nothing is harmless; tests/linking.rs fails when too many have gone stale",
        "   (then run `bash bench/hot-text`, which needs valgrind). */",
        "SECTIONS",
        "{",
        "  .text.hot :",
        "  {",
        "    *crt1.o(.text .text.*)",
    ]
    lines += [f"    *libc.a:{m}(.text .text.*)" for m in libc]
    # LLVM puts a function it thinks cold (a #[cold] one such as RawVec's grow_one) in
    # .text.unlikely.<name>, and a hit still runs some of them.
    lines += [f"    *(.text.{p} .text.unlikely.{p})" for p in rust]
    lines += ["  }", "}", "INSERT BEFORE .text;", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print(f"{out}: {len(rust)} Rust patterns, {len(libc)} libc members", file=sys.stderr)


if __name__ == "__main__":
    main()
