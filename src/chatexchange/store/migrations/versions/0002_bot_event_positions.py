"""Bots' event positions: ``bot_event_positions`` (``models.BotEventPosition``), the newest chat
event a bot's event routes passed per room, so a restarted bot replays exactly what came after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatexchange.errors import StorageError
from chatexchange.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # an archive whose tables were made from the models before it was stamped has it already
    if "bot_event_positions" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "bot_event_positions",
        sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
        sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
        sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("bot", sa.String(length=200), nullable=False),
        sa.Column("server_meta_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["server_meta_id"], ["servers.meta_id"]),
        sa.PrimaryKeyConstraint("meta_id"),
        sa.UniqueConstraint("bot", "server_meta_id", "room_id", name="uq_bot_event_position"),
    )


def downgrade() -> None:
    raise StorageError("archive migrations go forward only: restore a backup to go back")
