"""Where transcripts and the human queue live: SQLAlchemy over SQLite (default) or PostgreSQL.

`open_store(url)` gives a `Store` whose schema is brought to the latest Alembic revision.
SQLite runs in WAL mode with full fsync and every transaction `BEGIN IMMEDIATE`, so writers
queue up instead of failing and a committed message survives a crash. Nothing here knows
about risk or the web: it only keeps what it is given, and never deletes a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from companion.errors import CompanionError
from companion.store.schema import (
    AuditRow,
    Base,
    ConversationRow,
    CounsellorRow,
    MessageRow,
    NoteRow,
    QueueEntryRow,
    RateLimitRow,
    now,
)

__all__ = [
    "AuditRow",
    "Base",
    "ConversationRow",
    "CounsellorRow",
    "HEAD",
    "MessageRow",
    "NoteRow",
    "QueueEntryRow",
    "RateLimitRow",
    "Store",
    "StoreError",
    "now",
    "open_store",
    "tables",
]

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0003"
MIGRATION_LOCK = 0x636F6D70  # an arbitrary, fixed advisory-lock key ("comp")


class StoreError(CompanionError):
    """The database cannot be opened, reached or migrated."""


class Store:
    """An engine and its sessions. Use `with store.session() as s:`; it commits on success."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to `revision` (from empty, or from any earlier revision)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    # App processes starting together: one migrates, the others wait, then find it done.
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
        except OperationalError as exc:
            raise StoreError(
                f"cannot migrate {self.url}: {exc.orig}", "check the database is up and writable"
            ) from None

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" hook issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before it returns
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn) -> None:
        # Take the write lock up front: two claims can never interleave their read and write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def open_store(url: str, migrate: bool = True, **engine_options: object) -> Store:
    """Open the database at `url` (SQLAlchemy URL) and, by default, migrate it to the head."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r}", "use sqlite:///path or postgresql+psycopg://…") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **engine_options)
        _sqlite_pragmas(engine)
    elif parsed.get_backend_name() == "postgresql":
        options = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "connect_args": {"connect_timeout": 10}}
        engine = create_engine(parsed, **(options | engine_options))
    else:
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r}", "use SQLite or PostgreSQL")
    store = Store(engine)
    if migrate:
        store.migrate()
    return store


def tables(store: Store) -> set[str]:
    return set(inspect(store.engine).get_table_names())
