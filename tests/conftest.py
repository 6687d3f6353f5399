"""Suite-wide settings: every healthcheck report produced by any test is validated against the schema.

The variable is inherited by the subprocesses the end-to-end tests start, so a
report that breaks the public contract makes the command exit 3 and the test fail.
"""

import os

os.environ["HEALTHCHECK_VALIDATE_REPORTS"] = "1"
