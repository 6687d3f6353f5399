"""The reference workspace service: isolated, hardened Docker workspaces behind an owner-scoped HTTP API.

Layers, top to bottom (enforced by `.importlinter`): ``cli``/``app`` wire things, ``api`` speaks HTTP,
``tasks`` and ``reconcile`` do the background work, ``domain`` holds the rules, ``store`` and ``runtime``
talk to the database and to Docker, ``model`` and ``settings`` are plain data every layer shares.
"""
