"""Baseline: the archive as the last release before migrations left it (release schema version 3).

From an empty database it creates every table. An archive of an earlier release (no
``alembic_version`` table) keeps its tables: the steps of its release schema version that it lacks
run first (``chatexchange.store.legacy``), then the tables it has not got are created.

The tables are written out here, not taken from ``chatexchange.models``: a later migration that
changes a model must find this revision's tables as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chatexchange.errors import StorageError
from chatexchange.models import UTCDateTime
from chatexchange.store import legacy

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    if "chatexchange_database" in existing:
        legacy.upgrade(bind)
    if "bot_leases" not in existing:
        op.create_table(
            "bot_leases",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("bot", sa.String(length=200), nullable=False),
            sa.Column("server_slug", sa.String(length=20), nullable=False),
            sa.Column("room_id", sa.Integer(), nullable=False),
            sa.Column("holder", sa.String(length=200), nullable=True),
            sa.Column("host", sa.String(length=200), nullable=True),
            sa.Column("pid", sa.Integer(), nullable=True),
            sa.Column("token", sa.Integer(), nullable=False),
            sa.Column("since", sa.DateTime(timezone=True), nullable=True),
            sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
            sa.Column("last_message_id", sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("bot", "server_slug", "room_id", name="uq_bot_lease_room"),
        )
    if "bot_members" not in existing:
        op.create_table(
            "bot_members",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("bot", sa.String(length=200), nullable=False),
            sa.Column("member", sa.String(length=200), nullable=False),
            sa.Column("host", sa.String(length=200), nullable=False),
            sa.Column("pid", sa.Integer(), nullable=False),
            sa.Column("started", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
            sa.Column("rooms", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("bot", "member", name="uq_bot_member"),
        )
    if "chatexchange_database" not in existing:
        op.create_table(
            "chatexchange_database",
            sa.Column("key", sa.String(length=64), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if "servers" not in existing:
        op.create_table(
            "servers",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("url", sa.String(length=200), nullable=False),
            sa.Column("slug", sa.String(length=20), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("chat_host", sa.String(length=200), nullable=True),
            sa.Column("login_host", sa.String(length=200), nullable=True),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("slug"),
            sa.UniqueConstraint("url"),
        )
    if "bot_positions" not in existing:
        op.create_table(
            "bot_positions",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("bot", sa.String(length=200), nullable=False),
            sa.Column("server_meta_id", sa.Integer(), nullable=False),
            sa.Column("room_id", sa.Integer(), nullable=False),
            sa.Column("message_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["server_meta_id"],
                ["servers.meta_id"],
            ),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("bot", "server_meta_id", "room_id", name="uq_bot_position"),
        )
    if "rooms" not in existing:
        op.create_table(
            "rooms",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("server_meta_id", sa.Integer(), nullable=False),
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("tags", sa.JSON(none_as_null=True), nullable=True),
            sa.Column("owner_ids", sa.JSON(none_as_null=True), nullable=True),
            sa.Column("message_count", sa.Integer(), nullable=True),
            sa.Column("user_count", sa.Integer(), nullable=True),
            sa.Column("first_message", sa.Date(), nullable=True),
            sa.Column("last_activity", UTCDateTime(timezone=True), nullable=True),
            sa.Column("frozen", sa.Boolean(), nullable=True),
            sa.Column("first_day", sa.Date(), nullable=True),
            sa.ForeignKeyConstraint(
                ["server_meta_id"],
                ["servers.meta_id"],
            ),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("server_meta_id", "id", name="uq_room_server_id"),
        )
        op.create_index(
            "ix_room_server_activity", "rooms", ["server_meta_id", "last_activity"], unique=False
        )
    if "users" not in existing:
        op.create_table(
            "users",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("server_meta_id", sa.Integer(), nullable=False),
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=True),
            sa.Column("is_moderator", sa.Boolean(), nullable=True),
            sa.Column("reputation", sa.Integer(), nullable=True),
            sa.Column("message_count", sa.Integer(), nullable=True),
            sa.Column("room_count", sa.Integer(), nullable=True),
            sa.Column("about", sa.Text(), nullable=True),
            sa.Column("parent_user_url", sa.String(length=400), nullable=True),
            sa.Column("since", sa.Date(), nullable=True),
            sa.Column("last_seen", UTCDateTime(timezone=True), nullable=True),
            sa.Column("last_message", UTCDateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(
                ["server_meta_id"],
                ["servers.meta_id"],
            ),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("server_meta_id", "id", name="uq_user_server_id"),
        )
    if "events" not in existing:
        op.create_table(
            "events",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("server_meta_id", sa.Integer(), nullable=False),
            sa.Column("room_meta_id", sa.Integer(), nullable=True),
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("event_type", sa.Integer(), nullable=False),
            sa.Column("time", UTCDateTime(timezone=True), nullable=True),
            sa.Column("user_id", sa.Integer(), nullable=True),
            sa.Column("target_user_id", sa.Integer(), nullable=True),
            sa.Column("message_id", sa.Integer(), nullable=True),
            sa.Column("raw", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["room_meta_id"],
                ["rooms.meta_id"],
            ),
            sa.ForeignKeyConstraint(
                ["server_meta_id"],
                ["servers.meta_id"],
            ),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("server_meta_id", "id", name="uq_event_server_id"),
        )
        op.create_index("ix_event_room_id", "events", ["room_meta_id", "id"], unique=False)
    if "messages" not in existing:
        op.create_table(
            "messages",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("server_meta_id", sa.Integer(), nullable=False),
            sa.Column("room_meta_id", sa.Integer(), nullable=False),
            sa.Column("owner_meta_id", sa.Integer(), nullable=True),
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("content_html", sa.Text(), nullable=True),
            sa.Column("content_text", sa.Text(), nullable=True),
            sa.Column("content_markdown", sa.Text(), nullable=True),
            sa.Column("parent_id", sa.Integer(), nullable=True),
            sa.Column("time", UTCDateTime(timezone=True), nullable=True),
            sa.Column("edits", sa.Integer(), nullable=False),
            sa.Column("stars", sa.Integer(), nullable=False),
            sa.Column("pinned", sa.Boolean(), nullable=False),
            sa.Column("onebox", sa.String(length=50), nullable=True),
            sa.Column("text_complete", sa.Boolean(), server_default=sa.true(), nullable=False),
            sa.ForeignKeyConstraint(
                ["owner_meta_id"],
                ["users.meta_id"],
            ),
            sa.ForeignKeyConstraint(
                ["room_meta_id"],
                ["rooms.meta_id"],
            ),
            sa.ForeignKeyConstraint(
                ["server_meta_id"],
                ["servers.meta_id"],
            ),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("server_meta_id", "id", name="uq_message_server_id"),
        )
        op.create_index(
            "ix_message_owner_time", "messages", ["owner_meta_id", "time"], unique=False
        )
        op.create_index("ix_message_room_id", "messages", ["room_meta_id", "id"], unique=False)
        op.create_index("ix_message_room_time", "messages", ["room_meta_id", "time"], unique=False)
        op.create_index(
            "ix_message_server_parent", "messages", ["server_meta_id", "parent_id"], unique=False
        )
    if "transcript_page_fetches" not in existing:
        op.create_table(
            "transcript_page_fetches",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("room_meta_id", sa.Integer(), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("hour_start", sa.Integer(), nullable=False),
            sa.Column("hour_end", sa.Integer(), nullable=False),
            sa.Column("fetched", UTCDateTime(timezone=True), nullable=False),
            sa.Column("message_count", sa.Integer(), nullable=False),
            sa.Column("first_message_id", sa.Integer(), nullable=True),
            sa.Column("last_message_id", sa.Integer(), nullable=True),
            sa.Column("first_day", sa.Date(), nullable=True),
            sa.Column("previous_day", sa.Date(), nullable=True),
            sa.Column("next_day", sa.Date(), nullable=True),
            sa.Column("last_day", sa.Date(), nullable=True),
            sa.ForeignKeyConstraint(
                ["room_meta_id"],
                ["rooms.meta_id"],
            ),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint(
                "room_meta_id", "day", "hour_start", "hour_end", name="uq_page_fetch"
            ),
        )
    if "message_revisions" not in existing:
        op.create_table(
            "message_revisions",
            sa.Column("meta_id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("meta_created", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_updated", UTCDateTime(timezone=True), nullable=False),
            sa.Column("meta_deleted", UTCDateTime(timezone=True), nullable=True),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("message_meta_id", sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=True),
            sa.Column("user_name", sa.String(length=200), nullable=True),
            sa.Column("time_text", sa.String(length=20), nullable=True),
            sa.Column("label", sa.String(length=20), nullable=True),
            sa.Column("content_html", sa.Text(), nullable=True),
            sa.Column("content_text", sa.Text(), nullable=True),
            sa.Column("content_markdown", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(
                ["message_meta_id"],
                ["messages.meta_id"],
            ),
            sa.PrimaryKeyConstraint("meta_id"),
            sa.UniqueConstraint("message_meta_id", "position", name="uq_message_revision"),
        )
        op.create_index(
            op.f("ix_message_revisions_message_meta_id"),
            "message_revisions",
            ["message_meta_id"],
            unique=False,
        )


def downgrade() -> None:
    raise StorageError("archive migrations go forward only: restore a backup to go back")
