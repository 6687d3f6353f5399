"""``service.client``: a typed Python client of the workspace service's HTTP API, on the standard library only.

The CLI's ``ws`` commands and the tests use it, so it is the one place that knows how a request is spelled.
Answers are returned as the JSON documents the API publishes (``/openapi.json``), typed here as ``TypedDict``s
of the same names as the schemas' components; a test holds their keys equal to the schemas' properties. Every
failure, an HTTP error (its RFC 9457 problem document) or no answer at all, is raised as one ``ApiError``.
Long answers (a streamed exec, followed logs, downloads) are iterators that read the socket as it arrives.
It imports nothing else of the service, so it works wherever Python does.
"""

import http.client
import json
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict, cast
from urllib.parse import quote, urlencode, urlsplit

JSON = "application/json"
OCTETS = "application/octet-stream"
TAR = "application/x-tar"
CHUNK = 64 * 1024
SETTLED = frozenset({"running", "stopped", "failed", "deleted"})


class Resources(TypedDict):
    """What a workspace's container may use."""

    cpus: float
    memory_mb: int
    pids: int


class Workspace(TypedDict):
    """The ``Workspace`` schema."""

    id: str
    name: str
    image: str
    project_path: str | None
    resources: Resources
    state: str
    desired_state: str
    container_id: str | None
    engine: str
    last_error: str | None
    operations: list[str]
    created_at: str
    updated_at: str


class WorkspaceAccepted(Workspace):
    """The ``WorkspaceAccepted`` schema: a workspace and the task just queued for it."""

    task_id: str
    task_url: str


class WorkspaceList(TypedDict):
    """The ``WorkspaceList`` schema: one page."""

    items: list[Workspace]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class Policy(TypedDict):
    """The ``Policy`` schema: a workspace's environment (secrets by name only) and its idle and TTL clocks."""

    env: dict[str, str]
    secret_names: list[str]
    idle_timeout_s: float | None
    last_active_at: str | None
    expires_at: str | None


class WorkspaceStatus(TypedDict):
    """The ``WorkspaceStatus`` schema."""

    workspace: Workspace
    engine: str
    container_id: str | None
    container_state: str
    uptime_seconds: NotRequired[float | None]
    cpu_seconds: NotRequired[float | None]
    memory_bytes: NotRequired[int | None]
    memory_limit_bytes: NotRequired[int | None]
    oci_runtime: NotRequired[str | None]
    reason: str | None
    last_error: str | None
    policy: Policy


class Task(TypedDict):
    """The ``Task`` schema."""

    id: str
    kind: str
    workspace_id: str
    batch_id: NotRequired[str | None]
    status: str
    attempts: int
    max_attempts: NotRequired[int]
    error: NotRequired[str | None]
    created_at: str
    run_at: NotRequired[str]
    started_at: NotRequired[str | None]
    finished_at: NotRequired[str | None]


class BatchAccepted(TypedDict):
    """The ``BatchAccepted`` schema."""

    batch_id: str
    operation: str
    status_url: str
    task_ids: list[str]


class BatchItem(TypedDict):
    """One workspace's line in a ``BatchStatus``."""

    workspace_id: str
    task_id: str
    task_status: str
    workspace_state: str | None
    error: str | None


class BatchStatus(TypedDict):
    """The ``BatchStatus`` schema."""

    batch_id: str
    operation: str
    done: bool
    counts: dict[str, int]
    items: list[BatchItem]


class ExecResult(TypedDict):
    """The ``ExecResult`` schema: how a command ended and what it printed (each stream bounded)."""

    exit_code: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_s: float


class FileWritten(TypedDict):
    """The ``FileWritten`` schema: what an upload stored."""

    path: str
    size: int


@dataclass(frozen=True)
class ExecOutput:
    """A piece of a streamed command's output, as it arrived."""

    stream: Literal["stdout", "stderr"]
    text: str


@dataclass(frozen=True)
class Download:
    """A file or a folder read from a workspace: ``is_folder`` says the chunks are a tar of the folder."""

    is_folder: bool
    chunks: Iterator[bytes]


class ApiError(Exception):
    """The one failure the client raises: the API's problem document (``status``, ``title``, ``detail``, and
    the whole ``document``), or ``status`` None when no HTTP answer came (refused, reset, timed out). Its text is
    one line: the status, the title, the detail and the first schema error the document lists."""

    def __init__(self, status: int | None, title: str, detail: str, document: Mapping[str, Any] | None = None) -> None:
        errors = (document or {}).get("errors")
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else None
        said = detail if first is None else f"{detail} ({first.get('path')}: {first.get('message')})"
        super().__init__(f"{status} {title}: {said}" if status is not None else f"{title}: {said}")
        self.status = status
        self.title = title
        self.detail = detail
        self.document: dict[str, Any] = dict(document or {})


class Client:
    """One service (``url``, e.g. ``http://127.0.0.1:8080``) acting as the owner of ``token``."""

    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(None, "bad service URL", f"{url!r} is not an http:// or https:// URL")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/")

    # --- workspaces -------------------------------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        image: str | None = None,
        project_path: str | None = None,
        resources: Mapping[str, float] | None = None,
        env: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        idle_timeout_s: float | None = None,
        ttl_s: float | None = None,
        engine_labels: Mapping[str, str] | None = None,
    ) -> WorkspaceAccepted:
        """Create a workspace (it comes up in the background: see ``wait_state``); ``secrets`` are write-only;
        ``engine_labels``: labels the engine it is placed on must carry."""
        body: dict[str, Any] = {"name": name}
        for key, value in (("image", image), ("project_path", project_path), ("resources", resources),
                           ("env", env), ("secrets", secrets), ("idle_timeout_s", idle_timeout_s),
                           ("ttl_s", ttl_s), ("engine_labels", engine_labels)):
            if value is not None:
                body[key] = dict(value) if isinstance(value, Mapping) else value
        return cast(WorkspaceAccepted, self._json("POST", "/api/workspaces", body))

    def list(self, state: str | None = None, limit: int | None = None, offset: int | None = None) -> WorkspaceList:
        """One page of the owner's workspaces."""
        query = {k: v for k, v in (("state", state), ("limit", limit), ("offset", offset)) if v is not None}
        return cast(WorkspaceList, self._json("GET", "/api/workspaces", query=query))

    def all(self, state: str | None = None) -> Iterator[Workspace]:
        """Every workspace of the owner, page after page."""
        offset: int | None = 0
        while offset is not None:
            page = self.list(state, offset=offset)
            yield from page["items"]
            offset = page["next_offset"]

    def get(self, workspace_id: str) -> Workspace:
        """One workspace."""
        return cast(Workspace, self._json("GET", _ws(workspace_id)))

    def update(
        self, workspace_id: str, name: str | None = None, resources: Mapping[str, float] | None = None
    ) -> Workspace | WorkspaceAccepted:
        """Rename and/or resize (a ``WorkspaceAccepted`` with the resize task when resources changed)."""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if resources is not None:
            body["resources"] = dict(resources)
        return cast(Workspace, self._json("PATCH", _ws(workspace_id), body))

    def delete(self, workspace_id: str, keep_volume: bool = False) -> WorkspaceAccepted:
        """Queue the deletion; ``keep_volume`` keeps the workspace's /workspace volume."""
        query = {"keep_volume": "true"} if keep_volume else {}
        return cast(WorkspaceAccepted, self._json("DELETE", _ws(workspace_id), query=query))

    def start(self, workspace_id: str) -> WorkspaceAccepted:
        """Queue a start."""
        return cast(WorkspaceAccepted, self._json("POST", _ws(workspace_id, "start")))

    def stop(self, workspace_id: str) -> WorkspaceAccepted:
        """Queue a stop."""
        return cast(WorkspaceAccepted, self._json("POST", _ws(workspace_id, "stop")))

    def restart(self, workspace_id: str) -> WorkspaceAccepted:
        """Queue a restart."""
        return cast(WorkspaceAccepted, self._json("POST", _ws(workspace_id, "restart")))

    def status(self, workspace_id: str) -> WorkspaceStatus:
        """The workspace with its container's live state and its policy."""
        return cast(WorkspaceStatus, self._json("GET", _ws(workspace_id, "status")))

    def batch(self, operation: str, workspace_ids: Sequence[str], engine: str | None = None) -> BatchAccepted:
        """Start, stop, restart, delete or move several workspaces at once (all or nothing); a move goes to
        ``engine``, or where the service places each."""
        body: dict[str, object] = {"operation": operation, "workspace_ids": list(workspace_ids)}
        if engine is not None:
            body["engine"] = engine
        return cast(BatchAccepted, self._json("POST", "/api/workspaces/batch", body))

    def batch_status(self, batch_id: str) -> BatchStatus:
        """A batch's progress."""
        return cast(BatchStatus, self._json("GET", f"/api/workspaces/batch/{quote(batch_id, safe='')}/status"))

    def task(self, task_id: str) -> Task:
        """One task."""
        return cast(Task, self._json("GET", f"/api/tasks/{quote(task_id, safe='')}"))

    def wait_task(self, task_id: str, timeout: float = 60.0, interval: float = 0.2) -> Task:
        """Poll a task until it succeeded or failed; ``ApiError`` (status None) when ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.task(task_id)
            if found["status"] in ("succeeded", "failed"):
                return found
            if time.monotonic() > deadline:
                raise ApiError(None, "timed out", f"task {task_id} still {found['status']} after {timeout:g} s")
            time.sleep(interval)

    def wait_state(self, workspace_id: str, states: frozenset[str] = SETTLED, timeout: float = 60.0,
                   interval: float = 0.2) -> Workspace:
        """Poll a workspace until its state is one of ``states`` (by default any settled state)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.get(workspace_id)
            if found["state"] in states:
                return found
            if time.monotonic() > deadline:
                raise ApiError(None, "timed out", f"workspace {workspace_id} still {found['state']} after {timeout:g} s")
            time.sleep(interval)

    # --- inside a workspace -----------------------------------------------------------------------

    def exec(self, workspace_id: str, cmd: Sequence[str], *, cwd: str | None = None,
             env: Mapping[str, str] | None = None, timeout_s: float | None = None,
             stdin: str | None = None) -> ExecResult:
        """Run ``cmd`` (an argv list) in the workspace and wait for it to end."""
        return cast(ExecResult, self._json("POST", _ws(workspace_id, "exec"), _exec_body(cmd, cwd, env, timeout_s, stdin)))

    def exec_stream(self, workspace_id: str, cmd: Sequence[str], *, cwd: str | None = None,
                    env: Mapping[str, str] | None = None, timeout_s: float | None = None,
                    stdin: str | None = None) -> Iterator[ExecOutput | ExecResult]:
        """Run ``cmd`` and yield its output as it comes (``ExecOutput``), then its ``ExecResult`` last."""
        body = json.dumps(_exec_body(cmd, cwd, env, timeout_s, stdin)).encode()
        response, conn = self._open("POST", _ws(workspace_id, "exec"), body, JSON, {"stream": "true"},
                                    accept="text/event-stream")
        try:
            for event, data in _server_sent_events(response):
                if event in ("stdout", "stderr"):
                    yield ExecOutput(cast(Literal["stdout", "stderr"], event), _event_text(data))
                elif event == "exit":
                    yield cast(ExecResult, json.loads(data))
                    return
                elif event == "error":
                    raise ApiError(None, "exec failed", data)
            raise ApiError(None, "stream ended", "the exec stream ended without an exit event")
        finally:
            conn.close()

    def upload(self, workspace_id: str, path: str, data: bytes) -> FileWritten:
        """Write one file at ``path`` (relative to /workspace)."""
        return cast(FileWritten, self._json("PUT", _ws(workspace_id, "files"), query={"path": path},
                                            raw=data, content_type=OCTETS))

    def upload_tar(self, workspace_id: str, path: str, tar: bytes) -> dict[str, Any]:
        """Extract a tar archive into the folder ``path`` (relative to /workspace)."""
        return cast(dict[str, Any], self._json("PUT", _ws(workspace_id, "files"), query={"path": path}, raw=tar,
                                               content_type=TAR))

    def download(self, workspace_id: str, path: str) -> Download:
        """Read ``path``: a file's bytes, or a tar of a folder, in chunks as they arrive."""
        response, conn = self._open("GET", _ws(workspace_id, "files"), None, None, {"path": path}, accept="*/*")
        is_folder = (response.getheader("Content-Type") or "").split(";")[0].strip() == TAR

        def chunks() -> Iterator[bytes]:
            try:
                while piece := response.read(CHUNK):
                    yield piece
            finally:
                conn.close()

        return Download(is_folder, chunks())

    def logs(self, workspace_id: str, tail: int | None = None) -> str:
        """The container's output so far (the last ``tail`` lines, or all)."""
        return "".join(self.follow_logs(workspace_id, tail, follow=False))

    def follow_logs(self, workspace_id: str, tail: int | None = None, follow: bool = True) -> Iterator[str]:
        """The container's output, then (``follow``) whatever it prints next, as it arrives."""
        query: dict[str, Any] = {"follow": "true" if follow else "false"}
        if tail is not None:
            query["tail"] = tail
        response, conn = self._open("GET", _ws(workspace_id, "logs"), None, None, query, accept="text/plain",
                                    endless=follow)
        try:
            while piece := response.read1(CHUNK):
                yield piece.decode("utf-8", "replace")
        finally:
            conn.close()

    # --- the service ------------------------------------------------------------------------------

    def healthz(self) -> dict[str, Any]:
        """Liveness."""
        return cast(dict[str, Any], self._json("GET", "/healthz"))

    def readyz(self) -> dict[str, Any]:
        """Readiness of the store and the engine (not ready: ``ApiError`` 503 whose document has ``checks``)."""
        return cast(dict[str, Any], self._json("GET", "/readyz"))

    def metrics(self) -> str:
        """The Prometheus text exposition."""
        response, conn = self._open("GET", "/metrics", None, None, None, accept="text/plain")
        try:
            return self._read(response).decode("utf-8", "replace")
        finally:
            conn.close()

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document the service publishes."""
        return cast(dict[str, Any], self._json("GET", "/openapi.json"))

    # --- HTTP -------------------------------------------------------------------------------------

    def _json(self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None,
              raw: bytes | None = None, content_type: str | None = None) -> Any:
        """One request whose answer is a JSON document."""
        if body is not None:
            raw, content_type = json.dumps(body).encode(), JSON
        response, conn = self._open(method, path, raw, content_type, query)
        try:
            data = self._read(response)
        finally:
            conn.close()
        try:
            return json.loads(data) if data else {}
        except ValueError as exc:
            raise ApiError(response.status, "not JSON", f"{method} {path} answered {data[:200]!r}") from exc

    def _open(self, method: str, path: str, body: bytes | None, content_type: str | None,
              query: Mapping[str, Any] | None, accept: str = JSON,
              endless: bool = False) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
        """Send a request and return the answer with its headers read; an HTTP error is raised as ``ApiError``.
        ``endless``: the answer may stay quiet for any time (followed logs), so reading it never times out."""
        target = self._prefix + path + (("?" + urlencode(query)) if query else "")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept}
        if content_type is not None:
            headers["Content-Type"] = content_type
        kind = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = kind(self._host, self._port, timeout=self.timeout)
        try:
            if endless:  # connect within the timeout, then wait for the answer as long as it takes
                conn.connect()
                conn.sock.settimeout(None)
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise ApiError(None, f"no answer from {self.url}", _reason(exc)) from exc
        if response.status >= 400:
            try:
                raise _problem(response.status, response.reason, self._read(response))
            finally:
                conn.close()
        return response, conn

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        try:
            return response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ApiError(None, f"answer from {self.url} cut off", _reason(exc)) from exc


def _ws(workspace_id: str, action: str = "") -> str:
    return f"/api/workspaces/{quote(workspace_id, safe='')}" + (f"/{action}" if action else "")


def _exec_body(cmd: Sequence[str], cwd: str | None, env: Mapping[str, str] | None, timeout_s: float | None,
               stdin: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"cmd": list(cmd)}
    for key, value in (("cwd", cwd), ("timeout_s", timeout_s), ("stdin", stdin)):
        if value is not None:
            body[key] = value
    if env is not None:
        body["env"] = dict(env)
    return body


def _problem(status: int, reason: str, data: bytes) -> ApiError:
    """The ``ApiError`` of an HTTP error answer: its problem document if it is one, else its first bytes."""
    try:
        document = json.loads(data)
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("detail"), str):
        return ApiError(status, str(document.get("title") or reason), document["detail"], document)
    return ApiError(status, reason, data[:200].decode("utf-8", "replace").strip() or reason)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _server_sent_events(response: http.client.HTTPResponse) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a ``text/event-stream`` answer, per the HTML standard's parsing rules: ``data``
    lines joined by newlines, comments skipped, an event dispatched at each blank line."""
    event, data = "message", list[str]()
    while True:
        line = response.readline()
        if not line:
            return
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
            continue
        if text.startswith(":"):
            continue
        field, _, value = text.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)


def _event_text(data: str) -> str:
    """An output event's text: the service sends it JSON-encoded, so newlines and any character survive."""
    try:
        decoded = json.loads(data)
    except ValueError:
        return data
    return decoded if isinstance(decoded, str) else data
