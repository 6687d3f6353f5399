"""The client side of a remote engine's TLS endpoint: the operator's files turned into the docker SDK's
``TLSConfig``, checked when the runtime is made.

A Docker engine's API is root on its host, so a remote engine is reached only over ``dockerd --tlsverify``:
the service checks the engine's certificate against the operator's CA and shows its own client certificate.
A missing or unreadable file is one line naming the file when the service starts, not an SSL traceback at
the first create.

The SDK gives the CA to its ``requests`` session as ``verify``, which requests replaces by
``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` when either is set (docker/docker-py#2433, open): with a
system bundle there the engine's private CA is never used and every call fails verification. The session
made for an engine therefore ignores the environment (``trust_env``: no CA bundle, proxy or netrc from it).
"""

from __future__ import annotations

from typing import Any

import docker.errors
import docker.tls

from service.settings import EngineTls


class EngineTlsConfig(docker.tls.TLSConfig):
    """The SDK's ``TLSConfig``, whose ``configure_client`` (called by the client before its first request) also
    stops the session reading the environment, so the operator's CA is the one verified against."""

    def configure_client(self, client: Any) -> None:
        super().configure_client(client)
        client.trust_env = False


def tls_config(files: EngineTls) -> docker.tls.TLSConfig:
    """``TLSConfig(client_cert=(cert, key), ca_cert=ca, verify=True)``; raises ``ValueError`` (one line) when a
    file cannot be read."""
    for role, path in (("CA", files.ca), ("certificate", files.cert), ("key", files.key)):
        try:
            with open(path, "rb") as handle:
                handle.read(1)
        except OSError as exc:
            raise ValueError(f"engine TLS {role} file {path!r} cannot be read: {exc.strerror or exc}") from exc
    try:
        return EngineTlsConfig(client_cert=(files.cert, files.key), ca_cert=files.ca, verify=True)
    except docker.errors.TLSParameterError as exc:
        raise ValueError(f"engine TLS files {files.cert!r}, {files.key!r}, {files.ca!r}: {exc}") from exc
