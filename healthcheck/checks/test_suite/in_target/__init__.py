"""The test check's code that runs inside the scanned repository's interpreter: standard library and pytest only.

``pytest_plugin.py`` is copied alone into a scratch folder and loaded by the repository's own pytest under a
name made at random (:func:`healthcheck.checks.test_suite.run.plugin_dir`); that interpreter may have none of
healthcheck's dependencies, so the plugin imports nothing else. This package is imported for the path only.
"""

from __future__ import annotations

from pathlib import Path

PYTEST_PLUGIN = Path(__file__).resolve().parent / "pytest_plugin.py"
