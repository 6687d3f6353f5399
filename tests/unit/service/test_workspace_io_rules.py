"""The rules of working inside a workspace, without an engine: home paths, tar uploads, exec bounds and slots.

Execs run against the fake engine at the ``ContainerRuntime`` protocol (``conftest.FakeRuntime``); the slots'
claim across processes is held against a real second process.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from typing import Any

import pytest

from service.domain import home
from service.domain.errors import Conflict, Invalid, NotFound, TooMany
from service.domain.exec_slots import ExecSlots
from service.domain.execs import ExecResult, Execs, OutputText
from service.domain.tar_upload import clean
from service.domain.workspaces import Workspaces
from service.runtime import Output
from service.runtime.engines import EngineSet
from service.settings import Settings
from service.store import Store
from service.store import workspaces as workspace_rows


@pytest.mark.parametrize("raw, parts", [("a/b", ("a", "b")), ("./a//b/.", ("a", "b")), (".", ()), ("", ())])
def test_home_paths_are_split_once(raw: str, parts: tuple[str, ...]) -> None:
    assert home.components(raw) == parts
    assert home.absolute(parts) == "/".join(("/workspace", *parts))


@pytest.mark.parametrize("raw, words", [("/etc", "absolute"), ("a/../b", "'..'"), ("..", "'..'"),
                                        ("a\x00b", "NUL"), ("x" * 5000, "longer"), ("a/" + "é" * 200, "255 bytes")])
def test_home_paths_that_leave_or_hide_are_refused(raw: str, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        home.components(raw)


def test_working_folder_takes_both_spellings_of_the_home() -> None:
    assert home.working_folder(None) == "/workspace"
    assert home.working_folder("/workspace/src") == home.working_folder("src") == "/workspace/src"
    with pytest.raises(Invalid):
        home.working_folder("/workspacex")


def _tar(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, None if data is None else io.BytesIO(data))
    return out.getvalue()


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.uid, info.gid, info.uname = kind, link, mode, 0, 0, "root"
    return info


def test_a_clean_tar_is_rewritten_for_the_workspace_user() -> None:
    body = _tar((_info("./bin", tarfile.DIRTYPE, mode=0o000), None), (_info("bin/tool", mode=0o6755), b"#!x"),
                (_info("bin/same", tarfile.LNKTYPE, "bin/tool"), None), (_info("up", tarfile.SYMTYPE, "bin/.."), None))
    tidy = clean(body, "/workspace/dst", 1000, 1000, 10)
    assert (tidy.entries, tidy.size) == (4, 3)
    with tarfile.open(fileobj=io.BytesIO(tidy.data)) as tar:
        got = {m.name: (m.type, m.mode, m.uid, m.gid, m.uname, m.linkname) for m in tar.getmembers()}
    assert got == {"bin": (tarfile.DIRTYPE, 0o700, 1000, 1000, "", ""),
                   "bin/tool": (tarfile.REGTYPE, 0o755, 1000, 1000, "", ""),
                   "bin/same": (tarfile.LNKTYPE, 0o644, 1000, 1000, "", "bin/tool"),
                   "up": (tarfile.SYMTYPE, 0o644, 1000, 1000, "", "bin/..")}


@pytest.mark.parametrize("members, words", [
    ([(_info("a/../../x"), b"")], "'..'"),
    ([(_info("/abs"), b"")], "absolute"),
    ([(_info("blk", tarfile.BLKTYPE), None)], "device"),
    ([(_info("l", tarfile.SYMTYPE, "../../.."), None)], "leaves /workspace"),
    ([(_info("l", tarfile.SYMTYPE, "/workspace/../etc"), None)], "leaves /workspace"),
    ([(_info("h", tarfile.LNKTYPE, "/etc/shadow"), None)], "absolute"),
    ([(_info("h", tarfile.LNKTYPE, "later"), None), (_info("later"), b"")], "earlier file"),
    ([(_info("l", tarfile.SYMTYPE, "."), None), (_info("l/x"), b"")], "through a symbolic link"),
    ([(_info(f"f{i}"), b"") for i in range(4)], "more than 3 entries"),
])
def test_hostile_tar_entries_are_refused(members: list[Any], words: str) -> None:
    with pytest.raises(Invalid, match=words):
        clean(_tar(*members), "/workspace/dst", 1000, 1000, 3)


def test_links_already_in_the_folder_are_not_extracted_through() -> None:
    with pytest.raises(Invalid, match="through a symbolic link"):
        clean(_tar((_info("planted/passwd"), b"x")), "/workspace", 1000, 1000, 10, links=["planted"])
    assert clean(_tar((_info("planted"), b"x")), "/workspace", 1000, 1000, 10, links=["planted"]).entries == 1


def test_a_compressed_or_damaged_body_is_no_tar() -> None:
    with pytest.raises(Invalid, match="not an uncompressed tar"):
        clean(b"\x1f\x8b" + b"\x00" * 600, "/workspace", 1000, 1000, 10)


@pytest.fixture
def running(store: Store, settings: Settings) -> str:
    ws, _task = Workspaces(store, settings).create("alice", "box")
    with store.write() as conn:
        workspace_rows.change(conn, ws.id, 1.0, state="running", container_id="c" * 64)
    return ws.id


def _execs(store: Store, settings: Settings, runtime: Any, tmp_path: Any, **overrides: Any) -> Execs:
    tuned = Settings(**{**settings.__dict__, **overrides})
    return Execs(store, EngineSet({"default": runtime}), tuned, ExecSlots(str(tmp_path / "slots"), tuned.exec_concurrency))


def test_output_is_bounded_per_stream_and_decoded_across_pieces(store: Store, settings: Settings, fake_runtime: Any,
                                                               running: str, tmp_path: Any) -> None:
    fake_runtime.output = [Output("stdout", "é".encode()[:1]), Output("stdout", "é".encode()[1:] + b"abcdef"),
                           Output("stderr", b"err")]
    execs = _execs(store, settings, fake_runtime, tmp_path, exec_output_bytes=5)
    events = list(execs.start("alice", running, ["x"]).events())
    assert events[:2] == [OutputText("stdout", "éabc"), OutputText("stderr", "err")]
    result = events[-1]
    assert isinstance(result, ExecResult)
    assert (result.stdout, result.stdout_truncated, result.stderr, result.stderr_truncated) == ("éabc", True, "err", False)
    assert result.exit_code == 0 and result.timed_out is False
    spec = fake_runtime.execs[0].spec
    assert spec.cwd == "/workspace" and spec.cmd == ("x",) and len(spec.marker) == 32


def test_a_command_still_running_at_its_timeout_is_killed(store: Store, settings: Settings, fake_runtime: Any,
                                                           running: str, tmp_path: Any) -> None:
    fake_runtime.hang = True
    result = _execs(store, settings, fake_runtime, tmp_path).start("alice", running, ["sleep"], timeout_s=0.2).result()
    assert result.timed_out is True and result.exit_code is None and fake_runtime.execs[0].killed.is_set()


def test_a_silent_command_gives_heartbeats_only_when_asked(store: Store, settings: Settings, fake_runtime: Any,
                                                           running: str, tmp_path: Any) -> None:
    fake_runtime.hang = True
    execs = _execs(store, settings, fake_runtime, tmp_path)
    events = list(execs.start("alice", running, ["sleep"], timeout_s=0.5).events(heartbeat=0.1))
    assert None in events[:-1] and set(events[:-1]) == {None}
    assert isinstance(events[-1], ExecResult) and events[-1].timed_out is True


def test_slots_bound_the_commands_and_come_back(store: Store, settings: Settings, fake_runtime: Any,
                                                 running: str, tmp_path: Any) -> None:
    fake_runtime.hang = True
    execs = _execs(store, settings, fake_runtime, tmp_path, exec_concurrency=2)
    first, _second = execs.start("alice", running, ["a"]), execs.start("alice", running, ["b"])
    with pytest.raises(TooMany, match="already runs 2 commands") as refused:
        execs.start("alice", running, ["c"])
    assert refused.value.extensions == {"limit": 2}
    first.close()
    assert fake_runtime.execs[0].killed.is_set()  # closed before it ended: killed
    execs.start("alice", running, ["d"])


def test_refusals_before_the_engine_is_asked(store: Store, settings: Settings, fake_runtime: Any, running: str,
                                              tmp_path: Any) -> None:
    execs = _execs(store, settings, fake_runtime, tmp_path)
    with pytest.raises(NotFound):
        execs.start("bob", running, ["x"])
    with pytest.raises(Invalid, match="WORKSPACE_STDIN"):
        execs.start("alice", running, ["x"], env={"WORKSPACE_STDIN": "x"})
    with pytest.raises(Invalid, match="at most 600"):
        execs.start("alice", running, ["x"], timeout_s=601)
    pending, _task = Workspaces(store, settings).create("alice", "later")
    with pytest.raises(Conflict, match="this one is pending"):
        execs.start("alice", pending.id, ["x"])
    assert getattr(fake_runtime, "execs", []) == []


HOLD = """
import sys, time
from service.domain.exec_slots import ExecSlots
slots = ExecSlots(sys.argv[1], 1)
assert slots.acquire(sys.argv[2]) == 0
print("held", flush=True)
time.sleep(30)
"""


def test_a_slot_another_process_holds_is_taken_until_that_process_ends(tmp_path: Any) -> None:
    workspace = "ab" * 16
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "slots"), workspace],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        slots = ExecSlots(str(tmp_path / "slots"), 1)
        assert slots.acquire(workspace) is None
        assert slots.acquire("cd" * 16) == 0  # another workspace's slots are its own
        holder.kill()
        holder.wait(10)
        assert slots.acquire(workspace) == 0  # the kernel released the dead holder's lock
    finally:
        holder.kill()
        holder.wait(10)
