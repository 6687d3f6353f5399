"""What every command shares: exit codes, the error guard, gate overrides, writing outputs.

Exit codes (docs/report.md): 0 every gate passed; 1 a gate failed; 2 usage or
configuration error, one line on stderr; 3 internal error, the traceback in a
log file whose path is printed. :func:`guarded` is the one place that maps an
ending to a code, so no command can let a traceback reach the user's terminal.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import click

from healthcheck import __version__
from healthcheck.checks.base import ScanOptions
from healthcheck.engine import ScanResult, scan
from healthcheck.errors import UsageError
from healthcheck.progress import ProgressLine
from healthcheck.report import RENDERERS
from healthcheck.safe_text import console_line, console_text

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
# Formats whose files are XML (the HTML report is read by XML tools too): what XML forbids is dropped.
# Write errors that mean "the output has nowhere to go", not a bug: a full disk, a quota, a dead device.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE})


def echo(text: str, err: bool = False) -> None:
    """Print text from a scan: every line escaped for a terminal or a CI log (:func:`console_text`)."""
    click.echo(console_text(text), err=err)


def parse_gate_overrides(values: Sequence[str]) -> dict[str, Any]:
    """``--gate NAME=VALUE`` pairs -> configuration overrides (validated later with the rest)."""
    out: dict[str, Any] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--gate expects NAME=VALUE, got {item!r}")
        try:
            number: float = float(raw)
        except ValueError:
            raise UsageError(f"--gate {name}: {raw!r} is not a number") from None
        out[name.strip()] = int(number) if number.is_integer() else number
    return out


def crash_log(exc: BaseException) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"healthcheck-crash-{stamp}.log"
    path.write_text(
        f"healthcheck {__version__} crashed: {type(exc).__name__}: {exc}\n\n"
        + "".join(traceback.format_exception(exc)),
        encoding="utf-8",
    )
    return path


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit does not fail again on a closed pipe or a full disk."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def guarded(fn: Callable[[], int]) -> int:
    """Run a command body and map every way it can end to an exit code.

    Standard output is flushed here, inside the guard: a closed pipe (``| head``)
    ends the command quietly with exit 2, a full disk with one line and exit 2,
    instead of a traceback at interpreter exit.
    """
    try:
        code = fn()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_USAGE
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            return _internal(exc)
        _silence_stdout()
        click.echo(f"healthcheck: error: cannot write the output: {exc.strerror or exc}", err=True)
        return EXIT_USAGE
    except UsageError as exc:
        click.echo(f"healthcheck: error: {console_line(str(exc))}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        click.echo("healthcheck: interrupted", err=True)
        return 130
    except Exception as exc:
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    path = crash_log(exc)
    click.echo(f"healthcheck: internal error ({type(exc).__name__}); details in {path}", err=True)
    return EXIT_INTERNAL


def run_scan(
    path: str,
    gates: Sequence[str],
    cache_dir: str | None,
    options: ScanOptions,
    extra_overrides: dict[str, Any] | None = None,
) -> ScanResult:
    overrides = parse_gate_overrides(gates)
    overrides.update(extra_overrides or {})
    with ProgressLine() as progress:
        return scan(Path(path), options=options, overrides=overrides, cache_dir=cache_dir, progress=progress)


FORMAT_CHOICE = click.Choice(sorted(RENDERERS))

F = TypeVar("F", bound=Callable[..., Any])


def _apply(fn: F, decorators: Sequence[Callable[[F], F]]) -> F:
    """Apply decorators as if stacked above ``fn`` in this order."""
    for decorate in reversed(decorators):
        fn = decorate(fn)
    return fn


def _absolute_python(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A path given to ``--python`` names a file from the directory the command was started in; the checks run
    the interpreter from the scanned tree (mypy, the import workers), where a relative path names nothing. A
    bare name (``python3.12``) stays a name, looked up on PATH."""
    if value and (os.sep in value or (os.altsep and os.altsep in value)):
        return os.path.abspath(value)
    return value


PYTHON_OPTION = click.option("--python", "python", callback=_absolute_python,
                             help="Interpreter of the scanned repository (default: this one).")


def scan_options(fn: F) -> F:
    """The options every scanning command takes, in one place."""
    decorators = [
        click.option("--gate", "gates", multiple=True, metavar="NAME=VALUE", help="Override a gate threshold."),
        click.option("--cache-dir",
                     help="Cache folder (default: one per tree in the user's cache folder; 'none' disables)."),
        click.option("--tests/--no-tests", "run_tests", default=None,
                     help="Run the repository's test suite (never unasked)."),
        PYTHON_OPTION,
        click.option("--no-import-check", is_flag=True, help="Do not import the repository's modules."),
        click.option("--no-types", is_flag=True, help="Do not run mypy."),
    ]
    return _apply(fn, decorators)


def options_from(
    run_tests: bool | None,
    python: str | None,
    no_import_check: bool,
    no_types: bool,
    diff_base: str | None = None,
    only: Sequence[str] = (),
) -> ScanOptions:
    """The :class:`ScanOptions` that :func:`scan_options`' flags ask for."""
    return ScanOptions(
        run_tests=run_tests, python=python, import_check=not no_import_check, types=not no_types,
        diff_base=diff_base, only=frozenset(only),
    )


def output_options(fn: F) -> F:
    """Where and in which formats a command writes its report."""
    return _apply(
        fn,
        [
            click.option("--format", "formats", multiple=True, type=FORMAT_CHOICE,
                         help="Report format; repeatable (default: json and markdown)."),
            click.option("--output", "-o", help="File to write (one --format, or alone: the format its extension names)."),
            click.option("--out-dir", default="reports", show_default=True, help="Folder for the default outputs."),
        ],
    )
