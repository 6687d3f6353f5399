"""The schema. Times are epoch seconds (floats) so SQLite and PostgreSQL compare them the same way."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text, text

metadata = MetaData()

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("name", String(63), nullable=False),
    Column("image", String(255), nullable=False),
    Column("project_path", Text, nullable=True),
    Column("cpus", Float, nullable=False),
    Column("memory_mb", Integer, nullable=False),
    Column("pids", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("desired", String(16), nullable=False),
    Column("container_id", String(64), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("restart_count", Integer, nullable=False, default=0),
    Column("next_restart_at", Float, nullable=False, default=0.0),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("keep_volume", Boolean, nullable=False, default=False),
    Column("engine", String(63), nullable=False, default="default"),  # an older database's rows: its one engine
)
# A name is unique among an owner's live workspaces; deleted ones keep their name for history.
Index(
    "ux_workspaces_owner_name_live",
    workspaces.c.owner,
    workspaces.c.name,
    unique=True,
    sqlite_where=text("state != 'deleted'"),
    postgresql_where=text("state != 'deleted'"),
)
Index("ix_workspaces_owner_created", workspaces.c.owner, workspaces.c.created_at)
Index("ix_workspaces_engine", workspaces.c.engine, workspaces.c.state)  # placement counts each engine's live ones

tasks = Table(
    "tasks",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("workspace_id", String(32), nullable=False),
    Column("owner", String(128), nullable=False),
    Column("batch_id", String(32), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_until", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("run_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("target", String(63), nullable=True),  # a move's destination engine
)
Index("ix_tasks_status_run_at", tasks.c.status, tasks.c.run_at)
Index("ix_tasks_workspace", tasks.c.workspace_id, tasks.c.status)
Index("ix_tasks_batch", tasks.c.batch_id)

# A workspace's environment, secrets and idle/TTL clocks: a table of its own so that a database made before
# these existed gets it from ``create_all`` (which adds missing tables, never columns), and so that the rows
# read on every request stay as they were. A workspace without a row has no environment, the operator's idle
# timeout and no TTL. Secrets are stored as given (the database is as private as the service's data directory).
workspace_policy = Table(
    "workspace_policy",
    metadata,
    Column("workspace_id", String(32), primary_key=True),
    Column("env", Text, nullable=False),  # a JSON object of names to values
    Column("secrets", Text, nullable=False),  # the same, never returned by the API
    Column("idle_timeout", Float, nullable=True),  # None: the operator's current default
    Column("expires_at", Float, nullable=True),  # None: no TTL
    Column("last_active_at", Float, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("operation", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
)

# One row per duty that only one process may perform at a time (see ``leases``): the reconciler of a deployment.
leases = Table(
    "leases",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("holder", String(128), nullable=True),
    Column("expires_at", Float, nullable=False),
    Column("renewed_at", Float, nullable=False),
)

# The operator's drain state of each engine named in the settings (the list itself stays in the settings):
# a row exists once an engine has been drained or undrained; no row means not draining.
engines = Table(
    "engines",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("draining", Boolean, nullable=False, default=False),
    Column("updated_at", Float, nullable=False),
)
