"""Persistence: SQLAlchemy models, queries and Alembic migrations (SQLite or PostgreSQL)."""
