"""Run ASGI apps with uvicorn in background threads (the gateway's two listeners)."""

from __future__ import annotations

import threading
import time

import uvicorn


class ServerThread:
    """A uvicorn server in a daemon thread; ``port`` is known once started."""

    def __init__(self, config: uvicorn.Config) -> None:
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def port(self) -> int:
        """The bound port (works with ``port=0``)."""
        sockets = self.server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start and wait until the server accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask the server to exit and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
