"""``PUT``/``GET /api/workspaces/{id}/files`` against a real engine: what lands in the home, what comes back,
and what a hostile path or archive gets instead."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import pytest

OCTETS = "application/octet-stream"
TAR = "application/x-tar"


@pytest.fixture
def ws(api: Any) -> dict[str, Any]:
    return dict(api.wait_state(api.create("files-here")["id"], {"running"}))


def _put(api: Any, ws: dict[str, Any], path: str, data: bytes, kind: str = OCTETS) -> Any:
    return api.client.put(f"/api/workspaces/{ws['id']}/files", query_string={"path": path}, data=data,
                          headers={**api.headers, "Content-Type": kind})


def _get(api: Any, ws: dict[str, Any], path: str) -> Any:
    return api.get(f"/api/workspaces/{ws['id']}/files", query_string={"path": path})


def _sh(docker_client: Any, ws: dict[str, Any], script: str) -> str:
    code, out = docker_client.containers.get(ws["container_id"]).exec_run(["sh", "-c", script], user="1000:1000")
    return str(out.decode())


def _tar(*entries: tarfile.TarInfo | tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for entry in entries:
            if isinstance(entry, tuple):
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                tar.addfile(info, io.BytesIO(entry[1]))
            else:
                tar.addfile(entry)
    return out.getvalue()


def _special(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def test_a_file_goes_in_and_comes_back_unchanged(api: Any, ws: dict[str, Any], docker_client: Any) -> None:
    data = bytes(range(256)) * 4096 + b"\x00end"  # 1 MiB and a bit, every byte value
    answer = _put(api, ws, "deep/er/file.bin", data)
    assert answer.status_code == 201 and answer.get_json() == {"path": "deep/er/file.bin", "size": len(data)}
    assert _sh(docker_client, ws, "stat -c '%u:%g %a %s' deep/er/file.bin deep/er") == \
        f"1000:1000 644 {len(data)}\n1000:1000 755 4096\n"
    back = _get(api, ws, "deep/er/file.bin")
    assert back.status_code == 200 and back.mimetype == OCTETS and back.data == data
    again = _put(api, ws, "deep/er/file.bin", b"shorter")
    assert again.status_code == 201, again.get_json()
    assert _get(api, ws, "./deep//er/file.bin").data == b"shorter"


def test_a_folder_goes_in_as_a_tar_and_comes_back_as_one(api: Any, ws: dict[str, Any], docker_client: Any) -> None:
    link = _special("proj/here", tarfile.SYMTYPE, "src/a.py")
    body = _tar(("proj/src/a.py", b"print(1)\n"), ("proj/README", b"hi\n"), link)
    answer = _put(api, ws, "work", body, TAR)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json() == {"path": "work", "size": 12, "entries": 3}
    assert _sh(docker_client, ws, "cat work/proj/here; stat -c %u work/proj/src/a.py") == "print(1)\n1000\n"
    back = _get(api, ws, "work/proj")
    assert back.status_code == 200 and back.mimetype == TAR
    with tarfile.open(fileobj=io.BytesIO(back.data)) as tar:
        names = {m.name: m for m in tar.getmembers()}
        assert {"proj/src/a.py", "proj/README", "proj/here"} <= set(names)
        assert names["proj/here"].issym() and names["proj/here"].linkname == "src/a.py"
        content = tar.extractfile("proj/src/a.py")
        assert content is not None and content.read() == b"print(1)\n"


def test_owners_modes_and_types_of_an_archive_are_not_kept(api: Any, ws: dict[str, Any], docker_client: Any) -> None:
    root_owned = tarfile.TarInfo("setuid")
    root_owned.uid = root_owned.gid = 0
    root_owned.mode = 0o4755
    root_owned.size = 2
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        tar.addfile(root_owned, io.BytesIO(b"#!"))
    assert _put(api, ws, ".", out.getvalue(), TAR).status_code == 201
    assert _sh(docker_client, ws, "stat -c '%u:%g %a' setuid") == "1000:1000 755\n"


@pytest.mark.parametrize("entry, words", [
    (("../escape", b"x"), "'..'"),
    (("/etc/passwd", b"x"), "absolute"),
    (_special("dev", tarfile.CHRTYPE), "device"),
    (_special("fifo", tarfile.FIFOTYPE), "device"),
    (_special("out", tarfile.SYMTYPE, "../../etc"), "leaves /workspace"),
    (_special("out", tarfile.SYMTYPE, "/etc"), "leaves /workspace"),
    (_special("hard", tarfile.LNKTYPE, "etc/passwd"), "hard link"),
])
def test_hostile_archive_entries_are_refused_and_nothing_is_written(
        api: Any, ws: dict[str, Any], docker_client: Any, entry: Any, words: str) -> None:
    body = _tar(("before", b"x"), entry)
    answer = _put(api, ws, "x", body, TAR)
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert words in answer.get_json()["detail"]
    assert _sh(docker_client, ws, "ls -A x") == ""


def test_an_archive_entry_through_a_link_is_refused(api: Any, ws: dict[str, Any], docker_client: Any) -> None:
    own = _tar(_special("lnk", tarfile.SYMTYPE, "."), ("lnk/f", b"x"))
    assert "runs through a symbolic link" in _put(api, ws, "a", own, TAR).get_json()["detail"]
    _sh(docker_client, ws, "mkdir b && ln -s /etc b/etc")
    planted = _tar(("etc/passwd", b"root::0:0::/:/bin/sh\n"))
    answer = _put(api, ws, "b", planted, TAR)
    assert answer.status_code == 422 and "runs through a symbolic link" in answer.get_json()["detail"]


def test_a_link_the_tenant_planted_is_never_followed(api: Any, ws: dict[str, Any], docker_client: Any) -> None:
    _sh(docker_client, ws, "ln -s /etc etc && ln -s /etc/passwd passwd && mkdir d && ln -s .. d/up")
    for path in ("etc/passwd", "passwd", "d/up/etc/passwd", "etc"):
        got = _get(api, ws, path)
        assert got.status_code == 422 and "symbolic link" in got.get_json()["detail"], path
    assert _put(api, ws, "etc/new", b"x").status_code == 422
    assert _put(api, ws, "passwd", b"x").status_code == 422
    assert _put(api, ws, "etc", _tar(("x", b"y")), TAR).status_code == 422
    assert "workspace" in _sh(docker_client, ws, "cat /etc/passwd")


def test_refusals_and_limits(make_api: Any, docker_client: Any) -> None:
    api = make_api(upload_max_bytes=20000)  # a tar is 10240 bytes at the least
    ws = api.wait_state(api.create("limits")["id"], {"running"})
    cases = [
        (_put(api, ws, "big", b"x" * 20001), 413, "Content Too Large"),
        (_put(api, ws, "f", b"x", "text/plain"), 415, "application/x-tar"),
        (_put(api, ws, "", b"x"), 422, "must name a file"),
        (_put(api, ws, "/etc/x", b"x"), 422, "not absolute"),
        (_put(api, ws, "a/../../x", b"x"), 422, "'..'"),
        (_put(api, ws, "t", b"not a tar", TAR), 422, "not an uncompressed tar"),
        (_get(api, ws, "absent/file"), 404, "no file or folder absent"),
        (api.get(f"/api/workspaces/{ws['id']}/files"), 422, "path is required"),
    ]
    for answer, status, words in cases:
        assert answer.status_code == status and answer.content_type == "application/problem+json", answer.data
        assert words in json.dumps(answer.get_json()), answer.get_json()
    assert _put(api, ws, "dir/f", b"x").status_code == 201
    assert _put(api, ws, "dir", b"x").status_code == 409
    assert _put(api, ws, "dir/f", _tar(("x", b"y")), TAR).status_code == 409
    other = api.issue("bob")
    assert api.get(f"/api/workspaces/{ws['id']}/files?path=dir/f",
                   headers={"Authorization": f"Bearer {other}"}).status_code == 404
    api.wait_task(api.post(f"/api/workspaces/{ws['id']}/stop").get_json()["task_id"])
    assert _get(api, ws, "dir/f").status_code == 409
