"""Text from the scanned tree, made safe for where it is written: a terminal, a CI log, an XML file.

File names, test names and failure messages come from the repository, so they
may hold anything: a newline followed by ``::error title=x::forged`` (which
GitHub Actions would read as an annotation of its own), ``::stop-commands::``,
an escape sequence that retitles or clears the terminal, a lone surrogate
(which no UTF-8 file can hold, so writing it fails) or a control character
that XML forbids even escaped. Each writer passes its text through one of
these functions on the way out, so the text says what it says, on its line.
"""

from __future__ import annotations

import re

# Lone surrogates: what a file name that is not UTF-8 decodes to, and what UTF-8 cannot encode.
_SURROGATES = re.compile("[\ud800-\udfff]")
# What XML 1.0 cannot carry, even as a character reference.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# What a terminal or a log viewer acts on instead of showing: C0 and C1 controls but the tab, DEL,
# line and paragraph separators, and the bidirectional overrides that reorder what a line seems to say.
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Lines a CI runner reads as commands: GitHub's workflow commands and the older ##[...] form.
_COMMAND_START = re.compile(r"^(\s*)(::|##\[|##vso\[)")


def encodable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so that it can be written as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def for_xml(text: str) -> str:
    """``text`` without what XML 1.0 forbids (replaced by U+FFFD), for the JUnit and HTML writers."""
    return _XML_FORBIDDEN.sub("\ufffd", text)


_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str) -> str:
    """``text`` with its line breaks shown as ``\\x0a``: a finding's message is one line (the report's schema)."""
    return _LINE_BREAKS.sub(_visible, text)


def console_line(text: str) -> str:
    """One line for a terminal or a CI log: controls shown as ``\\xNN``, never started by a runner command.

    A newline inside ``text`` is shown as ``\\x0a`` too, so a value can never
    start a line of its own; give multi-line text to :func:`console_text`.
    """
    shown = _CONTROLS.sub(_visible, text)
    return _COMMAND_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", shown)


def console_text(text: str) -> str:
    """:func:`console_line` applied to each line of ``text``."""
    return "\n".join(console_line(line) for line in text.split("\n"))
