"""Build a hostile repository at run time, and scan it in a subprocess as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

REPO = Path(__file__).resolve().parents[2]

CLEAN = {
    "pkg/__init__.py": "from pkg import a\n",
    "pkg/a.py": "import os\n\n\ndef f(x: int) -> int:\n    return x + len(os.sep)\n",
}


class Payload:
    """Unpickled by plain ``pickle``, this writes the marker file: the code a cache must never run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def make_repo(root: Path, files: Mapping[str, str | bytes] = CLEAN) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def hc(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``healthcheck ARGS`` with the suite's environment plus ``env``."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "healthcheck.cli", *args], cwd=cwd or REPO, env=full,
        capture_output=True, text=True, timeout=timeout,
    )


def scan_report(
    repo: Path, out: Path, *extra: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Scan ``repo`` (static checks only unless ``extra`` says otherwise) into ``out``; the run and its report."""
    if out.exists():
        out.unlink()
    proc = hc("scan", str(repo), "--format", "json", "--output", str(out), *extra, env=env, timeout=timeout)
    report = json.loads(out.read_text()) if out.exists() else {}
    return proc, report


def findings(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a user compares between two runs: every finding's id, check, path, line and message."""
    return sorted((f["id"], f["check"], f["path"], f["line"], f["message"]) for f in report.get("findings", []))
