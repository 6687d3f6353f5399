"""Import each member of an import cycle first, each in a child forked from one interpreter (run by the repo's
interpreter).

Why: proving a cycle's verdict means importing every member of a runtime
component *first*, with nothing of the component imported yet. A fresh
interpreter per member pays, for every member, for the interpreter's start and
for everything below the component (the project's utilities, the standard
library, third-party packages), which no member's import can change because
none of it imports the component. This server imports that part once
(``preload``), then forks one child per member; the child imports the member
and says how it went, and the server goes on to the next one from the same
untouched state.

It is a standalone script (standard library only, any Python 3.9+), started
exactly like the import probe (``python forkserver.py JOB.json``) and speaking
its protocol on stdout (``start``/``done`` per module, then ``end``), so the
same driver runs it, with the same per-module time limit, stack dumps and
restarts (``healthcheck/checks/import_runner.py``). It reuses the probe's own
functions (``healthcheck/in_target/import_probe.py``, loaded from beside this file
under a private name): what a failure says, the blocker of modules that hung.

What keeps the preload honest: while preloading, every module of ``refuse`` (the
component) is refused at the import system, and a preloaded module that asked
for one is *tainted*. Its import failed, so the state is no longer the one a
fresh interpreter would reach: the server starts over in place (``exec``) without the
tainted modules, and with no preload at all if that taints again. A preload
that takes longer than the per-module time limit is abandoned the same way. A
child that dies without a word (``os._exit``, a crash in a C extension) is
reported with ``"died"`` and its exit status; the server goes on.

Every child imports about the whole component again, so compiling its sources
is most of a child's time when the scan keeps no bytecode: given ``pycache``,
a folder outside the tree, the server writes bytecode there (as
``PYTHONPYCACHEPREFIX`` would), and each module is compiled by the first child
that imports it only. Memory, CPU
time and the number of processes are the supervisor's to limit, for the server
and its children alike (``healthcheck/supervision.py``).
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.util
import json
import os
import signal
import sys
from types import ModuleType
from typing import Any, Dict, List, Set

HERE = os.path.dirname(os.path.abspath(__file__))
RETRY = "--without"  # argv flag of the exec'd restart: the preloaded modules to leave out, as a JSON list


def load_probe() -> ModuleType:
    """The import probe's module, loaded from beside this file without a name the scanned code could import."""
    spec = importlib.util.spec_from_file_location("_healthcheck_import_probe", os.path.join(HERE, "import_probe.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Refuser:
    """A meta path finder that refuses the component's modules while the server preloads, and remembers asks."""

    def __init__(self, refuse: Set[str]) -> None:
        self.refuse = refuse
        self.asked: List[str] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name in self.refuse:
            self.asked.append(name)
            raise ImportError("%s is not preloaded: it is a member of the cycle under proof" % name, name=name)
        return None


class PreloadTimeout(BaseException):
    """The preload took longer than the per-module time limit."""


def _alarm(signum: int, frame: Any) -> None:
    raise PreloadTimeout()


def preload(modules: List[str], refuse: Set[str], timeout: float) -> List[str]:
    """Import ``modules`` in order, each failure ignored; the ones that asked for a refused module (tainted)."""
    refuser = Refuser(refuse)
    sys.meta_path.insert(0, refuser)
    tainted: List[str] = []
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        for module in modules:
            asked = len(refuser.asked)
            try:
                importlib.import_module(module)
            except PreloadTimeout:
                return modules  # all of it: the restart preloads nothing
            except BaseException:  # a module that does not import is the import check's finding, not ours
                pass
            if len(refuser.asked) > asked:
                tainted.append(module)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.meta_path.remove(refuser)
    return tainted


def import_in_child(module: str, probe: ModuleType, project_files: Set[str], timeout: float, dump: Any,
                    protocol: int) -> Dict[str, Any]:
    """Fork a child that imports ``module`` and reports on a pipe; what it said (or how it died)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: import, write one line, leave without running anything of the imported code's
        os.close(read_end)
        os.close(protocol)
        faulthandler.dump_traceback_later(timeout, repeat=False, file=dump)
        try:
            importlib.import_module(module)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt at import are failures too
            said = probe.describe(module, exc, project_files)
        else:
            said = {"event": "done", "module": module, "ok": True}
        faulthandler.cancel_dump_traceback_later()
        with os.fdopen(write_end, "w", encoding="utf-8") as channel:
            channel.write(json.dumps(said))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as channel:
        text = channel.read()
    _, status = os.waitpid(pid, 0)
    try:
        said = json.loads(text)
    except ValueError:
        said = None
    if isinstance(said, dict):
        return said
    code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
    return {"event": "done", "module": module, "ok": False, "died": code, "exception": "died",
            "message": "the process exited (code %s) while importing it" % code}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    without = set(json.loads(sys.argv[3])) if len(sys.argv) > 3 and sys.argv[2] == RETRY else set()
    probe = load_probe()
    protocol = os.dup(1)
    os.dup2(2, 1)  # whatever the imported code prints goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    sys.path[:] = list(job["sys_path"]) + [p for p in sys.path[1:] if p not in job["sys_path"]]
    project_files = set(job["project_files"])
    module_timeout = float(job["module_timeout"])
    if job.get("pycache") and not sys.pycache_prefix:  # the children share what one compiled (not in the tree)
        sys.pycache_prefix, sys.dont_write_bytecode = str(job["pycache"]), False
    planned = [m for m in job.get("preload", []) if m not in without]
    tainted = preload(planned, set(job.get("refuse", [])), module_timeout)
    if tainted:  # start over from a fresh interpreter without them (and without any preload the second time)
        left_out = planned if without else tainted
        os.dup2(protocol, 1)
        os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), sys.argv[1], RETRY,
                                  json.dumps(sorted(set(left_out) | without))])
    sys.meta_path.insert(0, probe.Blocker(job.get("blocked", {})))
    out = os.fdopen(protocol, "w", encoding="utf-8")
    dump = open(job["dump"], "w", encoding="utf-8")
    faulthandler.enable(file=dump, all_threads=True)

    def say(obj: Dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for module in job["modules"]:
        say({"event": "start", "module": module})
        say(import_in_child(module, probe, project_files, module_timeout, dump, protocol))
    probe.save_coverage()  # before "end": the parent kills the server as soon as it reads that
    say({"event": "end"})
    out.close()
    os._exit(0)


if __name__ == "__main__":
    main()
