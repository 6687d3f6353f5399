"""Each built-in check is one package named after the check, and the import contract that keeps the check
packages apart lists every one of them (a package left out of it could import another check unseen)."""

from __future__ import annotations

import configparser
from pathlib import Path

from healthcheck.checks import builtin_classes

CONTRACTS = Path(__file__).resolve().parents[4] / ".importlinter"


def _independent_modules() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS, encoding="utf-8")
    section = parser["importlinter:contract:checks-independent"]
    assert section["type"] == "independence"
    return {line.strip() for line in section["modules"].splitlines() if line.strip()}


def test_every_built_in_check_is_the_package_named_after_it() -> None:
    packages = {cls.name: cls.__module__ for cls in builtin_classes()}
    assert packages == {name: "healthcheck.checks." + name.replace("-", "_") for name in packages}


def test_the_independence_contract_lists_exactly_the_check_packages() -> None:
    assert _independent_modules() == {cls.__module__ for cls in builtin_classes()}
