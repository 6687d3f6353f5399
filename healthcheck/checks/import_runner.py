"""Drive the import probe: a few worker processes of the scanned repository's interpreter, with timeouts.

Each worker imports its share of the modules in order and reports each one as
it goes (see ``healthcheck/in_target/import_probe.py``). A module that does not
finish within the per-module timeout gets its worker killed; a module during
which the worker dies (``os._exit`` at import time, a crash in a C extension)
ends it too. Either way the module is recorded, a fresh worker picks up after
it, and later imports of that module fail at once instead of hanging again.
The whole check has its own deadline: modules not reached by then are left
untried and reported as such.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Sequence

from healthcheck.in_target import IMPORT_PROBE
from healthcheck.supervision import Limits, ended, start, stop

DUMP_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<func>.+)$')
SUPERVISOR_CHECK_S = 0.5  # how often a waiting runner looks whether its worker's supervisor is still there
SUPERVISOR_KILLED = "SupervisorKilled"  # the exception the probe reports for a module that killed its parent
KILLED_REASON = "importing it killed healthcheck's supervisor"
DUMP_GRACE = 3.0  # at most this long (s) for the stack dump of a hung import before killing: under load the
# dump thread of the worker can start late, and the wait ends as soon as the dump is written


def parse_dump(text: str, project_files: set[str]) -> list[list[Any]]:
    """Project frames, outermost first, of the first thread in a :mod:`faulthandler` dump that has any."""
    threads: list[list[list[Any]]] = [[]]
    for line in text.splitlines():
        if line.startswith(("Thread ", "Current thread ")):
            threads.append([])
            continue
        match = DUMP_FRAME.match(line)
        if match and os.path.abspath(match["path"]) in project_files:
            threads[-1].append([os.path.abspath(match["path"]), int(match["line"]), match["func"]])
    busy = next((frames for frames in threads if frames), [])
    return list(reversed(busy))  # faulthandler lists the most recent call first


@dataclass
class Outcome:
    """How importing one module went. ``info`` is what the probe said about a failure."""

    module: str
    ok: bool
    info: dict[str, Any] = field(default_factory=dict)
    timed_out: bool = False
    exit_code: int | None = None  # the worker died while importing this module


class ProbeError(Exception):
    """The interpreter could not be started at all."""


@dataclass
class ProbeJob:
    """What every worker shares."""

    python: str
    root: Path
    sys_path: list[str]
    project_files: list[str]
    module_timeout: float
    deadline: float  # time.monotonic() value
    env: dict[str, str]
    script: Path = IMPORT_PROBE  # what the interpreter runs: the probe, or the cycle proof's fork server
    spec: dict[str, Any] = field(default_factory=dict)  # more keys of the job file, for ``script``
    limits: Limits = Limits()  # of each worker and everything it starts (healthcheck.supervision)


def _reader(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


class Worker:
    """One probe process working through a list of modules."""

    def __init__(self, job: ProbeJob, modules: list[str], blocked: dict[str, str], folder: Path) -> None:
        stem = f"job-{id(self)}-{time.monotonic_ns()}"
        spec = folder / f"{stem}.json"
        self.dump = folder / f"{stem}.stacks"
        self.stderr = folder / f"{stem}.stderr"
        spec.write_text(
            json.dumps(
                {
                    "sys_path": job.sys_path, "project_files": job.project_files, "modules": modules,
                    "blocked": blocked, "dump": str(self.dump), "module_timeout": job.module_timeout,
                    **job.spec,
                }
            ),
            encoding="utf-8",
        )
        self.proc = start_probe(job, [str(job.script), str(spec)], self.stderr)
        assert self.proc.stdout is not None
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_reader, args=(self.proc.stdout, self.lines), daemon=True).start()

    def next_event(self, timeout: float) -> dict[str, Any] | None:
        """The next event; ``{"event": "eof"}`` when the worker is gone; None on timeout."""
        try:
            line = self.lines.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
        if line is None:
            return {"event": "eof"}
        try:
            event = json.loads(line)
        except ValueError:
            return {"event": "noise"}
        return event if isinstance(event, dict) else {"event": "noise"}

    def stacks(self, project_files: set[str], wait: float = 0.0) -> list[list[Any]]:
        """Where the worker's threads were when it dumped its stacks (waiting up to ``wait`` s for the dump).

        The dump is written in many small writes while the worker runs on, so it counts as written once it is
        not empty and has not grown between two reads: a read in the middle of it would miss frames.
        """
        until = time.monotonic() + wait
        previous = ""
        while True:
            try:
                text = self.dump.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            if (text.strip() and text == previous) or time.monotonic() >= until:
                return parse_dump(text, project_files)
            previous = text
            time.sleep(0.05)

    def last_words(self) -> str:
        """The last line the worker wrote to stderr (why it died before importing anything)."""
        try:
            lines = self.stderr.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1].strip() if lines else "no output"

    def supervisor_gone(self) -> bool:
        """Whether the worker's supervisor has ended (the repository's code can kill its own parent)."""
        return ended(self.proc)

    def stop(self) -> int | None:
        """Kill the worker (and whatever it started) and reap it."""
        return stop(self.proc)


def start_probe(job: ProbeJob, args: Sequence[str], stderr_file: Path) -> subprocess.Popen[str]:
    """Start ``job.python ARGS`` the way all of the repository's code the import check runs is started:
    under the supervisor (:mod:`healthcheck.supervision`, with the job's limits), in the root, with the job's
    environment, its stdout a text pipe of JSON lines and its stderr ``stderr_file``.

    :class:`ProbeError` when the interpreter cannot be started.
    """
    try:
        with stderr_file.open("wb") as stderr:
            return start(
                [job.python, *args], job.limits, cwd=job.root, env=job.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=stderr, text=True, encoding="utf-8", errors="replace",
            )
    except OSError as exc:
        raise ProbeError(f"cannot run {job.python}: {exc.strerror or exc}") from None


@dataclass
class ShareResult:
    """What one share of the modules came to."""

    outcomes: list[Outcome] = field(default_factory=list)
    untried: list[str] = field(default_factory=list)
    problem: str | None = None  # why a worker could not do any work


def run_share(job: ProbeJob, modules: Sequence[str], blocked: dict[str, str], folder: Path) -> ShareResult:
    """Import ``modules`` in order in as many workers as it takes."""
    remaining = list(modules)
    outcomes: list[Outcome] = []
    while remaining and time.monotonic() < job.deadline:
        worker = Worker(job, remaining, dict(blocked), folder)
        try:
            over = _drive(job, worker, remaining, outcomes, blocked)
        finally:
            worker.stop()
        if over is not None:
            return over
    return ShareResult(outcomes, remaining)


def _drive(job: ProbeJob, worker: Worker, remaining: list[str], outcomes: list[Outcome],
           blocked: dict[str, str]) -> ShareResult | None:
    """Follow one worker until it ends, updating ``remaining``, ``outcomes`` and ``blocked``; the share's
    result when it is over (deadline, or a worker that could not import anything), None for a fresh worker."""
    files = set(job.project_files)
    current: str | None = None
    last: Outcome | None = None  # the last module this worker finished
    killed = False  # its supervisor ended before the worker did
    started = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= job.deadline:
            return ShareResult(outcomes, remaining)
        wait = job.deadline - now if current is None else min(job.deadline, started + job.module_timeout) - now
        event = worker.next_event(min(wait, SUPERVISOR_CHECK_S))
        if event is None:
            if not killed and worker.supervisor_gone():
                killed = True
                worker.stop()  # what the supervisor can no longer stop: the reader sees the end next
                continue
            if current is None or time.monotonic() < started + job.module_timeout:
                continue
            frames = worker.stacks(files, wait=DUMP_GRACE)
            outcomes.append(Outcome(current, False, info={"frames": frames}, timed_out=True))
            blocked[current] = f"it did not finish importing within {job.module_timeout:g} s"
            remaining.remove(current)
            return None
        kind = event.get("event")
        if kind == "start":
            current, started = str(event.get("module")), time.monotonic()
        elif kind == "done":
            last = Outcome(str(event.get("module")), bool(event.get("ok")), info=event)
            outcomes.append(last)
            if event.get("exception") == SUPERVISOR_KILLED:
                blocked[last.module] = KILLED_REASON
            if last.module in remaining:
                remaining.remove(last.module)
            current = None
        elif kind == "end":
            if worker.supervisor_gone():  # killed without the probe seeing it
                _blame(last, outcomes, blocked)
            remaining.clear()
            return None
        elif kind == "eof":
            code = worker.stop()
            if current is None and last is None:  # died before its first import: retrying tells nothing
                return ShareResult(outcomes, remaining, f"exit {code}: {worker.last_words()}")
            if current is None:  # between two imports: the last one killed the supervisor, or exited
                if killed:
                    _blame(last, outcomes, blocked)
                return None
            outcomes.append(Outcome(current, False, info={"frames": worker.stacks(files)}, exit_code=code))
            blocked[current] = f"the process exited (code {code}) while importing it"
            remaining.remove(current)
            return None


def _blame(last: Outcome | None, outcomes: list[Outcome], blocked: dict[str, str]) -> None:
    """The supervisor was killed and the probe did not say by which module: the last one imported did it."""
    if last is not None and last.ok:
        outcomes[outcomes.index(last)] = _killer(last.module)
        blocked[last.module] = KILLED_REASON


def _killer(module: str) -> Outcome:
    """The failure of a module whose import killed the worker's supervisor (the probe did not get to say so)."""
    return Outcome(module, False, info={"exception": SUPERVISOR_KILLED, "frames": [],
                                        "message": "healthcheck's supervisor of the import was killed"})


def run_probe(job: ProbeJob, modules: Sequence[str], workers: int) -> ShareResult:
    """Split ``modules`` (already in dependency order) among ``workers`` processes; keep each share's order."""
    count = max(1, min(workers, len(modules)))
    return _run_shares(job, [list(modules[i::count]) for i in range(count)], count)


def run_alone(job: ProbeJob, modules: Sequence[str], workers: int) -> ShareResult:
    """Import each of ``modules`` in a fresh worker of its own, ``workers`` at a time: what ``python -c 'import
    m'`` would say, with nothing imported before it but what ``m`` imports itself."""
    return _run_shares(job, [[module] for module in modules], max(1, workers))


def _run_shares(job: ProbeJob, shares: list[list[str]], workers: int) -> ShareResult:
    """Each share imported in order by workers of its own, ``workers`` shares at a time, and their results."""
    blocked: dict[str, str] = {}  # shared: a module that hung in one worker is not retried by another
    with tempfile.TemporaryDirectory(prefix="healthcheck-imports-") as tmp:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda share: run_share(job, share, blocked, Path(tmp)), shares))
    return ShareResult(
        outcomes=[o for r in results for o in r.outcomes],
        untried=[m for r in results for m in r.untried],
        problem=next((r.problem for r in results if r.problem), None),
    )
