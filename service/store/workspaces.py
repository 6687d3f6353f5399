"""Workspace rows: every read is scoped to an owner unless it is the service's own background work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from service.model import Resources, State, Workspace
from service.store.rows import all_rows, insert_row, one_row, row_values, update_row
from service.store.tables import workspaces as t

_NAME_TAKEN = (
    select(t.c.id)
    .where(t.c.owner == bindparam("owner"), t.c.name == bindparam("name"), t.c.state != State.DELETED.value)
    .where(t.c.id != bindparam("except_id"))
    .limit(1)
)


def to_workspace(row: Mapping[Any, Any]) -> Workspace:
    """Turn a row into the shared ``Workspace`` value."""
    return Workspace(
        id=row["id"],
        owner=row["owner"],
        name=row["name"],
        image=row["image"],
        project_path=row["project_path"],
        resources=Resources(cpus=row["cpus"], memory_mb=row["memory_mb"], pids=row["pids"]),
        state=State(row["state"]),
        desired=State(row["desired"]),
        container_id=row["container_id"],
        last_error=row["last_error"],
        restart_count=row["restart_count"],
        next_restart_at=row["next_restart_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        keep_volume=bool(row["keep_volume"]),
        engine=row["engine"],
    )


def insert(conn: Connection, ws: Workspace) -> None:
    """Store a new workspace (its resources flattened into columns)."""
    values = row_values(ws)
    resources = values.pop("resources")
    insert_row(conn, t, {**values, **resources})


def get(conn: Connection, workspace_id: str, owner: str | None = None) -> Workspace | None:
    """One workspace; with ``owner`` another owner's workspace reads as absent."""
    row = one_row(conn, t, workspace_id, owner)
    return None if row is None else to_workspace(row)


def get_many(conn: Connection, ids: list[str], owner: str) -> dict[str, Workspace]:
    """The owner's workspaces among ``ids``, by id; missing ones are simply absent."""
    rows = conn.execute(select(t).where(t.c.id.in_(ids), t.c.owner == owner)).mappings()
    return {row["id"]: to_workspace(row) for row in rows}


def page(
    conn: Connection, owner: str, state: State | None, limit: int, offset: int
) -> tuple[list[Workspace], int]:
    """One page of the owner's workspaces, oldest first, and how many there are in all."""
    where = [t.c.owner == owner]
    if state is not None:
        where.append(t.c.state == state.value)
    total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
    rows = conn.execute(
        select(t).where(*where).order_by(t.c.created_at, t.c.id).limit(limit).offset(offset)
    ).mappings()
    return [to_workspace(r) for r in rows], int(total)


def name_taken(conn: Connection, owner: str, name: str, except_id: str | None = None) -> bool:
    """Whether the owner already has a live workspace of that name."""
    params = {"owner": owner, "name": name, "except_id": except_id or ""}
    return conn.execute(_NAME_TAKEN, params).first() is not None


def project_dirs(conn: Connection, owner: str, except_id: str = "") -> list[str]:
    """The mount sources of the owner's live workspaces (other than ``except_id``)."""
    query = select(t.c.project_path).where(
        t.c.owner == owner, t.c.state != State.DELETED.value, t.c.project_path.is_not(None), t.c.id != except_id
    )
    return [str(row[0]) for row in conn.execute(query)]


def usage(conn: Connection, owner: str) -> tuple[int, float, int]:
    """How many live workspaces the owner has, and their CPUs and memory (MB) summed, for the quotas."""
    query = select(func.count(), func.coalesce(func.sum(t.c.cpus), 0.0), func.coalesce(func.sum(t.c.memory_mb), 0))
    row = conn.execute(query.where(t.c.owner == owner, t.c.state != State.DELETED.value)).one()
    return int(row[0]), float(row[1]), int(row[2])


def live(conn: Connection) -> list[Workspace]:
    """Every workspace that is not deleted, for the reconciler's full resync."""
    rows = conn.execute(select(t).where(t.c.state != State.DELETED.value)).mappings()
    return [to_workspace(r) for r in rows]


_BY_ENGINE = select(t.c.engine, func.count()).where(t.c.state != bindparam("deleted")).group_by(t.c.engine)


def count_by_engine(conn: Connection) -> dict[str, int]:
    """Workspaces that are not deleted, per engine: what each engine's capacity is used by (read by every create
    when an engine is bounded: built once, run on the driver, over the covering index ``ix_workspaces_engine``:
    about 90 us with 400 workspaces instead of 740)."""
    return {str(engine): int(count) for engine, count in all_rows(conn, _BY_ENGINE, {"deleted": State.DELETED.value})}


def change(conn: Connection, workspace_id: str, now: float, **values: Any) -> None:
    """Update columns of one workspace; enum values are stored by their value."""
    clean = {k: (v.value if isinstance(v, State) else v) for k, v in values.items()}
    update_row(conn, t, workspace_id, {"updated_at": now, **clean})


def count_by_state(conn: Connection) -> dict[str, int]:
    """Workspaces per state, for /metrics."""
    rows = conn.execute(select(t.c.state, func.count()).group_by(t.c.state))
    return {r[0]: int(r[1]) for r in rows}


def volume_keepers(conn: Connection, ids: list[str]) -> set[str]:
    """Those of ``ids`` whose home volume must stay: the workspace is not deleted (a delete in flight removes the
    volume itself), or was deleted with ``keep_volume``. A volume of any other id has no workspace to serve."""
    kept = or_(t.c.state != State.DELETED.value, t.c.keep_volume.is_(True))
    return set(conn.execute(select(t.c.id).where(t.c.id.in_(ids), kept)).scalars())
