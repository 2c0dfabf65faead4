"""The BlockingClient hands out real classes: the generated blocking twins of the async objects."""

import inspect

import pytest

from chatexchange.client import (
    AsyncClient,
    BlockingClient,
    BlockingMessage,
    BlockingRoom,
    BlockingServer,
    BlockingUser,
    Message,
    Room,
    Server,
    User,
    _blocking_gen,
)
from chatexchange.client._blocking_twins import BlockingClientBase

PAIRS = [
    (Server, BlockingServer),
    (User, BlockingUser),
    (Room, BlockingRoom),
    (Message, BlockingMessage),
    (AsyncClient, BlockingClientBase),
]


def test_the_generated_twins_are_up_to_date():
    """A public method added to an async class without regenerating fails here."""
    assert _blocking_gen.TARGET.read_text("utf-8") == _blocking_gen.generate(), (
        "run: python -m chatexchange.client._blocking_gen"
    )


@pytest.mark.parametrize(("async_cls", "twin"), PAIRS, ids=lambda c: c.__name__)
def test_every_public_async_member_has_its_blocking_counterpart(async_cls, twin):
    public = [name for name in dir(async_cls) if not name.startswith("_")]
    assert public
    for name in public:
        original = inspect.getattr_static(async_cls, name)
        counterpart = inspect.getattr_static(twin, name)  # AttributeError: no counterpart
        if isinstance(original, property):
            assert isinstance(counterpart, property), name
            continue
        theirs = inspect.signature(original).parameters
        ours = inspect.signature(counterpart).parameters
        assert [(p.name, p.kind, p.default) for p in ours.values()] == [
            (p.name, p.kind, p.default) for p in theirs.values()
        ], name
        assert inspect.getdoc(counterpart) == inspect.getdoc(original), name
        assert not inspect.iscoroutinefunction(counterpart), name


def test_blocking_results_are_instances_of_the_twins(devserver_thread):
    devserver_thread.post("se", 1, 2, "a message to read back")
    with BlockingClient(server_url=devserver_thread.url) as chat:
        assert isinstance(chat, BlockingClient) and isinstance(chat.async_client, AsyncClient)
        server = chat.se
        assert isinstance(server, BlockingServer) and isinstance(server.async_object, Server)
        room = server.room(1)
        assert isinstance(room, BlockingRoom) and isinstance(room.async_object, Room)
        assert room.id == 1 and room.name == "Sandbox"
        assert isinstance(room.server, BlockingServer)
        recent = room.recent_messages(5)
        assert recent and all(isinstance(m, BlockingMessage) for m in recent)
        message = recent[-1]
        assert isinstance(message.async_object, Message)
        assert isinstance(message.owner, BlockingUser) and isinstance(message.room, BlockingRoom)
        assert message.room == room and hash(message.room) == hash(room)
        same = server.message(message.id)
        assert isinstance(same, BlockingMessage) and same == message
        assert repr(message).startswith("<BlockingMessage ")
        # a twin is taken where its async object is: ack, move, ping, ... unwrap their arguments
        parent = message.parent()
        assert parent is None or isinstance(parent, BlockingMessage)
        assert isinstance(server.user(message.owner.id), BlockingUser)
        assert "send" in dir(room) and "id" in dir(room)


def _declared(cls):
    names = {}
    for klass in reversed(cls.__mro__):
        names.update(inspect.get_annotations(klass))
    return names


def test_declared_snapshot_values_are_there_and_typed_on_both(devserver_thread):
    """The values the classes declare for type checkers exist on real objects (the declarations
    do not promise what a row lacks) and the twins read them."""
    devserver_thread.post("se", 1, 2, "values to read")
    with BlockingClient(server_url=devserver_thread.url) as chat:
        room = chat.se.room(1)
        message = room.recent_messages(1)[-1]
        for twin, async_cls in ((message, Message), (room, Room), (message.owner, User)):
            declared = _declared(async_cls)
            assert "server_slug" in declared and "id" in declared
            for name in declared:
                assert getattr(twin, name) == getattr(twin.async_object, name), name
                assert isinstance(inspect.getattr_static(type(twin), name), property), name
        assert isinstance(message.id, int) and isinstance(message.content_text, str)
        assert message.room_id == room.id and message.owner_id == message.owner.id


def test_twins_are_taken_where_the_async_objects_are(devserver_thread):
    with BlockingClient(server_url=devserver_thread.url) as chat:
        room = chat.se.room(1)
        assert chat.bot_position("nobody", room) is None  # a BlockingRoom for a Room parameter
        assert chat.bot_position("nobody", room.async_object) is None


@pytest.mark.slow
def test_type_checkers_see_the_blocking_types(tmp_path):
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "user_code.py"
    snippet.write_text(
        "from chatexchange.client import BlockingClient\n"
        "with BlockingClient() as chat:\n"
        "    room = chat.se.room(1)\n"
        "    reveal_type(room)\n"
        "    reveal_type(room.send('hi'))\n"
        "    reveal_type(room.new_messages())\n"
        "    reveal_type(room.send('hi').owner)\n"
        "    reveal_type(room.send('hi').content_text)\n"
        "    with room.new_messages() as stream:\n"
        "        stream.close()\n"
    )
    out, err, status = api.run(
        ["--strict", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    assert status == 0, out + err
    revealed = [
        line.split("Revealed type is ")[1]
        for line in out.splitlines()
        if "Revealed" in line
    ]
    assert revealed == [
        '"chatexchange.client._blocking_twins.BlockingRoom"',
        '"chatexchange.client._blocking_twins.BlockingMessage"',
        '"chatexchange.client._loop.BridgedIterator[chatexchange.client._blocking_twins.BlockingMessage]"',
        '"chatexchange.client._blocking_twins.BlockingUser"',
        '"str | None"',
    ], out
