#!/usr/bin/env python
"""The classic package's ``chat`` example, with the same calls: log in, join room 1, print what
is said (``room.watch``: polling every 3 s), answer ``!!/random`` with a random number, and send
every line typed; the only change: end of input (Ctrl-D) logs out instead of a traceback.

Offline, against a devserver::

    chatexchange devserver --port 8080 &
    CHATEXCHANGE_DEVSERVER=http://127.0.0.1:8080 \\
    ChatExchangeU=alice@example.com ChatExchangeP=alice-password \\
        python examples/classic/chat.py
"""

# Written in the classic package's own style, on purpose.
# ruff: noqa: UP031, SIM112

import getpass
import logging
import logging.handlers
import os
import random

import chatexchange.client
import chatexchange.events

logger = logging.getLogger(__name__)


def main():
    setup_logging()
    host_id = "stackexchange.com"
    room_id = "1"  # Sandbox

    email = os.environ["ChatExchangeU"] if "ChatExchangeU" in os.environ else input("Email: ")
    if "ChatExchangeP" in os.environ:
        password = os.environ["ChatExchangeP"]
    else:
        password = getpass.getpass("Password: ")

    client = chatexchange.client.Client(host_id)
    client.login(email, password)

    room = client.get_room(room_id)
    room.join()
    room.watch(on_message)

    print("(You are now in room #%s on %s.)" % (room_id, host_id), flush=True)
    while True:
        try:
            message = input("<< ")
        except EOFError:
            break
        room.send_message(message)

    client.logout()


def on_message(message, client):
    if not isinstance(message, chatexchange.events.MessagePosted):
        logger.debug("event: %r", message)  # anything but a new message
        return
    print("")
    print(">> (%s) %s" % (message.user.name, message.content), flush=True)
    if message.content.startswith("!!/random"):
        message.message.reply(str(random.random()))


def setup_logging():
    logging.basicConfig(level=logging.INFO)
    logger.setLevel(logging.DEBUG)
    # besides stderr, the client's log goes to a file rotated at midnight
    client_logger = logging.getLogger("chatexchange.client")
    handler = logging.handlers.TimedRotatingFileHandler(
        filename="client.log", when="midnight", delay=True, utc=True, backupCount=7
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s: %(levelname)s: %(threadName)s: %(message)s")
    )
    client_logger.addHandler(handler)


if __name__ == "__main__":
    main()
