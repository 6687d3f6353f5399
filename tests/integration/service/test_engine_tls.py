"""A remote engine over TLS with client certificates (ci/docker-up.sh's second engine on ``TLS_URL``).

With the operator's CA and client certificate the runtime works there like on a local socket; with a CA that
did not sign the engine's certificate, a client certificate the engine's CA did not sign, or no TLS at all,
every call fails as ``RuntimeUnavailable`` with one line saying why, and a missing file is refused when the
runtime is made.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import docker
import pytest
from integration.service.conftest import IMAGE, TLS_URL

from service.model import Resources
from service.runtime import ContainerSpec, RuntimeUnavailable
from service.runtime.docker_runtime import DockerRuntime
from service.settings import EngineTls


def make_ca_and_client(folder: Path) -> EngineTls:
    """A CA of the test's own and a client certificate it signed: neither is known to the engine."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    ca, ca_key = folder / "ca.pem", folder / "ca-key.pem"
    cert, key, csr = folder / "client.pem", folder / "client-key.pem", folder / "client.csr"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stranger CA",
            "-keyout", str(ca_key), "-out", str(ca))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=stranger", "-keyout", str(key), "-out", str(csr))
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
            "-days", "1", "-out", str(cert))
    return EngineTls(str(ca), str(cert), str(key))


def test_with_the_client_certificate_a_workspace_runs_on_the_remote_engine(
        tls_files: EngineTls, second_docker: docker.DockerClient, instance: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a system CA bundle in the environment must not replace the operator's CA (docker/docker-py#2433)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    runtime = DockerRuntime(TLS_URL, instance=instance, tls=tls_files)
    try:
        runtime.ensure_image(IMAGE)
        spec = ContainerSpec(workspace_id=f"tls{instance[-6:]}", owner="alice", image=IMAGE,
                             resources=Resources(cpus=0.5, memory_mb=64, pids=64))
        container_id = runtime.create(spec)
        runtime.start(container_id)
        info = runtime.find(spec.workspace_id)
        assert info is not None and info.state == "running"
        # the very container, seen through the engine's local socket
        assert second_docker.containers.get(container_id).status == "running"
        runtime.remove(container_id)
        runtime.remove_volume(spec.workspace_id)
        assert runtime.find(spec.workspace_id) is None
    finally:
        runtime.close()


def unreachable_reason(runtime: DockerRuntime) -> str:
    """The one-line reason a call to the engine fails with."""
    try:
        with pytest.raises(RuntimeUnavailable) as caught:
            runtime.ping()
    finally:
        runtime.close()
    reason = str(caught.value)
    assert "\n" not in reason and "Traceback" not in reason
    return reason


def test_a_ca_that_did_not_sign_the_engine_is_refused(tls_files: EngineTls, tmp_path: Path) -> None:
    stranger = make_ca_and_client(tmp_path)
    reason = unreachable_reason(DockerRuntime(TLS_URL, tls=EngineTls(stranger.ca, tls_files.cert, tls_files.key)))
    assert "CERTIFICATE_VERIFY_FAILED" in reason


def test_a_client_certificate_the_engine_did_not_issue_is_refused(tls_files: EngineTls, tmp_path: Path) -> None:
    stranger = make_ca_and_client(tmp_path)
    reason = unreachable_reason(DockerRuntime(TLS_URL, tls=EngineTls(tls_files.ca, stranger.cert, stranger.key)))
    assert "BAD_CERTIFICATE" in reason


def test_plain_tcp_to_a_tls_endpoint_is_refused(tls_files: EngineTls) -> None:
    reason = unreachable_reason(DockerRuntime(TLS_URL))
    assert "HTTPS" in reason


def test_a_missing_file_is_one_line_when_the_runtime_is_made(tls_files: EngineTls, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.pem")
    with pytest.raises(ValueError) as caught:
        DockerRuntime(TLS_URL, tls=EngineTls(tls_files.ca, tls_files.cert, missing))
    assert str(caught.value) == f"engine TLS key file {missing!r} cannot be read: No such file or directory"
