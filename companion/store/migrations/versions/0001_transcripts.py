"""Transcripts: conversations, their messages with risk readings, counsellors, audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from companion.store.schema import UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "counsellors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("locale", sa.String(8), nullable=True),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("handed_off_at", sa.Integer, nullable=True),
        sa.Column("checked_in", sa.Boolean, nullable=False),
        sa.Column("rising_since", sa.Integer, nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("level", sa.Integer, nullable=True),
        sa.Column("own_level", sa.Integer, nullable=True),
        sa.Column("conversation_level", sa.Integer, nullable=True),
        sa.Column("probabilities", sa.JSON, nullable=True),
        sa.Column("evidence", sa.JSON, nullable=True),
        sa.Column("counsellor_id", sa.Integer, sa.ForeignKey("counsellors.id"), nullable=True),
        sa.Column("guard", sa.JSON, nullable=True),
    )
    op.create_index("ix_messages_conversation", "messages", ["conversation_id", "id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_conversation_id", "audit_log", ["conversation_id"])


def downgrade() -> None:
    for table in ("audit_log", "messages", "conversations", "counsellors"):
        op.drop_table(table)
