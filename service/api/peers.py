"""How the front tells the app each client's address: the path it binds its connection to granian to.

granian reports the path a Unix-socket client bound as that connection's client (``scope.client``). The front
(``cli.front``) binds each of its connections to granian to a path naming the client's address and port, in
the directory ``PEERS`` beside granian's socket; the bridge (``api.rsgi``) reads the address back from such a
path only. That directory sits in the private directory of one ``serve`` (mode 0700), so nobody but that
serve's user can make such a path, and no header a client sends is ever taken for its address.
"""

from __future__ import annotations

import os

PEERS = "peers"  # the directory beside granian's socket where connections to it are bound, one path a client


def peer_path(upstream: str, address: str, port: int, serial: int) -> str:
    """The path a connection to granian (``upstream``) is bound to, naming its client (``address``, ``port``);
    ``serial`` keeps two connections apart that the same address and port made one after the other."""
    return os.path.join(os.path.dirname(upstream), PEERS, f"{address},{port},{serial}")


def peer_address(upstream: str, client: str) -> tuple[str, str] | None:
    """The client's (address, port) named by the path ``client`` that a connection to ``upstream`` was bound
    to, or None for any other client (one not bound by the front, or a TCP one)."""
    directory = os.path.join(os.path.dirname(upstream), PEERS) + os.sep
    if not client.startswith(directory):
        return None
    name = client[len(directory):]
    if name.count(",") < 2 or os.sep in name:
        return None
    address, port, serial = name.rsplit(",", 2)
    return (address, port) if address and port.isdigit() and serial.isdigit() else None
