"""Errors that mean "the user asked for something we cannot do" (exit code 2).

Anything else that escapes is a bug in healthcheck and becomes exit code 3 with a
log file; keeping usage errors in one small hierarchy is what lets the CLI tell
the two apart without guessing.
"""


class UsageError(Exception):
    """Bad input from the user: a path, a flag, a configuration value. One line, exit 2."""


class ConfigError(UsageError):
    """The scanned repository's ``[tool.healthcheck]`` table is not usable."""
