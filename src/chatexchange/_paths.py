"""Where each chat endpoint lives, relative to the chat root: one statement of each path.

Both HTTP stacks, the transport and the classic ``requests`` layer, build URLs only from these
(pure: no imports), so a path the server moves is changed here once. The devserver keeps its own
routes on purpose (it is the independent oracle the client is tested against).
"""

from __future__ import annotations

# -- session and reads ---------------------------------------------------------------------------

FAVORITE = "/chats/join/favorite"
POLL = "/events"
WS_AUTH = "/ws-auth"
USER_INFO = "/user/info"
ROOMS = "/rooms"


def room_events(room_id: int) -> str:
    """History and the event cursor (also how a client enters a room)."""
    return f"/chats/{int(room_id)}/events"


def room_info(room_id: int) -> str:
    return f"/rooms/info/{int(room_id)}"


def room_pingable(room_id: int) -> str:
    return f"/rooms/pingable/{int(room_id)}"


def user_profile(user_id: int) -> str:
    return f"/users/{int(user_id)}"


def transcript(room_id: int) -> str:
    return f"/transcript/{int(room_id)}"


def message_transcript(message_id: int) -> str:
    return f"/transcript/message/{int(message_id)}"


def message_text(message_id: int) -> str:
    """The rendered HTML; with ``plain=true`` the Markdown source."""
    return f"/message/{int(message_id)}"


def message_history(message_id: int) -> str:
    return f"/messages/{int(message_id)}/history"


# -- writes --------------------------------------------------------------------------------------


def send(room_id: int) -> str:
    return f"/chats/{int(room_id)}/messages/new"


def edit(message_id: int) -> str:
    return f"/messages/{int(message_id)}"


def message_action(message_id: int, action: str) -> str:
    """``delete``, ``star`` (toggle), ``owner-star`` (pin toggle), ``unowner-star`` (unpin),
    ``unstar`` (clear every star), ``flag`` (spam/offensive)."""
    return f"/messages/{int(message_id)}/{action}"


def leave(room_id: int | str) -> str:
    """``room_id`` or ``"all"``."""
    return f"/chats/leave/{room_id if room_id == 'all' else int(room_id)}"


def kick_mute(room_id: int) -> str:
    return f"/rooms/kickmute/{int(room_id)}"


def set_user_access(room_id: int) -> str:
    return f"/rooms/setuseraccess/{int(room_id)}"


def move_posts(room_id: int) -> str:
    """Move messages out of ``room_id`` (form ``ids`` and ``to``)."""
    return f"/admin/movePosts/{int(room_id)}"


BOOKMARK_NEW = "/conversation/new"


def bookmark_delete(room_id: int, slug: str) -> str:
    return f"/conversation/delete/{int(room_id)}/{slug}"


ACK_MENTIONS = "/messages/ack"
