"""Write a proven plan into the user's tree, or nothing at all.

Before the first byte is written every touched file must still hold the text the plan was made from (else
the plan is stale), be writable, and every result must parse; a git work tree must have no uncommitted
changes to tracked files, and a tree outside git is written only with ``--force``, because then nothing can
undo the edit. Each file is replaced atomically, keeping its permissions and its line endings.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from healthcheck.errors import UsageError
from healthcheck.fix.cst_text import parses
from healthcheck.fix.model import FixPlan


def git_refusal(root: Path) -> str | None:
    """Why ``--apply`` needs ``--force`` here: not a git work tree, or one with uncommitted changes."""
    try:
        done = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return f"{root} is not a git work tree (git did not answer): --apply needs --force to write there"
    if done.returncode != 0:
        return f"{root} is not a git work tree: --apply needs --force to write where nothing can undo it"
    if done.stdout.strip():
        return "the git work tree has uncommitted changes: commit them first, or pass --force"
    return None


def apply_plan(root: Path, plan: FixPlan, force: bool) -> list[str]:
    """Write every repair of ``plan`` into ``root``; the paths written. Raises UsageError, having written nothing."""
    if not force:
        refusal = git_refusal(root)
        if refusal is not None:
            raise UsageError(refusal)
    results = plan.results()
    for rel, original in plan.originals().items():
        path = root / rel
        try:
            now = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {rel}: {exc}; nothing written") from None
        if now != original:
            raise UsageError(f"{rel} changed since the repairs were planned; nothing written (run fix again)")
        if not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise UsageError(f"{rel} is read-only; nothing written")
        if not parses(results[rel]):
            raise UsageError(f"the repair of {rel} would not parse; nothing written")
    for rel, text in results.items():
        _replace(root / rel, text)
    return sorted(results)


def _replace(path: Path, text: str) -> None:
    mode = path.stat().st_mode
    newline = "\r\n" if b"\r\n" in path.read_bytes() else ""  # the texts were read with universal newlines
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".fix")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            out.write(text)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
