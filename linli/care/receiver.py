"""The SIA DC-09 receiver over TCP: one thread per connection; each frame is answered after its event is committed
(services.receive_dc09 returns once the transaction is over), so an ACK never precedes the commit."""

import logging
import socketserver

from django.db import close_old_connections

from . import dc09
from .services import receive_dc09

log = logging.getLogger("linli.care.dc09")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        peer = f"{self.client_address[0]}:{self.client_address[1]}"
        buffer = b""
        self.request.settimeout(300)
        try:
            while True:
                data = self.request.recv(4096)
                if not data:
                    break
                frames, buffer = dc09.split(buffer + data)
                for frame in frames:
                    close_old_connections()
                    self.request.sendall(receive_dc09(frame, peer))
        except (ConnectionError, TimeoutError, OSError) as exc:
            log.info("connection %s ended: %s", peer, exc)
        finally:
            close_old_connections()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(host: str = "0.0.0.0", port: int = 7700) -> Server:
    return Server((host, port), Handler)
