"""The probe's description of a failed import, loaded from its file as the worker runs it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PROBE_FILE = Path(__file__).resolve().parents[4] / "healthcheck" / "in_target" / "import_probe.py"


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_probe_under_test", PROBE_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raise(code: str, filename: str) -> BaseException:
    try:
        exec(compile(code, filename, "exec"), {})
    except BaseException as exc:  # noqa: BLE001 - whatever the code raises is what the probe describes
        return exc
    raise AssertionError("the code did not raise")


def test_a_missing_module_in_the_chain_is_named(probe: ModuleType, tmp_path: Path) -> None:
    where = str(tmp_path / "app.py")
    exc = _raise("try:\n    import no_such_module_at_all\nexcept ImportError as e:\n    raise RuntimeError('need it') from e\n", where)
    info: dict[str, Any] = probe.describe("app", exc, {where})
    assert (info["exception"], info["message"], info["missing"]) == ("RuntimeError", "need it", "no_such_module_at_all")
    assert [frame[:2] for frame in info["frames"]] == [[where, 4]]
    assert info["ok"] is False


def test_partially_initialised_modules_and_syntax_errors(probe: ModuleType, tmp_path: Path) -> None:
    circular = ImportError("cannot import name 'X' from partially initialized module 'pkg' (most likely due to a circular import)")
    assert probe.describe("pkg.a", circular, set())["partial"] == "pkg"
    syntax = SyntaxError("invalid syntax", (str(tmp_path / "bad.py"), 3, 1, "def (:\n"))
    info = probe.describe("bad", syntax, set())
    assert info["syntax"] == [str(tmp_path / "bad.py"), 3]
    assert info["frames"] == []


def test_library_frames_are_left_out_and_names_are_qualified(probe: ModuleType) -> None:
    import json

    try:
        json.loads("{")
    except ValueError as exc:
        info = probe.describe("app", exc, set())
    assert info["exception"] == "json.decoder.JSONDecodeError"
    assert info["frames"] == []


def test_blocked_modules_raise_at_once(probe: ModuleType) -> None:
    blocker = probe.Blocker({"app.hangs": "it did not finish importing within 2 s"})
    assert blocker.find_spec("app.ok") is None
    with pytest.raises(ImportError) as caught:
        blocker.find_spec("app.hangs")
    info = probe.describe("app.user", caught.value, set())
    assert (info["exception"], info["blocked"]) == ("BlockedImport", "app.hangs")
    assert info["message"] == "app.hangs was not imported again: it did not finish importing within 2 s"


def test_messages_are_one_bounded_line(probe: ModuleType) -> None:
    assert probe.first_line("first\nsecond") == "first"
    assert probe.first_line("") == ""
    assert len(probe.first_line("x" * 2000)) == 500
    assert "import_probe_under_test" not in sys.modules  # loaded from its file, never as a package module
