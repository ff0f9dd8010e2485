"""The human queue: queue entries, counsellors' notes, live takeover and confirmed levels.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from companion.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "queue_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("enqueued_at", UTCDateTime, nullable=False),
        sa.Column("raised_at", UTCDateTime, nullable=True),
        sa.Column("claimed_by", sa.Integer, sa.ForeignKey("counsellors.id"), nullable=True),
        sa.Column("claimed_at", UTCDateTime, nullable=True),
        sa.Column("resolved_at", UTCDateTime, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("breached_at", UTCDateTime, nullable=True),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("wait_s", sa.Float, nullable=True),
    )
    where = sa.text("status != 'resolved'")
    op.create_index(
        "uq_queue_open_conversation",
        "queue_entries",
        ["conversation_id"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )
    op.create_index("ix_queue_priority", "queue_entries", ["status", "tier", "enqueued_at"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("counsellor_id", sa.Integer, sa.ForeignKey("counsellors.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_notes_conversation_id", "notes", ["conversation_id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=False, server_default="bot"))
        batch.add_column(sa.Column("counsellor_id", sa.Integer, nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("confirmed_level", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("confirmed_level")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("counsellor_id")
        batch.drop_column("mode")
    op.drop_table("notes")
    op.drop_table("queue_entries")
