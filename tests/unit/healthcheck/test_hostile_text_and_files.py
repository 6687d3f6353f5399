"""The small guards every reader and writer shares: regular files only, text safe for its destination, shapes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest

from healthcheck.regular_file import RefusedFile, read_regular, read_regular_text
from healthcheck.safe_text import console_line, console_text, encodable, for_xml, one_line
from healthcheck.shape import Checker, Mismatch, conforms, record_classes


def test_only_a_regular_file_within_its_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_regular(path, 10) == b"x" * 10
    with pytest.raises(RefusedFile, match=r"larger than 0 KiB"):
        read_regular(path, 9)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(RefusedFile, match=r"^not a regular file \(a FIFO\)$"):
        read_regular(tmp_path / "fifo", 10)
    with pytest.raises(RefusedFile, match=r"a directory"):
        read_regular(tmp_path, 10)
    (tmp_path / "zero").symlink_to("/dev/zero")
    with pytest.raises(RefusedFile, match=r"a character device"):
        read_regular(tmp_path / "zero", 10)
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing", 10)
    path.write_bytes(b"\xff")
    assert read_regular_text(path, 10, errors="replace") == "\ufffd"
    with pytest.raises(UnicodeDecodeError):
        read_regular_text(path, 10)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\n::error title=x::forged", "a\\x0a::error title=x::forged"),
        ("::stop-commands::tok", "\\::stop-commands::tok"),
        ("  ##[error]x", "  \\##[error]x"),
        ("##vso[task.setvariable]x", "\\##vso[task.setvariable]x"),
        ("t\x1b]0;owned\x07", "t\\x1b]0;owned\\x07"),
        ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),
        ("rtl\u202eevil", "rtl\\u202eevil"),
        ("lone \udcff", "lone \\udcff"),
        ("tab\tstays", "tab\tstays"),
        ("plain: a::b", "plain: a::b"),
    ],
)
def test_a_console_line_shows_controls_and_starts_no_runner_command(raw: str, shown: str) -> None:
    assert console_line(raw) == shown


def test_text_for_files_and_multi_line_consoles() -> None:
    assert console_text("ok\n::error::x\n\x1b[2J") == "ok\n\\::error::x\n\\x1b[2J"
    assert encodable("a\udcffb\ud800") == "a\ufffdb\ufffd"
    assert for_xml("a\x00b\x1bc\td\ne\udcff\uffff") == "a\ufffdb\ufffdc\td\ne\ufffd\ufffd"
    assert one_line("a\nb\r\nc\u2028d") == "a\\x0ab\\x0d\\x0ac\\u2028d"


class Point(NamedTuple):
    x: int
    tags: tuple[str, ...]
    kind: Literal["a", "b"]
    weight: float | None


ALLOWED = record_classes([Point])


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (Point(1, ("t",), "a", 0.5), True),
        (Point(1, (), "b", 2), True),  # an int is a float too
        (Point(1, (), "b", None), True),
        (Point(True, (), "a", None), False),  # a bool is no int here
        (Point(1, ("t", 2), "a", None), False),  # type: ignore[arg-type]
        (Point(1, (), "c", None), False),  # type: ignore[arg-type]
        (Point(1, [], "a", None), False),  # type: ignore[arg-type]
        ((1, (), "a", None), False),
    ],
)
def test_a_record_conforms_only_with_every_field_of_its_declared_type(value: Any, ok: bool) -> None:
    assert conforms(value, Point, ALLOWED) is ok


def test_containers_and_plain_data() -> None:
    assert conforms({"a": [1, 2.5, "s", None, {"b": (b"x", frozenset({1}))}]}, dict[str, Any], ALLOWED)
    assert not conforms({"a": object()}, dict[str, Any], ALLOWED)
    assert not conforms({1: 2}, dict[str, int], ALLOWED)
    assert conforms([Point(1, (), "a", None)], list[Point], ALLOWED)
    assert not conforms([Point(1, (), "a", None)], list[Point], frozenset())  # not allowed: never built
    assert conforms((1, "a"), tuple[int, str], ALLOWED) and not conforms((1,), tuple[int, str], ALLOWED)
    with pytest.raises(Mismatch, match="too large"):
        Checker(ALLOWED, budget=100).check([0] * 1000, list[int])
