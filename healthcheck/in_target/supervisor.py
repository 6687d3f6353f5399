"""Stand between healthcheck and a process that runs the scanned repository's code, and clean up after it.

This file is a standalone script (standard library only): healthcheck starts it
as ``python -I supervisor.py LIMITS -- COMMAND...`` (``LIMITS`` a JSON object) in a session of its
own (:mod:`healthcheck.supervision`) and never imports it in its own process.

Why a process in between: the repository's code (a module imported by the
import check, a conftest, a mypy plugin) can fork children, daemonise them so
they outlive their parent, fork without end, spin on the CPU, or kill its own
parent. Here the command's parent is this supervisor, so ``os.getppid()`` is
not healthcheck, and the supervisor

- makes itself a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``): every
  descendant that loses its parent (a double fork, ``setsid``) is re-parented
  to it, so it can always find them;
- starts the command with a data-size limit (``RLIMIT_DATA``), a CPU-time
  limit per process (``RLIMIT_CPU``: ``SIGXCPU``, then ``SIGKILL`` a few
  seconds later) and no core dumps, inherited by every descendant;
- bounds the number of processes: where it may create a cgroup with the
  ``pids`` controller (v2, or v1's ``pids`` hierarchy; usually as root) the
  command runs in one whose ``pids.max`` is the limit, a hard bound on
  processes and threads (``fork`` fails beyond it); else, for a user other
  than root, ``RLIMIT_NPROC`` is set to the user's current tasks plus the
  limit (root is not bound by it); and in every case the supervisor counts
  the descendants every few milliseconds and kills them all above the limit
  (approximate alone: on a loaded machine a fork bomb outruns the count);
- when the command ends, on ``SIGINT`` or ``SIGHUP`` at once, on ``SIGTERM``
  after passing it on to the command and waiting the grace period, and when
  healthcheck itself goes away (its parent changes), kills and reaps every
  descendant before it exits;
- exits the way the command did (the same code, or the same signal), so the
  caller reads the command's status; what it stopped, and why, is the last
  line it writes to the shared standard error, starting ``healthcheck:``.

Killing the supervisor does not kill healthcheck: the caller sees it end
before the command's protocol did, kills the process group and whatever still
carries the marker in its environment, and fails the check.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Dict, List, Optional

POLL_S = 0.02  # how often the command's end, a signal and healthcheck's presence are looked at
COUNT_S = (0.05, 0.5)  # how often descendants are counted: without a pids cgroup, and with one (it bounds them)
PR_SET_CHILD_SUBREAPER = 36
CPU_GRACE_S = 5  # seconds between SIGXCPU and SIGKILL at the CPU-time limit


def subreaper() -> bool:
    """Make this process the child subreaper of its descendants (Linux only); whether that worked."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def parents() -> Dict[int, int]:
    """Every live process's parent, from ``/proc`` (zombies left out: they run nothing)."""
    found: Dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and fields[0] not in (b"Z", b"X"):
            found[int(name)] = int(fields[1])
    return found


def descendants(root: int) -> List[int]:
    """The live processes below ``root``."""
    children: Dict[int, List[int]] = {}
    for pid, ppid in parents().items():
        children.setdefault(ppid, []).append(pid)
    out: List[int] = []
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def reap() -> Dict[int, int]:
    """Wait for every child that has ended; their statuses by pid."""
    done: Dict[int, int] = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done[pid] = status


def kill_all(me: int) -> Dict[int, int]:
    """SIGKILL every descendant until none is left and every child is reaped; the statuses reaped on the way."""
    statuses: Dict[int, int] = {}
    for _ in range(10000):
        pids = descendants(me)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        statuses.update(reap())
        try:
            os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # no child left, not even one still exiting
            if not pids:
                break
        time.sleep(0.001)
    return statuses


def pids_cgroup(name: str) -> Optional[str]:
    """A new cgroup named ``name`` with the ``pids`` controller, below this process's own; None if none can be."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            mounts = handle.read().splitlines()
        with open("/proc/self/cgroup", encoding="utf-8") as handle:
            own = [line.split(":", 2) for line in handle.read().splitlines() if line.count(":") >= 2]
    except OSError:
        return None
    for line in mounts:
        left, _, right = line.partition(" - ")
        fields, kind = left.split(), right.split()
        if len(fields) < 5 or len(kind) < 3:
            continue
        v2 = kind[0] == "cgroup2"
        if not v2 and not (kind[0] == "cgroup" and "pids" in kind[2].split(",")):
            continue
        for number, controllers, path in own:
            mine = number == "0" if v2 else "pids" in controllers.split(",")
            relative = os.path.relpath(path, fields[3])
            if mine and not relative.startswith(".."):
                folder = os.path.normpath(os.path.join(fields[4], relative, name))
                if make_group(folder):
                    return folder
    return None


def make_group(folder: str) -> bool:
    """Create the cgroup ``folder``; whether it has the ``pids`` controller (else it is removed again).

    Groups a supervisor that was killed left beside it (``healthcheck-<pid>`` of a process that is gone) are
    removed on the way.
    """
    parent, prefix = os.path.dirname(folder), os.path.basename(folder).split("-")[0] + "-"
    for name in os.listdir(parent) if os.path.isdir(parent) else []:
        owner = name[len(prefix):]
        if name.startswith(prefix) and owner.isdigit() and not os.path.exists("/proc/" + owner):
            remove_group(os.path.join(parent, name), tries=1)
    try:
        os.mkdir(folder)
    except OSError:
        return False
    if os.path.exists(folder + "/pids.max"):
        return True
    remove_group(folder)
    return False


def remove_group(folder: Optional[str], tries: int = 200) -> None:
    """Remove the cgroup once its last task is gone (that can take a moment after the last reap)."""
    for _ in range(tries if folder else 0):
        try:
            os.rmdir(str(folder))
            return
        except OSError:
            time.sleep(0.005)


def user_tasks() -> int:
    """Tasks (processes and threads) of this process's real user: what ``RLIMIT_NPROC`` counts."""
    uid, count = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/status" % name, encoding="utf-8") as handle:
                    status = dict(line.split(":", 1) for line in handle.read().splitlines() if ":" in line)
            except (OSError, ValueError):
                continue
            if int(status.get("Uid", "-1 0").split()[0]) == uid:
                count += int(status.get("Threads", "1").strip() or 1)
    return count


def set_limits(memory: int, cpu: int, tasks: Optional[int]) -> None:
    """This process's limits, soft and hard alike (its code cannot raise them again); no core dumps."""
    import resource

    wanted = [(resource.RLIMIT_DATA, memory, memory), (resource.RLIMIT_CPU, cpu, cpu + CPU_GRACE_S),
              (resource.RLIMIT_CORE, 0, 0)]
    if tasks is not None:
        wanted.append((resource.RLIMIT_NPROC, tasks, tasks))
    for what, soft, hard in wanted:
        _old_soft, old_hard = resource.getrlimit(what)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        try:
            resource.setrlimit(what, (soft, hard))
        except (ValueError, OSError):  # a platform that refuses: the other bounds still hold
            pass


def spawn(command: List[str], memory: int, cpu: int, tasks: Optional[int], group: Optional[str]) -> int:
    """Fork and exec ``command`` with the limits set in the child (and in ``group``, if any); its pid."""
    pid = os.fork()
    if pid == 0:  # the child: its cgroup, limits, default signal handling, then the command
        try:
            if group:
                try:
                    with open(group + "/cgroup.procs", "w", encoding="utf-8") as handle:
                        handle.write(str(os.getpid()))
                except OSError:  # the other bounds still hold
                    pass
            for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
                signal.signal(number, signal.SIG_DFL)
            set_limits(memory, cpu, tasks)
            os.execvp(command[0], command)
        except BaseException as exc:  # noqa: BLE001 - nothing may escape a forked child
            os.write(2, ("healthcheck: cannot run %s: %s\n" % (command[0], exc)).encode("utf-8", "replace"))
        os._exit(127)
    return pid


class Stop:
    """What the signal handlers asked for: ``now`` (kill everything) or ``term`` (the command first)."""

    def __init__(self) -> None:
        self.now = False
        self.term = False

    def handle(self, signum: int, frame: object) -> None:
        if signum == signal.SIGTERM:
            self.term = True
        else:
            self.now = True


def say(text: str) -> None:
    try:
        os.write(2, ("healthcheck: %s\n" % text).encode("utf-8", "replace"))
    except OSError:
        pass


def finish(status: Optional[int]) -> None:
    """Exit the way the command did."""
    sys.stderr.flush()
    if status is None:
        os._exit(125)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL and SIGSTOP keep their default anyway
            pass
        os.kill(os.getpid(), number)
        os._exit(128 + number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 125)


def supervise(command: List[str], limits: Dict[str, float]) -> None:
    memory, cpu = int(limits["memory"]), max(1, int(limits["cpu"]))
    processes, grace = int(limits["processes"]), float(limits.get("grace", 0.0))
    me, healthcheck = os.getpid(), os.getppid()
    stop = Stop()
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, stop.handle)
    subreaper()
    group = pids_cgroup("healthcheck-%d" % me)
    try:
        if group:
            with open(group + "/pids.max", "w", encoding="utf-8") as handle:
                handle.write(str(processes))
    except OSError:
        remove_group(group)
        group = None
    tasks = None if group or os.getuid() == 0 else user_tasks() + processes
    child = spawn(command, memory, cpu, tasks, group)
    status: Optional[int] = None
    term_at: Optional[float] = None
    count_every, counted = COUNT_S[1] if group else COUNT_S[0], 0.0
    while True:
        ended = reap()
        if child in ended:
            status = ended[child]
            break
        if stop.now or os.getppid() != healthcheck:
            break
        if stop.term and term_at is None:
            term_at = time.monotonic()
            try:
                os.kill(child, signal.SIGTERM)
            except OSError:
                pass
        if term_at is not None and time.monotonic() >= term_at + grace:
            break
        if time.monotonic() - counted < count_every:
            time.sleep(POLL_S)
            continue
        counted = time.monotonic()
        if len(descendants(me)) > processes:
            say("%s started more than %d processes: all of them were stopped" % (command[0], processes))
            status = kill_all(me).get(child, status)
            break
        time.sleep(POLL_S)
    status = kill_all(me).get(child, status)
    remove_group(group)
    if status is None:  # stopped before the command ended: it was killed
        status = signal.SIGKILL
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
        say("%s used up its CPU time limit of %d s" % (command[0], cpu))
    finish(status)


def main() -> None:
    limits = json.loads(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    supervise(command, limits)


if __name__ == "__main__":
    main()
