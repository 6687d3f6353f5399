"""``healthcheck fix``: mechanical repairs for the findings that block a broken codebase, each proven first.

A repair is planned from a finding's facts (the undefined name, the cycle's edge to move, the copy nothing
uses, the name that moved), written as a formatting-preserving libcst edit, and offered only after a scan of a
scratch copy with the edit applied shows the finding gone and nothing new (:mod:`healthcheck.fix.proof`).
"""
