"""Caches are input too: a forged, truncated, garbage or wrong-shaped cache runs nothing and changes nothing.

Each test puts a hostile file where the cache of a scan lives and checks two
things a user sees: no code ran (a marker file the payload would write does
not exist) and the facts or result are those of a cold run.
"""

from __future__ import annotations

import os
import pickle
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import pytest
from hostile.corpus import Payload, make_repo

from healthcheck.cache_store import default_cache_dir, read_pickle, write_pickle
from healthcheck.checks.base import CheckResult
from healthcheck.checks.result_cache import Stored, load_result, save_result
from healthcheck.config import Config
from healthcheck.model import Finding
from healthcheck.parse import FactsCache, FileFacts, ImportFact, parse_project
from healthcheck.project import discover

SOURCES = {
    "pkg/__init__.py": "from pkg import a\n",
    "pkg/a.py": "import os\nfrom pkg import b\n\ndef f():\n    return time.time()\n",
    "pkg/b.py": "def g(x: int) -> int:\n    return x + 1\n",
}


def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", SOURCES)


def _parse(root: Path, cache: Path | None) -> list[FileFacts]:
    facts, _ = parse_project(discover(root, Config()).files, cache_dir=cache)
    return facts


def _cache_file(cache: Path) -> Path:
    path = FactsCache(cache, (), "ruff").path
    assert path is not None
    return path


def _bounded(fn: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it has not returned in time."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return out[0]


@pytest.fixture(params=["ruff", "pyflakes"])
def names_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both names engines: the cache file's name depends on which one answered."""
    if request.param == "pyflakes":
        monkeypatch.setattr("healthcheck.parse.ruff_binary", lambda: None)
    return str(request.param)


def test_a_forged_parse_cache_runs_nothing_and_the_facts_are_a_cold_runs(tmp_path: Path, names_engine: str) -> None:
    root = _repo(tmp_path)
    cold = _parse(root, None)
    cache = tmp_path / "cache"
    _parse(root, cache)  # learn the file name this engine uses
    marker = tmp_path / "marker"
    (path,) = cache.glob("facts-*.pickle")
    path.write_bytes(pickle.dumps({"x": Payload(marker)}))
    pickle.loads(pickle.dumps(Payload(tmp_path / "proof")))
    assert (tmp_path / "proof").exists()  # the payload is real: plain pickle runs it
    assert _parse(root, cache) == cold
    assert not marker.exists()
    assert _parse(root, cache) == cold  # the rebuilt cache serves the same facts


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "empty", "a list", "wrong value type", "wrong field type", "key of another file",
     "missing field", "extra field", "unknown class"],
)
def test_a_damaged_parse_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    root = _repo(tmp_path)
    cold = _parse(root, None)
    cache = tmp_path / "cache"
    _parse(root, cache)
    path = next(cache.glob("facts-*.pickle"))
    good: dict[str, FileFacts] = pickle.loads(path.read_bytes())
    key, facts = next((k, v) for k, v in good.items() if v.rel == "pkg/a.py")
    bad: Any
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(4096))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        if damage == "a list":
            bad = [facts]
        elif damage == "wrong value type":
            bad = {**good, key: "facts"}
        elif damage == "wrong field type":
            sideways = ImportFact("os", (), 1, "import os", "sideways")  # type: ignore[arg-type]
            bad = {**good, key: replace(facts, imports=(sideways,))}
        elif damage == "key of another file":
            bad = {**good, key: replace(facts, sha="0" * 40)}
        elif damage == "missing field":
            broken = replace(facts)
            object.__delattr__(broken, "imports")
            bad = {**good, key: broken}
        elif damage == "extra field":
            grown = replace(facts)
            object.__setattr__(grown, "payload", 1)
            bad = {**good, key: grown}
        else:
            bad = {**good, key: replace(facts, extra={"x": Path("/")})}
        path.write_bytes(pickle.dumps(bad))
    assert _parse(root, cache) == cold
    assert _parse(root, cache) == cold


def test_a_parse_cache_that_is_a_fifo_or_a_link_to_dev_zero_is_a_cold_cache(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    cold = _parse(root, None)
    cache = tmp_path / "cache"
    cache.mkdir()
    path = _cache_file(cache)
    os.mkfifo(path)
    assert _bounded(lambda: _parse(root, cache)) == cold
    path.unlink()
    path.symlink_to("/dev/zero")
    assert _bounded(lambda: _parse(root, cache)) == cold


@pytest.mark.parametrize("kind", ["fifo", "file", "under a file", "link to /dev/full"])
def test_an_unusable_cache_folder_costs_only_speed(tmp_path: Path, kind: str) -> None:
    root = _repo(tmp_path)
    cold = _parse(root, None)
    if kind == "fifo":
        cache = tmp_path / "cache"
        os.mkfifo(cache)
    elif kind == "file":
        cache = tmp_path / "cache"
        cache.write_text("not a folder")
    elif kind == "under a file":
        (tmp_path / "plain").write_text("x")
        cache = tmp_path / "plain" / "cache"
    else:
        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full on this system")
        cache = tmp_path / "cache"
        cache.mkdir()
        _cache_file(cache).symlink_to("/dev/full")
    assert _bounded(lambda: _parse(root, cache)) == cold
    assert _bounded(lambda: _parse(root, cache)) == cold


def test_a_read_only_cache_folder_costs_only_speed(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    cold = _parse(root, None)
    if os.geteuid() == 0:
        cache = Path("/proc/healthcheck-cache")  # root writes through a read-only mode; /proc takes no folder
    else:
        cache = tmp_path / "cache"
        cache.mkdir()
        cache.chmod(0o500)
    assert _parse(root, cache) == cold
    assert not list(cache.glob("facts-*")) if cache.exists() else not cache.exists()


FINDING = Finding.create("import-cycle", "a -> b -> a", key="a>b", path="a.py", line=1, data={"modules": ["a", "b"]})


def test_a_forged_result_cache_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    (tmp_path / "demo-result.pickle").write_bytes(pickle.dumps(Payload(marker)))
    assert load_result(tmp_path, "demo", "k") is None
    (tmp_path / "demo-result.pickle").write_bytes(
        pickle.dumps(Stored("k", (FINDING,), {"m": Payload(marker)}, "", {}))
    )
    assert load_result(tmp_path, "demo", "k") is None
    assert not marker.exists()


@pytest.mark.parametrize(
    "stored",
    [
        {"key": "k", "findings": [], "metrics": {}, "detail": "", "extra": {}},  # the old layout
        Stored("k", [FINDING], {}, "", {}),  # type: ignore[arg-type]  # a list for a tuple
        Stored("k", (FINDING,), {}, 3, {}),  # type: ignore[arg-type]
        Stored("k", (replace(FINDING, severity="fatal"),), {}, "", {}),  # type: ignore[arg-type]
        Stored("k", (replace(FINDING, line="1"),), {}, "", {}),  # type: ignore[arg-type]
        Stored("k", (FINDING,), {"m": object()}, "", {}),
    ],
    ids=["dict", "list", "detail", "severity", "line", "object"],
)
def test_a_result_of_the_wrong_shape_is_a_result_never_kept(tmp_path: Path, stored: Any) -> None:
    (tmp_path / "demo-result.pickle").write_bytes(pickle.dumps(stored))
    assert load_result(tmp_path, "demo", "k") is None


def test_a_kept_result_round_trips_and_a_fifo_is_no_hang(tmp_path: Path) -> None:
    save_result(tmp_path, "demo", "k", CheckResult(findings=[FINDING], metrics={"n": 1.5}, detail="d"))
    loaded = load_result(tmp_path, "demo", "k")
    assert loaded is not None and loaded.findings == [FINDING] and loaded.metrics == {"n": 1.5}
    (tmp_path / "demo-result.pickle").unlink()
    os.mkfifo(tmp_path / "demo-result.pickle")
    assert _bounded(lambda: load_result(tmp_path, "demo", "k")) is None
    save_result(tmp_path, "demo", "k", CheckResult(findings=[FINDING]))  # replaces the FIFO
    assert _bounded(lambda: load_result(tmp_path, "demo", "k")) is not None


def test_shared_structure_cannot_make_the_check_run_forever(tmp_path: Path) -> None:
    # 60 levels of a list holding the same list twice: 2**60 paths, 60 objects.
    nested: list[Any] = []
    for _ in range(60):
        nested = [nested, nested]
    path = tmp_path / "demo-result.pickle"
    path.write_bytes(pickle.dumps(Stored("k", (), {"deep": nested}, "", {})))
    assert _bounded(lambda: load_result(tmp_path, "demo", "k")) is not None


def test_read_pickle_builds_only_the_allowed_classes(tmp_path: Path) -> None:
    path = tmp_path / "x.pickle"
    write_pickle(path, {"a": (1, 2.5, "s", b"b", None, frozenset({1}))})
    assert read_pickle(path, ()) == {"a": (1, 2.5, "s", b"b", None, frozenset({1}))}
    write_pickle(path, Path("/"))
    assert read_pickle(path, ()) is None
    assert read_pickle(path, (type(Path("/")),)) == Path("/")


def test_the_default_cache_folder_is_outside_the_tree_and_one_per_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    one = default_cache_dir(tmp_path / "a" / "repo")
    other = default_cache_dir(tmp_path / "b" / "repo")
    assert one.parent == other.parent == tmp_path / "xdg" / "healthcheck"
    assert one != other and one.name.startswith("repo-")
    assert default_cache_dir(tmp_path / "a" / "." / "repo") == one
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    assert default_cache_dir(tmp_path / "repo").parent == Path.home() / ".cache" / "healthcheck"
