"""What kind of fix a failed import needs, when the fix lies outside the module's own code.

"``httplib`` is missing (distribution httplib)" sends a reader to install something that does not exist: the
module is Python 2 code. An empty ``AssertionError`` at ``assert sys.platform == "win32"`` is a Windows-only
module, not a bug; ``ImproperlyConfigured: Requested setting INSTALLED_APPS`` is a framework that wants its
settings before its models are imported; ``libGL.so.1: cannot open shared object file`` is a system package
to install. Each is recognised here from what the probe reported (the exception, its message, the missing
name) and the source line that raised, as a person reading the traceback would:

- ``python2-only``: a Python 2 standard-library module or builtin (``urlparse``, ``unicode``);
- ``platform``: a module of another platform (``winreg``, ``fcntl`` on Windows) or a platform test that failed;
- ``configuration``: a framework that needs its settings configured (Django, Flask's application context);
- ``system-dependency``: a shared library the system lacks.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping

from healthcheck.checks.python2 import PY2_BUILTINS

PY2_MODULES = frozenset({
    "httplib", "urlparse", "urllib2", "StringIO", "cStringIO", "cPickle", "ConfigParser", "Queue", "__builtin__",
    "HTMLParser", "htmlentitydefs", "Cookie", "cookielib", "xmlrpclib", "SimpleXMLRPCServer", "SocketServer",
    "BaseHTTPServer", "SimpleHTTPServer", "CGIHTTPServer", "thread", "dummy_thread", "commands", "copy_reg",
    "repr", "Tkinter", "tkMessageBox", "tkFileDialog", "ttk", "anydbm", "dbhash", "whichdb", "dumbdbm", "gdbm",
    "md5", "sha", "sets", "exceptions", "UserDict", "UserList", "UserString", "robotparser",
    "popen2", "mimetools", "rfc822", "imputil", "compiler", "sgmllib", "htmllib", "mhlib", "DocXMLRPCServer",
    "future_builtins", "hotshot",
})
PLATFORM_MODULES: Mapping[str, str] = {
    **dict.fromkeys(("winreg", "_winreg", "msvcrt", "winsound", "_winapi", "nt", "win32api", "win32con",
                     "win32com", "win32file", "win32event", "win32process", "win32pipe", "win32service",
                     "win32serviceutil", "win32gui", "win32clipboard", "pywintypes", "pythoncom", "wmi",
                     "_overlapped", "winerror"), "Windows"),
    **dict.fromkeys(("AppKit", "Foundation", "objc", "_scproxy", "CoreFoundation", "Quartz", "Cocoa",
                     "PyObjCTools"), "macOS"),
    **dict.fromkeys(("fcntl", "termios", "pwd", "grp", "resource", "posix", "crypt", "tty", "pty", "syslog",
                     "_curses", "curses", "spwd", "nis", "ossaudiodev", "readline"), "Unix"),
}
_WINDOWS_ONLY_ATTRIBUTES = re.compile(r"has no attribute '(windll|WinDLL|oledll|OleDLL|WinError|FormatError|"
                                      r"wintypes|STARTUPINFO|CREATE_NEW_CONSOLE|getwindowsversion)'")
_PLATFORM_TEST = re.compile(r"sys\.platform|os\.name|platform\.system|IS_WINDOWS|ON_WINDOWS|WIN32|"
                            r"is_windows|(?:windows|macos|linux)[- ]only|"
                            r"only (?:on |for )?(?:windows|macos|mac|osx|darwin|linux)\b", re.IGNORECASE)
_PLATFORM_WORDS = (
    (re.compile(r"win32|windows|\bnt\b|cygwin", re.IGNORECASE), "Windows"),
    (re.compile(r"darwin|macos|\bmac\b|osx", re.IGNORECASE), "macOS"),
    (re.compile(r"linux", re.IGNORECASE), "Linux"),
)
_CONFIGURATION = re.compile(
    r"settings are not configured|DJANGO_SETTINGS_MODULE|Apps aren't loaded yet|outside of application context|"
    r"app_context|outside of request context"
)
_CONFIGURATION_EXCEPTIONS = ("ImproperlyConfigured", "AppRegistryNotReady")
_SHARED_LIBRARY = re.compile(
    r"cannot open shared object file|Library not loaded|image not found|DLL load failed|"
    r"(?:failed|unable|could not|cannot) (?:to )?(?:find|load) (?:the )?(?:shared )?(?:library|lib)",
    re.IGNORECASE,
)
_LIBRARY_NAME = re.compile(r"[\w.+-]+\.(?:so(?:\.\d+)*|dll|dylib)\b|\blib[a-z0-9_+-]*[a-z0-9]", re.IGNORECASE)
_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")


@dataclass(frozen=True)
class Diagnosis:
    """A cause outside the module's own code, and what it is about (the platform, library or framework)."""

    cause: str  # "python2-only" | "platform" | "configuration" | "system-dependency"
    subject: str  # what the modules failing this way share: "Windows", "libGL.so.1", "Django", "urlparse"


def _platform_named(text: str) -> str:
    for pattern, name in _PLATFORM_WORDS:
        if pattern.search(text):
            return name
    return "another platform"


def _framework(exception: str, message: str) -> str:
    if exception.startswith("django.") or "DJANGO" in message or "Apps aren't loaded" in message:
        return "Django"
    if "application context" in message or "request context" in message or exception.startswith("flask"):
        return "Flask"
    return exception.split(".")[0] if "." in exception else "the framework"


def diagnose(info: Mapping[str, Any], source_line: str = "") -> Diagnosis | None:
    """The outside cause of the failure the probe described in ``info`` (``source_line``: the project line
    that raised), or None when the module's own code or the project is to blame."""
    missing = str(info.get("missing") or "")
    exception = str(info.get("exception") or "")
    message = str(info.get("message") or "")
    top = missing.split(".")[0]
    if missing:
        if top in PY2_MODULES:
            return Diagnosis("python2-only", top)
        if top in PLATFORM_MODULES and PLATFORM_MODULES[top] != _this_platform():
            return Diagnosis("platform", PLATFORM_MODULES[top])
        return None
    name = _NAME_ERROR.search(message)
    if exception == "NameError" and name and name.group(1) in PY2_BUILTINS:
        return Diagnosis("python2-only", name.group(1))
    if exception.endswith(_CONFIGURATION_EXCEPTIONS) or _CONFIGURATION.search(message):
        return Diagnosis("configuration", _framework(exception, message))
    if _SHARED_LIBRARY.search(message) and exception.rsplit(".", 1)[-1] in ("ImportError", "OSError"):
        library = _LIBRARY_NAME.search(message)
        return Diagnosis("system-dependency", library.group(0) if library else message[:80])
    if exception == "AttributeError" and _WINDOWS_ONLY_ATTRIBUTES.search(message):
        return Diagnosis("platform", "Windows")
    said = f"{source_line} {message}"
    if _PLATFORM_TEST.search(said):
        return Diagnosis("platform", _platform_named(said))
    return None


def _this_platform() -> str:
    """The platform healthcheck runs on, in the words :data:`PLATFORM_MODULES` uses (the scanned interpreter
    runs on the same machine)."""
    if sys.platform.startswith("win"):
        return "Windows"
    return "macOS" if sys.platform == "darwin" else "Unix"
