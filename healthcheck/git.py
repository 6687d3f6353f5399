"""Git, asked one way: one runner, the refs and worktrees ``diff`` needs, and the one rule for changed lines.

Two commands read what a change touched: ``healthcheck diff`` traces new findings
to the lines a change touched, and ``scan --diff-base`` measures the coverage of
those lines. They used to ask git each their own way and disagreed on deletions
and untracked files; here is the one rule both read (:func:`changed_lines`):

- the changed lines of a file are the added or rewritten lines on the new side
  of ``git diff -U0 BASE`` (the working tree against BASE, so uncommitted work
  counts);
- a file the change only deletes lines from, or deletes, is left out: it has no
  line on the new side to trace a finding to or to cover;
- a file git neither tracks nor ignores counts whole, whatever its name, when
  it is a regular file of at most :data:`~healthcheck.regular_file.TEXT_LIMIT`
  bytes (the tree is hostile input: a link to ``/dev/zero``, which git lists, is
  skipped, never read);
- paths are relative to the folder scanned, and only files under it count.

A git that is missing, hangs or refuses is a :class:`~healthcheck.errors.UsageError`
naming what needed it: nothing measured from a failed ``git diff`` is shown as
"nothing changed".
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from healthcheck.errors import UsageError
from healthcheck.regular_file import TEXT_LIMIT, read_regular_text

GIT_TIMEOUT = 120
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def run(cwd: Path, *args: str, purpose: str) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd``, as text; the caller reads the return code. ``purpose`` names who needs git."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise UsageError(f"git is not installed; {purpose} needs it") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"{purpose} needs git: {exc}") from None


def output(cwd: Path, *args: str, purpose: str) -> str:
    """What ``git ARGS`` printed; a failure is a UsageError with git's last line of complaint."""
    done = run(cwd, *args, purpose=purpose)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise UsageError(f"{purpose}: {last}")
    return done.stdout


def parse_diff(text: str) -> dict[str, set[int]]:
    """``git diff -U0`` output -> {path: added or changed line numbers on the new side}.

    A path whose hunks only delete keeps an empty set here; :func:`changed_lines` leaves it out.
    """
    changed: dict[str, set[int]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].strip()
            current = None if target == "/dev/null" else target[2:] if target.startswith("b/") else target
            if current is not None:
                changed.setdefault(current, set())
        elif current is not None:
            match = HUNK.match(line)
            if match:
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                changed[current].update(range(start, start + count))
    return changed


def changed_lines(root: Path, base: str, purpose: str) -> dict[str, set[int]]:
    """Lines of the working tree under ``root`` (paths relative to it) changed since ``base``, by the rule above."""
    diff = output(root, "diff", "-U0", "--no-color", "--no-ext-diff", "--relative", base, "--", ".",
                  purpose=purpose)
    changed = {path: lines for path, lines in parse_diff(diff).items() if lines}
    untracked = output(root, "ls-files", "--others", "--exclude-standard", "--", ".", purpose=purpose)
    for name in untracked.splitlines():
        try:
            count = len(read_regular_text(root / name, TEXT_LIMIT, errors="replace").splitlines())
        except OSError:  # gone, unreadable, too large, or no regular file: no lines to count
            continue
        changed[name] = set(range(1, count + 1))
    return changed


DIFF = "`healthcheck diff`"


def repository_of(root: Path) -> tuple[Path, str]:
    """The git top level holding ``root`` and ``root``'s path inside it ('' at the top)."""
    proc = run(root, "rev-parse", "--show-toplevel", purpose=DIFF)
    if proc.returncode != 0:
        raise UsageError(f"{root} is not inside a git repository; {DIFF} compares git refs")
    top = Path(proc.stdout.strip()).resolve()
    inside = root.resolve().relative_to(top).as_posix()
    return top, "" if inside == "." else inside


def resolve_ref(top: Path, ref: str) -> str:
    """The commit ``ref`` names; a missing ref, or one a shallow clone lacks, is a UsageError."""
    proc = run(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", purpose=DIFF)
    if proc.returncode == 0:
        return proc.stdout.strip()
    shallow = run(top, "rev-parse", "--is-shallow-repository", purpose=DIFF).stdout.strip() == "true"
    if shallow:
        raise UsageError(
            f"base {ref!r} is not in this shallow clone; fetch the history (git fetch --unshallow, "
            "or fetch-depth: 0 in CI)"
        )
    raise UsageError(f"base {ref!r} does not exist in this repository")


@contextmanager
def worktree(top: Path, commit: str) -> Iterator[Path]:
    """A detached checkout of ``commit`` in a temporary folder, removed on exit."""
    holder = Path(tempfile.mkdtemp(prefix="healthcheck-base-"))
    tree = holder / "tree"
    proc = run(top, "worktree", "add", "--detach", str(tree), commit, purpose=DIFF)
    if proc.returncode != 0:
        shutil.rmtree(holder, ignore_errors=True)
        raise UsageError(f"cannot check out {commit[:12]}: {proc.stderr.strip().splitlines()[-1:]}")
    try:
        yield tree
    finally:
        run(top, "worktree", "remove", "--force", str(tree), purpose=DIFF)
        shutil.rmtree(holder, ignore_errors=True)
        run(top, "worktree", "prune", purpose=DIFF)
