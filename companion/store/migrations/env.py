"""Alembic environment: runs on the connection `Store.migrate` passes in."""

from alembic import context

from companion.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
