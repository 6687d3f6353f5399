"""A repository cannot run code in healthcheck through a cache, nor change its findings with one.

Hostile cases, one test each: the default cache is kept outside the scanned
tree; a crafted cache the repository ships (and points ``cache_dir`` at) runs
nothing; a damaged or unusable cache gives the findings of a cold run.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from hostile.corpus import Payload, findings, make_repo, scan_report

from healthcheck.cache_store import default_cache_dir

STATIC = ("--only", "syntax-error", "--only", "names", "--only", "import-cycle", "--only", "duplicates")
FILES = {
    "pkg/__init__.py": "from pkg import a\n",
    "pkg/a.py": "from pkg import b\n\n\ndef f():\n    return time.time()\n",
    "pkg/b.py": "import pkg.a\n\n\ndef g(x):\n    return x + 1\n",
    "pkg/broken.py": "def (:\n",
}


def test_the_default_cache_is_outside_the_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    proc, report = scan_report(repo, tmp_path / "r.json", *STATIC, env=env)
    assert proc.returncode == 1, proc.stderr
    assert not (repo / ".healthcheck_cache").exists()
    assert sorted(p.name for p in repo.rglob("*")) == sorted({"pkg", *(Path(r).name for r in FILES)})
    kept = tmp_path / "xdg" / "healthcheck"
    (folder,) = kept.iterdir()
    assert folder.name.startswith("repo-") and list(folder.glob("facts-*.pickle"))
    _, warm = scan_report(repo, tmp_path / "r.json", *STATIC, env=env)
    assert findings(warm) == findings(report) and findings(report)


def test_cache_dir_and_its_variable_still_choose_the_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    scan_report(repo, tmp_path / "r.json", *STATIC, "--cache-dir", str(tmp_path / "flag"), env=env)
    assert list((tmp_path / "flag").glob("facts-*.pickle"))
    scan_report(repo, tmp_path / "r.json", *STATIC, env={**env, "HEALTHCHECK_CACHE_DIR": str(tmp_path / "var")})
    assert list((tmp_path / "var").glob("facts-*.pickle"))
    assert not (tmp_path / "xdg").exists()


def test_a_crafted_cache_shipped_in_the_repository_runs_nothing(tmp_path: Path) -> None:
    files = {**FILES, "pyproject.toml": '[tool.healthcheck]\ncache_dir = ".healthcheck_cache"\n'}
    repo = make_repo(tmp_path / "repo", files)
    _, cold = scan_report(repo, tmp_path / "cold.json", *STATIC, "--cache-dir", "none")
    scan_report(repo, tmp_path / "warm.json", *STATIC)  # learn the cache's file names
    kept = sorted((repo / ".healthcheck_cache").glob("*.pickle"))
    assert len(kept) >= 2  # the parse cache and at least one check's result
    marker = tmp_path / "marker"
    for path in kept:
        path.write_bytes(pickle.dumps(Payload(marker)))
    proc, hostile = scan_report(repo, tmp_path / "hostile.json", *STATIC)
    assert not marker.exists()
    assert proc.returncode == 1 and findings(hostile) == findings(cold)


def test_a_damaged_or_unusable_cache_gives_the_findings_of_a_cold_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    _, cold = scan_report(repo, tmp_path / "cold.json", *STATIC, "--cache-dir", "none")
    cache = tmp_path / "cache"
    scan_report(repo, tmp_path / "warm.json", *STATIC, "--cache-dir", str(cache))
    for n, path in enumerate(sorted(cache.glob("*.pickle"))):
        data = path.read_bytes()
        path.write_bytes([data[: len(data) // 2], os.urandom(512), b""][n % 3])
    proc, damaged = scan_report(repo, tmp_path / "damaged.json", *STATIC, "--cache-dir", str(cache))
    assert proc.returncode == 1 and findings(damaged) == findings(cold)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    proc, unusable = scan_report(repo, tmp_path / "fifo.json", *STATIC, "--cache-dir", str(fifo), timeout=60)
    assert proc.returncode == 1 and findings(unusable) == findings(cold)
    assert default_cache_dir(repo) != cache
