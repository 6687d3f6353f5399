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
``{"event": "end"}``. Anything the imported code prints goes to stderr, so it
cannot corrupt that stream. The parent applies the timeouts; just before it
kills a worker whose import hangs, :mod:`faulthandler` has written every
thread's stack to the dump file, which is how the parent learns where it hung.

Before importing anything the worker caps its own memory (``memory_limit`` in
the job, 4 GiB by default) and core dumps, soft and hard limit alike, so that
imported code cannot raise them again: a module that allocates more fails its
import with ``MemoryError``, a finding, instead of exhausting the host.
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


MEMORY_LIMIT = 4 << 30  # bytes of data (heap and private mappings) one worker may hold


def limit_resources(memory: int) -> None:
    """Cap this process's data size at ``memory`` bytes and its core dumps at nothing, for good."""
    try:
        import resource
    except ImportError:  # not a POSIX system: no limits to set
        return
    for what, value in ((resource.RLIMIT_DATA, memory), (resource.RLIMIT_CORE, 0)):
        _soft, hard = resource.getrlimit(what)
        chosen = value if hard == resource.RLIM_INFINITY else min(value, hard)
        try:
            resource.setrlimit(what, (chosen, chosen))
        except (ValueError, OSError):  # a platform that refuses: the parent's time limits still apply
            pass


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    limit_resources(int(job.get("memory_limit", MEMORY_LIMIT)))
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

    for module in job["modules"]:
        say({"event": "start", "module": module})
        faulthandler.dump_traceback_later(module_timeout, repeat=False, file=dump)
        try:
            importlib.import_module(module)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt at import are failures too
            faulthandler.cancel_dump_traceback_later()
            say(describe(module, exc, project_files))
        else:
            faulthandler.cancel_dump_traceback_later()
            say({"event": "done", "module": module, "ok": True})
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
