"""Rate limits shared by every app process: hits per youth session or hashed address, per minute.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("previous", sa.Integer, nullable=False),
    )
    op.create_index("ix_rate_limits_minute", "rate_limits", ["minute"])


def downgrade() -> None:
    op.drop_table("rate_limits")
