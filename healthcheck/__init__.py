"""healthcheck: tell a Python codebase what is wrong with it, and in what order to fix it.

The package is layered (see ``.importlinter``): ``model`` at the bottom holds the
plain data every other part exchanges; ``project``, ``config`` and ``parse`` turn a
directory into facts; ``checks`` turn facts into findings and metrics; ``gates``
and ``triage`` judge them; ``report`` renders them; ``engine`` runs a scan and
``cli`` is the only part that talks to a person.
"""

__version__ = "0.1.0"
