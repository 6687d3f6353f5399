"""Import a repository's modules one after another and say how each went (run by the repo's interpreter).

This file is a standalone script: healthcheck starts it with the scanned
repository's Python (``python import_probe.py JOB.json``) and never imports it,
because importing a repository runs its code. It must therefore work on any
Python 3.8+ with nothing but the standard library.

Protocol: the job file gives the per-module timeout, a file for stack dumps,
the source roots to put first on ``sys.path``, the project's files (to tell
project frames from library frames), the modules to import in order, and modules not to import again (they hung or killed an
earlier worker; importing one raises at once instead). The script writes one
JSON object per line to the stdout it was given: ``{"event": "start",
"module": m}`` before each import and ``{"event": "done", ...}`` after it, then
``{"event": "end"}``. A module whose import kills the worker's parent (healthcheck's
supervisor, :mod:`healthcheck.supervision`) is reported as failed with
``SupervisorKilled`` and the worker exits. Anything the imported code prints goes to stderr, so it
cannot corrupt that stream. The parent applies the timeouts; just before it
kills a worker whose import hangs, :mod:`faulthandler` has written every
thread's stack to the dump file, which is how the parent learns where it hung.

Its memory, CPU time and processes are capped by the supervisor that starts
it (:mod:`healthcheck.supervision`), soft and hard limit alike, so imported
code cannot raise them again: a module that allocates more than the data
limit fails its import with ``MemoryError``, a finding, instead of exhausting
the host.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import re
import sys
import traceback
from typing import Any, Dict, List, Optional, Set

SUPERVISOR_KILLED = "SupervisorKilled"  # the exception named for a module whose import killed the supervisor
PARTIAL = re.compile(r"partially initiali[sz]ed module '([^']+)'")


class BlockedImport(ImportError):
    """Raised when a module that hung or crashed an earlier worker is imported again."""


class Blocker:
    """A meta path finder that refuses the modules listed in the job."""

    def __init__(self, blocked: Dict[str, str]) -> None:
        self.blocked = blocked

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        reason = self.blocked.get(name)
        if reason is not None:
            raise BlockedImport("%s was not imported again: %s" % (name, reason), name=name)
        return None


def first_line(text: object, limit: int = 500) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line[:limit]


def chain(exc: Optional[BaseException]) -> List[BaseException]:
    """The exception and the ones it was raised from or during, innermost last."""
    seen: List[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def describe(module: str, exc: BaseException, project_files: Set[str]) -> Dict[str, Any]:
    """What a failed import tells: the exception, where it was raised inside the project, and hints."""
    kind = type(exc)
    local = kind.__module__ in ("builtins", __name__)
    name = kind.__qualname__ if local else kind.__module__ + "." + kind.__qualname__
    info: Dict[str, Any] = {"event": "done", "module": module, "ok": False, "exception": name, "message": first_line(exc)}
    frames: List[List[Any]] = []
    for frame in traceback.extract_tb(exc.__traceback__):
        path = os.path.abspath(frame.filename)
        if path in project_files:
            frames.append([path, frame.lineno, frame.name])
    info["frames"] = frames[-20:]
    if isinstance(exc, SyntaxError) and exc.filename:
        info["syntax"] = [os.path.abspath(exc.filename), exc.lineno]
    if isinstance(exc, BlockedImport):
        info["blocked"] = exc.name
    for link in chain(exc):
        if isinstance(link, ModuleNotFoundError) and link.name and "missing" not in info:
            info["missing"] = link.name
        match = PARTIAL.search(str(link))
        if match and "partial" not in info:
            info["partial"] = match.group(1)
    return info


PF_EXITING = 0x4  # a kernel task flag (``/proc/PID/stat`` field 9): the process has begun to exit


def supervisor_gone(pid: int) -> bool:
    """Whether this process's supervisor (its parent ``pid`` at start) is dead, dying or about to die.

    A SIGKILL is delivered asynchronously: right after a module's ``os.kill(os.getppid(), 9)`` returns, the
    parent may still be there. So besides a changed parent, ``/proc`` is asked whether the parent has begun to
    exit, is a zombie, or has a SIGKILL pending; that attributes the kill to the module that sent it.
    """
    if os.getppid() != pid:
        return True
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        with open("/proc/%d/status" % pid, "rb") as handle:
            status = handle.read().splitlines()
    except (OSError, IndexError):  # no /proc here, or the parent just went: the parent check above decides
        return os.path.isdir("/proc/self") and os.getppid() != pid
    if fields[0] in (b"Z", b"X") or int(fields[6]) & PF_EXITING:
        return True
    kill_bit = 1 << (9 - 1)  # SIGKILL
    return any(line.startswith((b"SigPnd:", b"ShdPnd:")) and int(line.split()[1], 16) & kill_bit for line in status)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever the imported code prints goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    sys.path[:] = list(job["sys_path"]) + [p for p in sys.path[1:] if p not in job["sys_path"]]
    sys.meta_path.insert(0, Blocker(job.get("blocked", {})))
    project_files = set(job["project_files"])
    # If an import hangs or the process dies, the stacks land in this file for the parent to read.
    dump = open(job["dump"], "w", encoding="utf-8")
    faulthandler.enable(file=dump, all_threads=True)
    module_timeout = float(job["module_timeout"])

    def say(obj: Dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    supervisor = os.getppid()
    for module in job["modules"]:
        say({"event": "start", "module": module})
        faulthandler.dump_traceback_later(module_timeout, repeat=False, file=dump)
        try:
            importlib.import_module(module)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt at import are failures too
            faulthandler.cancel_dump_traceback_later()
            done = describe(module, exc, project_files)
        else:
            faulthandler.cancel_dump_traceback_later()
            done = {"event": "done", "module": module, "ok": True}
        if supervisor_gone(supervisor):  # the import killed the supervisor: the limits are no longer enforced
            say({"event": "done", "module": module, "ok": False, "exception": SUPERVISOR_KILLED, "frames": [],
                 "message": "importing it killed its parent process, healthcheck's supervisor of the import"})
            out.close()
            os._exit(3)
        say(done)
    save_coverage()  # before "end": the parent kills the worker as soon as it reads that
    say({"event": "end"})
    out.close()
    os._exit(0)  # no atexit handlers or lingering threads of the imported code


def save_coverage() -> None:
    """Save coverage.py's data if this process is being measured (``patch = ["subprocess"]`` in the
    repository that runs healthcheck in its tests, as this one does): coverage.py saves it in an atexit
    handler, which neither ``os._exit`` nor the parent's SIGKILL after "end" lets run, so the probe's own
    lines were never counted."""
    measuring = sys.modules.get("coverage")
    current = measuring.Coverage.current() if measuring is not None else None
    if current is not None:
        current.stop()
        current.save()


if __name__ == "__main__":
    main()
