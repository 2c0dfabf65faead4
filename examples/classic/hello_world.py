#!/usr/bin/env python
"""The classic package's ``hello_world`` example, with the same calls: log in, post "hello worl"
in room 14219 and wait for it, then fix it to "hello world" and wait for the edit.

Offline, against a devserver holding room 14219 (the classic suites' seed)::

    chatexchange devserver --port 8080 --seed tests/classic/classic_seed.json &
    CHATEXCHANGE_DEVSERVER=http://127.0.0.1:8080 \\
    ChatExchangeU=alice@example.com ChatExchangeP=alice-password \\
        python examples/classic/hello_world.py
"""

# Written in the classic package's own style, on purpose.
# ruff: noqa: SIM112

import getpass
import logging
import os

import chatexchange
from chatexchange.events import MessageEdited

logging.basicConfig(level=logging.DEBUG)

email = os.environ["ChatExchangeU"] if "ChatExchangeU" in os.environ else input("Email: ")
if "ChatExchangeP" in os.environ:
    password = os.environ["ChatExchangeP"]
else:
    password = getpass.getpass("Password: ")

client = chatexchange.Client("stackexchange.com", email, password)

me = client.get_me()
sandbox = client.get_room(14219)
mine = None

with sandbox.new_messages() as messages:
    sandbox.send_message("hello worl")
    for message in messages:
        if message.owner is me:
            mine = message
            assert mine.content == "hello worl"
            print("message sent successfully")
            break

with sandbox.new_events(MessageEdited) as edits:
    mine.edit("hello world")
    for edit in edits:
        if edit.message is mine:
            assert mine.content == "hello world"
            print("message edited successfully")
            break
