"""Real sockets that tell what a fetch did on the network: a listening socket that counts the
connections made to it, a record of every ``connect`` this process makes, and a server that
answers slowly (a byte at a time) and notes when the client hung up. Shared by the URL tests and
the URL fuzz test."""
from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time


class Listener:
    """A TCP socket listening on ``host`` (a free port) that never answers: ``connections()`` is
    how many clients connected to it so far."""

    def __init__(self, host: str = "127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self._seen = 0

    def connections(self) -> int:
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return self._seen
            conn.close()
            self._seen += 1

    def close(self):
        self.sock.close()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def connects(monkeypatch):
    """A list that fills with the address of every socket ``connect`` this process makes."""
    made: list = []
    real, real_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        made.append(address)
        return real(self, address)

    def connect_ex(self, address):
        made.append(address)
        return real_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield made


def socket_fds() -> int:
    """How many sockets this process holds open (Linux: /proc/self/fd)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            n += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return n


class Drip:
    """A server on 127.0.0.1 that sends ``burst`` at once and then ``drip`` one byte every
    ``every`` seconds, to one client, and records when it saw that client close the connection
    (``closed_at``, time.monotonic(); None while it has not)."""

    def __init__(self, burst: bytes, drip: bytes = b"", every: float = 0.1):
        self.burst, self.drip, self.every = burst, drip, every
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.closed_at: float | None = None
        self.thread = threading.Thread(target=self._serve, name="drip-server", daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:  # closed before any client came
            return
        with conn:
            conn.recv(65536)  # the request
            pieces = [self.burst] + [self.drip[i:i + 1] for i in range(len(self.drip))]
            for data in pieces:
                try:
                    conn.sendall(data)
                except OSError:
                    self.closed_at = time.monotonic()
                    return
                ready, _, _ = select.select([conn], [], [], self.every)
                if ready:
                    try:
                        gone = conn.recv(1) == b""
                    except OSError:
                        gone = True
                    if gone:
                        self.closed_at = time.monotonic()
                        return

    def close(self):
        self.sock.close()
        self.thread.join(5)
