"""Persistence: SQLAlchemy Core tables and one repository module per table, on SQLite or PostgreSQL."""

from service.store.database import Store

__all__ = ["Store"]
