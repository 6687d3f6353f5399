"""The dependency ranges of pyproject.toml, held at both ends.

``python ci/deps.py lock``
    Resolve the newest versions the ranges allow into a fresh virtualenv and write every installed
    distribution, pinned, to ``ci/constraints.txt``: the lock ``ci/test.sh`` installs from, so a CI run
    today and a CI run next month install the same thing.
``python ci/deps.py lowest [PYTEST ARGS]`` / ``python ci/deps.py newest [PYTEST ARGS]``
    Build ``.venvs/lowest`` (every direct dependency, dev extras included, at the lowest version its range
    allows) or ``.venvs/newest`` (the newest the ranges allow, the lock ignored), install the project into
    it and run the test suite there with pytest (default: the whole suite, ``-q``). The exit code is
    pytest's. Docker and PostgreSQL tests need their servers, as in ``ci/test.sh``.

The lowest versions come from the ``>=`` bound of each requirement; a requirement without one is an error
here, because an unbounded range cannot be tested at its lower end.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "ci" / "constraints.txt"
VENVS = ROOT / ".venvs"
LOWER = re.compile(r"^(?P<name>[A-Za-z0-9_.\-\[\]]+)\s*(?:\[[^\]]*\])?.*?>=\s*(?P<version>[0-9][0-9A-Za-z.]*)")
PIP = ("-m", "pip", "install", "-q", "--disable-pip-version-check")


def requirements() -> list[str]:
    """Every direct requirement: the dependencies and the dev extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def lowest_constraints() -> list[str]:
    """``name==X`` for each requirement's lower bound ``>=X`` (the strictest, when a name appears twice)."""
    pins: dict[str, str] = {}
    for req in requirements():
        found = LOWER.match(req)
        name = re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0].lower()
        if found is None:
            if name.startswith("types-"):
                continue  # stub-only distributions track the library; any release type-checks the same API
            raise SystemExit(f"ci/deps.py: {req!r} has no lower bound (>=) to test")
        version = found["version"]
        if name not in pins or tuple(map(int, re.findall(r"\d+", version))) > tuple(
                map(int, re.findall(r"\d+", pins[name]))):
            pins[name] = version
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def fresh_venv(name: str) -> Path:
    where = VENVS / name
    venv.EnvBuilder(clear=True, with_pip=True).create(where)
    python = where / "bin" / "python"
    subprocess.run([str(python), *PIP, "--upgrade", "pip"], check=True)
    return python


def lock() -> int:
    python = fresh_venv("lock")
    subprocess.run([str(python), *PIP, "-e", f"{ROOT}[dev]"], check=True)
    frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
                            check=True, capture_output=True, text=True).stdout
    pins = sorted((line for line in frozen.splitlines() if line and not line.startswith("#")), key=str.lower)
    LOCK.write_text("# The lock ci/test.sh installs from: `python ci/deps.py lock` writes it (the newest versions\n"
                    "# pyproject.toml's ranges allow, resolved in a fresh virtualenv). Do not edit by hand.\n"
                    + "\n".join(pins) + "\n", encoding="utf-8")
    print(f"ci/deps.py: {len(pins)} distributions pinned in {LOCK.relative_to(ROOT)}")
    return 0


def run_suite(name: str, pytest_args: list[str]) -> int:
    python = fresh_venv(name)
    install = [str(python), *PIP, "-e", f"{ROOT}[dev]"]
    if name == "lowest":
        constraints = VENVS / "lowest-constraints.txt"
        constraints.write_text("\n".join(lowest_constraints()) + "\n", encoding="utf-8")
        install += ["-c", str(constraints)]
    subprocess.run(install, check=True)
    versions = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
                              check=True, capture_output=True, text=True).stdout
    direct = {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements()}
    shown = [line for line in versions.splitlines() if line.split("==")[0].lower().replace("_", "-") in direct]
    print(f"ci/deps.py: {name} versions: " + ", ".join(shown), flush=True)
    return subprocess.run([str(python), "-m", "pytest", *(pytest_args or ["-q"])], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lock", "lowest", "newest"):
        print("usage: python ci/deps.py lock | lowest [PYTEST ARGS] | newest [PYTEST ARGS]", file=sys.stderr)
        return 2
    if argv[0] == "lock":
        return lock()
    return run_suite(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
