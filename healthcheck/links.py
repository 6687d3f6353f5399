"""Links between findings go both ways: a static finding names the import failures it causes.

Checks that run code come after the static ones, so an ``import-failure`` can
name the ``import-cycle``, ``syntax-error`` or ``unresolved-import`` finding
that explains it (``data.linked``, by id), but the static finding was made
before the failure existed. Once every check has run, the post-check step
:class:`LinkBack` adds the link back here: each finding an import failure links to gets that failure's id in
its own ``data.linked``. Only import failures are linked back; there is one per
root cause, whereas failing tests, which link to their causes too, can be
thousands, and triage already groups them by cause.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Sequence

from healthcheck.check_run import CheckRun
from healthcheck.model import Finding

LINKED_BACK = ("import-failure",)  # the checks whose links their targets carry back


def link_back(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with each target of an import failure's ``data.linked`` linking back to it."""
    back: dict[str, list[str]] = {}
    for finding in findings:
        if finding.kind in LINKED_BACK:
            for target in finding.data.get("linked", ()):
                back.setdefault(str(target), []).append(finding.id)
    out: list[Finding] = []
    for finding in findings:
        sources = back.get(finding.id)
        if sources:
            have = [str(i) for i in finding.data.get("linked", ())]
            linked = have + [i for i in sources if i not in have]
            finding = replace(finding, data={**finding.data, "linked": linked})
        out.append(finding)
    return out


class LinkBack:
    """The post-check step: each static finding an import failure links to links back to it."""

    name: ClassVar[str] = "link-back"

    def run(self, run: CheckRun) -> None:
        run.findings = link_back(run.findings)
