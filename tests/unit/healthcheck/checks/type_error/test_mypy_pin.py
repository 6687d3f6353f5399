"""The mypy release a project pins, read from where projects pin their tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck.checks.type_error.mypy_pin import MypyPin, find_pin


@pytest.mark.parametrize(("files", "expected"), [
    pytest.param({"requirements/typing.txt": "mypy==1.4.1\npyright==1.1.3\n"}, MypyPin("1.4.1", "requirements/typing.txt"),
                 id="jinja2's requirements folder"),
    pytest.param({"pyproject.toml": '[dependency-groups]\ntyping = ["mypy == 1.13.0", "types-six"]\n'},
                 MypyPin("1.13.0", "pyproject.toml"), id="a dependency group"),
    pytest.param({".pre-commit-config.yaml": "repos:\n- repo: https://example.invalid/pre-commit/mirrors-mypy\n"
                                             "  rev: v1.11.2\n  hooks:\n  - id: mypy\n"},
                 MypyPin("1.11.2", ".pre-commit-config.yaml"), id="the pre-commit mirror"),
    pytest.param({"requirements.txt": "mypy>=1.0\nmypy-extensions==1.0.0\nflake8-mypy==17.8.0\n"}, None,
                 id="a range, and other distributions named like it, pin nothing"),
])
def test_the_pin_and_where_it_is(tmp_path: Path, files: dict[str, str], expected: MypyPin | None) -> None:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert find_pin(tmp_path) == expected


def test_only_another_release_line_differs() -> None:
    pin = MypyPin("1.4.1", "requirements.txt")
    assert (pin.differs_from("1.4.0"), pin.differs_from("1.11.2"), pin.differs_from("2.4.1")) == (False, True, True)
