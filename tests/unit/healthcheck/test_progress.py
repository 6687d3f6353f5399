"""The progress line shows only on terminals and only when slow, and clears itself."""

from __future__ import annotations

import io
import time

from healthcheck.progress import ProgressLine


def test_progress_line_appears_after_the_delay_and_is_cleared() -> None:
    stream = io.StringIO()
    with ProgressLine(stream=stream, delay=0.05, enabled=True) as progress:
        progress("parsing 10/20 files")
        time.sleep(0.4)
    text = stream.getvalue()
    assert "parsing 10/20 files" in text
    assert text.endswith("\r\x1b[K")


def test_progress_line_stays_silent_when_quick_or_not_a_terminal() -> None:
    quick = io.StringIO()
    with ProgressLine(stream=quick, delay=5, enabled=True) as progress:
        progress("parsing")
    assert quick.getvalue() == ""
    piped = io.StringIO()
    with ProgressLine(stream=piped, delay=0) as progress:
        progress("parsing")
        time.sleep(0.1)
    assert piped.getvalue() == ""
