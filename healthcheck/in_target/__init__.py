"""Scripts that run inside the scanned repository's interpreter: standard library only, run by path.

Each file here is started as a script by the interpreter of the repository being scanned (or, for the
supervisor, by healthcheck's own in isolated mode), never imported: importing the repository's code must not
happen in healthcheck's process, and that interpreter has none of healthcheck's dependencies (any Python 3.8+,
nothing but the standard library). The checks that use them name them by the paths below; this package is
imported for those paths only. Code that runs in the scanned interpreter for one check alone lives in that
check's own ``in_target`` folder (``checks/test_suite/in_target/``).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SUPERVISOR = HERE / "supervisor.py"  # stands between healthcheck and every process of the repository's code
IMPORT_PROBE = HERE / "import_probe.py"  # imports modules one after another (the import check)
FORKSERVER = HERE / "forkserver.py"  # preloads once, forks a child per member (the import cycle proof)
