"""The cycle proof's fork server driven for real, and what it may preload for a component."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

from healthcheck.checks.import_cycle.preload import preload_for, with_parents
from healthcheck.checks.import_cycle.proof import FORKSERVER
from healthcheck.checks.import_runner import Outcome, ProbeJob, run_share

# ``app.a`` and ``app.b`` are the component; ``app.tell`` raises with the app modules already imported when it
# starts, so its outcome shows the state each child starts from.
TELL = (
    "import sys\n"
    "raise RuntimeError(','.join(sorted(m for m in sys.modules if m.startswith('app.') and m != __name__)))\n"
)
MODULES = {
    "app/__init__.py": "",
    "app/a.py": "import app.b\nfrom app.util import VALUE\n",
    "app/b.py": "import app.a\n",
    "app/util.py": "VALUE = 1\n",
    "app/helper.py": "",
    # A graph cannot see this import; app.helper stays imported after it fails, unless the server starts over.
    "app/sneaky.py": "import importlib\nimport app.helper\nimportlib.import_module('app.a')\n",
    "app/tell.py": TELL,
    "app/dies.py": "import os\nos._exit(3)\n",
    "app/slow.py": "import time\ntime.sleep(30)\n",
}


def _job(root: Path, preload: list[str], module_timeout: float, pycache: Path) -> ProbeJob:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    job = ProbeJob(
        python=sys.executable, root=root, sys_path=[str(root)], project_files=[str(root / rel) for rel in MODULES],
        module_timeout=module_timeout, deadline=time.monotonic() + 120, env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    spec = {"preload": preload, "refuse": ["app.a", "app.b"], "pycache": str(pycache)}
    return dataclasses.replace(job, script=FORKSERVER, spec=spec)


def _run(tmp_path: Path, preload: list[str], modules: list[str], module_timeout: float = 20.0) -> dict[str, Outcome]:
    root = tmp_path / "repo"
    for rel, text in MODULES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    folder = tmp_path / "work"
    folder.mkdir()
    done = run_share(_job(root, preload, module_timeout, tmp_path / "pycache"), modules, {}, folder)
    assert done.problem is None and done.untried == []
    return {o.module: o for o in done.outcomes}


def test_each_child_starts_from_the_preloaded_state_and_a_death_does_not_stop_the_rest(tmp_path: Path) -> None:
    found = _run(tmp_path, ["app", "app.util"], ["app.tell", "app.a", "app.dies", "app.tell"])
    assert found["app.tell"].info["message"] == "app.util"  # preloaded; nothing a child imported is left over
    assert found["app.a"].ok
    assert (found["app.dies"].ok, found["app.dies"].info["died"]) == (False, 3)
    # What the children compiled is kept for the next ones, outside the tree.
    compiled = tmp_path / "pycache" / str(tmp_path / "repo" / "app").lstrip("/")
    assert (compiled / f"a.{sys.implementation.cache_tag}.pyc").is_file()
    assert not list((tmp_path / "repo").rglob("__pycache__"))


def test_a_preloaded_module_that_enters_the_component_is_left_out(tmp_path: Path) -> None:
    # app.sneaky imports app.a by name: refused while preloading, so the server starts over without it.
    found = _run(tmp_path, ["app", "app.util", "app.sneaky"], ["app.tell"])
    assert found["app.tell"].info["message"] == "app.util"


def test_a_preload_over_the_time_limit_is_dropped(tmp_path: Path) -> None:
    found = _run(tmp_path, ["app", "app.util", "app.slow"], ["app.tell"], module_timeout=2.0)
    assert found["app.tell"].info["message"] == ""  # started over with nothing preloaded


def test_the_preload_is_what_the_component_needs_from_outside_and_cannot_enter_it() -> None:
    modules = ["p", "p.a", "p.b", "p.util", "p.entry", "q", "r", "r.a", "r.helpers"]
    succ = {
        "p.a": ["p.b", "p.util"], "p.b": ["p.a"],  # the component
        "p.util": ["q"],  # below it, with its own import
        "p.entry": ["p.a"],  # above it: importing it enters the component
        "r": ["r.a"], "r.a": ["r", "r.helpers"],  # a package and its submodule importing each other
    }
    graph = with_parents(succ, modules)
    assert preload_for(["p.a", "p.b"], graph, set(modules)) == ["p", "q", "p.util"]
    assert preload_for(["p.a", "p.b"], graph, set(modules) - {"q"}) == ["p", "p.util"]  # importable ones only
    assert preload_for(["r", "r.a"], graph, set(modules)) == []  # r.helpers runs r first: it would enter
