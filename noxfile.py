"""Task sessions for working on this repository: ``pipx run nox`` (or ``nox``, installed however you like).

nox is no dependency of the project: it only makes the environments. Each session installs the project
with its dev extras from the lock (``ci/constraints.txt``) into a virtualenv of its own under ``.nox/``, with
the interpreter nox itself runs on, and runs one thing there:

- ``lint``: ruff, as configured in pyproject.toml, and import-linter's contracts (``.importlinter``);
- ``typecheck``: mypy, strict, on healthcheck and service;
- ``unit``, ``integration``, ``e2e``: one test folder each (integration needs Docker and PostgreSQL, as
  ``ci/test.sh`` starts them: ``bash ci/docker-up.sh``, ``WORKSPACE_TEST_POSTGRES_URL`` from
  ``bash ci/postgres-up.sh``);
- ``lowest``, ``newest``: the suite with every direct dependency at the lowest version its range allows, or
  the newest, through ``ci/deps.py`` (which makes its own virtualenvs under ``.venvs/``);
- ``gate``: healthcheck gating this repository, as CI does (``nox -s gate -- --tests`` runs the whole suite
  under it, which is what ``ci/test.sh`` runs).

Arguments after ``--`` go to the tool (``nox -s unit -- -k catalog -x``). ``nox`` alone runs lint, typecheck
and unit.
"""

from __future__ import annotations

import sys

import nox

nox.options.sessions = ["lint", "typecheck", "unit"]
nox.options.reuse_existing_virtualenvs = True

LOCK = "ci/constraints.txt"
PYTEST = ("-q", "-p", "no:cacheprovider")


def install_project(session: nox.Session) -> None:
    """The project and its dev extras, editable, pinned by the lock: what ``ci/test.sh`` installs."""
    session.install("-c", LOCK, "-e", ".[dev]")


@nox.session
def lint(session: nox.Session) -> None:
    install_project(session)
    session.run("ruff", "check", ".", *session.posargs)
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    install_project(session)
    session.run("mypy", *session.posargs)


@nox.session
def unit(session: nox.Session) -> None:
    install_project(session)
    session.run("python", "-m", "pytest", "tests/unit", *PYTEST, *session.posargs)


@nox.session
def integration(session: nox.Session) -> None:
    install_project(session)
    session.run("python", "-m", "pytest", "tests/integration", *PYTEST, *session.posargs)


@nox.session
def e2e(session: nox.Session) -> None:
    install_project(session)
    session.run("python", "-m", "pytest", "tests/e2e", *PYTEST, *session.posargs)


@nox.session(venv_backend="none")
def lowest(session: nox.Session) -> None:
    session.run(sys.executable, "ci/deps.py", "lowest", *session.posargs, external=True)


@nox.session(venv_backend="none")
def newest(session: nox.Session) -> None:
    session.run(sys.executable, "ci/deps.py", "newest", *session.posargs, external=True)


@nox.session
def gate(session: nox.Session) -> None:
    install_project(session)
    session.run("healthcheck", "gate", ".", *session.posargs)
