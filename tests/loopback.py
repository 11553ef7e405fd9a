"""A TCP listener on 127.0.0.1 that counts the connections made to it: the proof
that untrusted schemas phone nobody (tests/test_security.py).

It runs in a child process, not a thread: saxonche holds the GIL while a
stylesheet runs, so a listener thread in the test process could not accept
until the stylesheet had finished (and a stylesheet waiting for an answer never
would). The child accepts each connection and, by default, closes it at once,
so a client that did connect fails fast instead of hanging; ``answer=False``
keeps connections open and silent (a server too slow to answer). Counts are
read over a pipe, on request: events, not sleeps.
"""

from __future__ import annotations

import subprocess
import sys

_CHILD = r"""
import select, socket, sys
answer = sys.argv[1] == "close"
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(64)
print(server.getsockname()[1], flush=True)
count, held = 0, []
while True:
    ready, _, _ = select.select([server, sys.stdin], [], [])
    if server in ready:
        conn, _ = server.accept()
        count += 1
        if answer:
            conn.close()
        else:
            held.append(conn)
    if sys.stdin in ready:
        if not sys.stdin.readline():
            break
        print(count, flush=True)
"""


class Listener:
    """``with Listener() as listener: ... listener.connections()``."""

    def __init__(self, *, answer: bool = True) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, "close" if answer else "hold"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        """How many connections were accepted so far."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("?\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
