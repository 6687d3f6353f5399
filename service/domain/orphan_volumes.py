"""Home volumes left behind: a volume this deployment made on an engine whose workspace no longer needs it.

A delete removes the workspace's container, then its home volume, then marks the row deleted; a crash, an
engine that refused the volume's removal (still in use by a container being removed), or a row that is gone
altogether (a database restored from an older backup) leaves the volume with nobody's files to serve, holding
disk until someone removes it by hand. The reconciler's full pass on each engine removes them: only volumes
carrying this deployment's instance label and named after their workspace (``DockerRuntime.home_volumes``),
never one whose workspace is not deleted or was deleted with ``keep_volume``, and at most ``VOLUMES_PER_PASS`` a
pass, so a backlog of thousands costs each pass a bounded number of engine calls.

The volumes are listed before the rows are read: a workspace's row is committed before its task makes the
volume, so a volume listed belongs to a row the read sees, and a workspace being created is never taken for gone.
"""

from __future__ import annotations

import logging

from service.runtime import ContainerRuntime, RuntimeFailure, RuntimeUnavailable
from service.store import Store
from service.store import workspaces as workspace_rows

log = logging.getLogger(__name__)

VOLUMES_PER_PASS = 20  # removals per engine per full pass
ROWS_PER_READ = 500  # ids per query (SQLite's bound on parameters is far above it)


def orphan_volumes(store: Store, runtime: ContainerRuntime, limit: int = VOLUMES_PER_PASS) -> list[str]:
    """The workspace ids, at most ``limit``, of the home volumes on ``runtime`` that no workspace keeps."""
    ids = runtime.home_volumes()
    orphans: list[str] = []
    for start in range(0, len(ids), ROWS_PER_READ):
        chunk = ids[start:start + ROWS_PER_READ]
        with store.read() as conn:
            kept = workspace_rows.volume_keepers(conn, chunk)
        orphans += [workspace_id for workspace_id in chunk if workspace_id not in kept]
        if len(orphans) >= limit:
            break
    return orphans[:limit]


def remove_orphan_volumes(store: Store, runtime: ContainerRuntime, limit: int = VOLUMES_PER_PASS) -> list[str]:
    """Remove the orphan home volumes ``orphan_volumes`` finds; answers the workspace ids whose volume went. One
    the engine refuses (in use by a container still being removed) is left to the next pass; an engine that
    stops answering ends the sweep (``RuntimeUnavailable`` propagates, as from the rest of the pass)."""
    removed: list[str] = []
    for workspace_id in orphan_volumes(store, runtime, limit):
        try:
            runtime.remove_volume(workspace_id)
        except RuntimeUnavailable:
            raise
        except RuntimeFailure as exc:
            log.info("reconciler: orphan home volume of workspace %s left for the next pass: %s", workspace_id, exc)
            continue
        removed.append(workspace_id)
    return removed
