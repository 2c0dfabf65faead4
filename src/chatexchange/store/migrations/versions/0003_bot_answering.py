"""Bots' answers in flight: ``bot_event_positions.answering_event_id`` and ``answering_after``
(``models.BotEventPosition``), so that an event answered just before its bot was killed is not
answered again by the next process.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatexchange.errors import StorageError

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = ("answering_event_id", "answering_after")


def upgrade() -> None:
    # an archive whose tables were made from the models before it was stamped has them already
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("bot_event_positions")}
    for name in _COLUMNS:
        if name not in have:
            op.add_column("bot_event_positions", sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    raise StorageError("archive migrations go forward only: restore a backup to go back")
