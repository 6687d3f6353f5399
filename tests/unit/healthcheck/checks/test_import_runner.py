"""The import probe driven for real: worker processes of this interpreter on a small throw-away project."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from healthcheck.checks.import_runner import Outcome, ProbeError, ProbeJob, run_probe

MODULES = {
    "app/__init__.py": "",
    "app/ok.py": "VALUE = 1\n",
    "app/chatty.py": "print('{\"event\": \"done\", \"module\": \"app.fake\", \"ok\": true}')\nimport sys\nsys.stdout.write('noise\\n')\n",
    "app/quits.py": "import sys\nsys.exit('no thanks')\n",
    "app/dies.py": "import os\nos._exit(3)\n",
    "app/hangs.py": "import time\nwhile True:\n    time.sleep(0.05)\n",
    "app/after_hang.py": "import app.hangs\n",
    "app/missing.py": "import app.nothing_here\n",
}


def _job(root: Path, deadline: float = 120.0, module_timeout: float = 1.0) -> ProbeJob:
    files = [str(root / rel) for rel in MODULES]
    return ProbeJob(
        python=sys.executable, root=root, sys_path=[str(root)], project_files=files,
        module_timeout=module_timeout, deadline=time.monotonic() + deadline,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def _project(tmp_path: Path) -> Path:
    for rel, text in MODULES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def _by_module(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {o.module: o for o in outcomes}


def test_each_module_is_reported_and_hangs_and_deaths_do_not_stop_the_rest(tmp_path: Path) -> None:
    root = _project(tmp_path)
    order = ["app", "app.ok", "app.chatty", "app.quits", "app.dies", "app.hangs", "app.after_hang", "app.missing"]
    done = run_probe(_job(root), order, workers=1)
    found, untried = _by_module(done.outcomes), done.untried
    assert untried == []
    assert sorted(found) == sorted(order)
    assert [m for m in order if found[m].ok] == ["app", "app.ok", "app.chatty"]  # printing cannot fake a result
    assert found["app.quits"].info["exception"] == "SystemExit"
    assert found["app.quits"].info["message"] == "no thanks"
    assert found["app.dies"].exit_code == 3
    assert found["app.hangs"].timed_out
    assert found["app.hangs"].info["frames"][-1][:2] == [str(root / "app/hangs.py"), 3]
    after = found["app.after_hang"].info
    assert (after["exception"], after["blocked"]) == ("BlockedImport", "app.hangs")
    missing = found["app.missing"].info
    assert (missing["exception"], missing["missing"]) == ("ModuleNotFoundError", "app.nothing_here")
    assert missing["frames"] == [[str(root / "app/missing.py"), 1, "<module>"]]


def test_work_is_shared_among_workers_without_losing_a_module(tmp_path: Path) -> None:
    root = _project(tmp_path)
    order = ["app", "app.ok", "app.chatty", "app.missing"]
    done = run_probe(_job(root), order, workers=8)
    assert (sorted(o.module for o in done.outcomes), done.untried, done.problem) == (sorted(order), [], None)


def test_modules_not_reached_before_the_deadline_are_left_untried(tmp_path: Path) -> None:
    root = _project(tmp_path)
    done = run_probe(_job(root, deadline=-1.0), ["app", "app.ok"], workers=1)
    assert (done.outcomes, done.untried, done.problem) == ([], ["app", "app.ok"], None)


def test_an_interpreter_that_cannot_run_the_probe_tries_nothing_and_says_why(tmp_path: Path) -> None:
    root = _project(tmp_path)
    job = _job(root)
    fake = tmp_path / "fake-python"
    fake.write_text("#!/bin/sh\necho 'python: this is not a Python' >&2\nexit 4\n")
    fake.chmod(0o755)
    job.python = str(fake)
    done = run_probe(job, ["app", "app.ok"], workers=1)
    assert (done.outcomes, done.untried) == ([], ["app", "app.ok"])
    assert done.problem == "exit 4: python: this is not a Python"


def test_an_interpreter_that_does_not_exist_is_a_probe_error(tmp_path: Path) -> None:
    job = _job(_project(tmp_path))
    job.python = str(tmp_path / "no-such-python")
    with pytest.raises(ProbeError, match="^cannot run .*no-such-python: No such file or directory$"):
        run_probe(job, ["app"], workers=1)


def test_a_probe_measured_by_coverage_saves_its_data_before_the_parent_kills_it(tmp_path: Path) -> None:
    """The worker is killed once it says "end" and leaves by ``os._exit``; neither lets coverage.py's atexit
    save run, so the probe saves its data itself when a measurement is running in its process."""
    from coverage import CoverageData

    root = _project(tmp_path / "project")
    data = tmp_path / "coverage"
    data.mkdir()
    measured = tmp_path / "measured-python"
    measured.write_text(f'#!/bin/sh\nexec {sys.executable} -m coverage run --parallel-mode'
                        f' --data-file={data / ".coverage"} "$@"\n')
    measured.chmod(0o755)
    job = _job(root)
    job.python = str(measured)
    job.env = {k: v for k, v in job.env.items() if not k.startswith("COVERAGE_")}  # not the suite's own run
    done = run_probe(job, ["app", "app.ok"], workers=1)
    assert [(o.module, o.ok) for o in done.outcomes] == [("app", True), ("app.ok", True)]
    saved = list(data.glob(".coverage.*"))
    assert len(saved) == 1
    found = CoverageData(str(saved[0]))
    found.read()
    probe = [path for path in found.measured_files() if path.endswith("import_probe.py")]
    assert len(probe) == 1 and found.lines(probe[0])
