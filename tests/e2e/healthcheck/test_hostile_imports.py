"""Code the import check runs cannot exhaust the host's memory: the worker's cap turns it into a finding."""

from __future__ import annotations

from pathlib import Path

from hostile.corpus import make_repo, scan_report


def test_a_module_that_allocates_10_gb_at_import_is_a_failure_not_a_pass(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {
        "pkg/__init__.py": "",
        "pkg/big.py": "blob = bytearray(10 * 1024 ** 3)\n",
        "pkg/small.py": "x = 1\n",
    })
    proc, report = scan_report(repo, tmp_path / "r.json", "--only", "import-failure", "--cache-dir", "none",
                               timeout=180)
    assert proc.returncode == 1, proc.stderr[-2000:]
    failures = {f["data"]["module"]: f["data"]["exception"] for f in report["findings"]
                if f["check"] == "import-failure"}
    assert failures == {"pkg.big": "MemoryError"}
