#!/usr/bin/env python
"""A bot written for the classic ``chatexchange`` package, exactly as one would be: it runs on
chatexchange3 unchanged.

It joins a room, prints what is said, answers ``!!/random`` with a random number, and sends every
line typed on stdin; end stdin (Ctrl-D) to log out. Offline, against a devserver::

    chatexchange devserver --port 8080 &
    CHATEXCHANGE_DEVSERVER=http://127.0.0.1:8080 \\
    ChatExchangeU=alice@example.com ChatExchangeP=alice-password \\
        python examples/classic_bot.py 1
"""

# Written in the classic package's own style, on purpose.
# ruff: noqa: UP031, SIM108, SIM112

import getpass
import logging
import os
import random
import sys

import chatexchange.client
import chatexchange.events

logging.basicConfig(level=logging.WARNING)

host_id = "stackexchange.com"
room_id = sys.argv[1] if len(sys.argv) > 1 else "1"


def on_message(message, client):
    if not isinstance(message, chatexchange.events.MessagePosted):
        return
    print("")
    print(">> (%s) %s" % (message.user.name, message.content))
    if message.content.startswith("!!/random") and message.user.id != client.get_me().id:
        message.message.reply(str(random.random()))
    sys.stdout.flush()


def main():
    if "ChatExchangeU" in os.environ:
        email = os.environ["ChatExchangeU"]
    else:
        email = input("Email: ")
    if "ChatExchangeP" in os.environ:
        password = os.environ["ChatExchangeP"]
    else:
        password = getpass.getpass("Password: ")

    client = chatexchange.client.Client(host_id)
    client.login(email, password)

    room = client.get_room(room_id)
    room.join()
    room.watch_socket(on_message)

    print("(You are now in room #%s on %s.)" % (room_id, host_id))
    sys.stdout.flush()
    for line in sys.stdin:
        line = line.strip()
        if line:
            room.send_message(line)

    client.logout()


if __name__ == "__main__":
    main()
