"""Python 2's builtins that Python 3 removed: one list for the two checks that recognise Python 2 code.

The names check accepts them in a repository that still supports Python 2; the import check explains a
``NameError`` on one of them as ``python2-only`` instead of a bug. Kept below both check packages, which never
import each other.
"""

from __future__ import annotations

PY2_BUILTINS = frozenset({
    "unicode", "basestring", "long", "xrange", "unichr", "raw_input", "execfile", "reload", "file", "cmp",
    "buffer", "apply", "intern", "coerce", "reduce",
})
