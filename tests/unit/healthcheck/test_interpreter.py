"""What healthcheck learns of the repository's interpreter, and the one line it says when that is no interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from healthcheck.errors import UsageError
from healthcheck.interpreter import inspect


def _script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body)
    path.chmod(0o755)
    return str(path)


def test_healthcheck_s_own_interpreter_is_ours_and_has_every_engine() -> None:
    found = inspect(sys.executable)
    assert found.ours and found.version[:2] == sys.version_info[:2]
    assert {"pytest", "coverage", "mypy"} <= set(found.engines)


def test_a_venv_on_the_same_base_binary_is_not_ours(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    assert python.resolve() == Path(sys.executable).resolve() or python.is_symlink()
    found = inspect(str(python))
    assert not found.ours
    assert found.engines == {}  # a bare venv has no pytest, coverage.py or mypy
    assert found.prefix == str(tmp_path / "venv")


@pytest.mark.parametrize(
    ("name", "body", "said"),
    [
        ("missing", None, "no such file"),
        ("not-executable", "print(1)\n", "is not executable"),
        ("text", "#!/bin/sh\necho hello\n", "is not a working Python interpreter (exit 0: hello)"),
        ("fails", "#!/bin/sh\necho broken interpreter >&2\nexit 3\n",
         "is not a working Python interpreter (exit 3: broken interpreter)"),
        ("python2", '#!/bin/sh\necho \'{"version": [2, 7, 18]}\'\n',
         "is Python 2.7.18; healthcheck needs the repository's interpreter to be Python 3.9 or newer"),
        ("python38", '#!/bin/sh\necho \'{"version": [3, 8, 10], "prefix": "/x", "executable": "/x"}\'\n',
         "is Python 3.8.10; healthcheck needs the repository's interpreter to be Python 3.9 or newer"),
    ],
)
def test_what_is_no_usable_interpreter_is_one_line(tmp_path: Path, name: str, body: str | None, said: str) -> None:
    path = tmp_path / name
    if body is not None:
        path.write_text(body)
        path.chmod(0o644 if name == "not-executable" else 0o755)
    with pytest.raises(UsageError) as caught:
        inspect(str(path))
    assert str(caught.value) == f"--python {path}: {said}"


def test_a_folder_and_a_venv_whose_base_interpreter_was_removed(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory, not an interpreter"):
        inspect(str(tmp_path))
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(tmp_path / "gone" / "python3")  # what a venv is after its base is uninstalled
    with pytest.raises(UsageError, match="no such file"):
        inspect(str(venv / "python"))
