"""Small embedded servers the shipper simulator (and the tests) run in background threads: FTP
(pyftpdlib) and SMTP (aiosmtpd). Each listens on 127.0.0.1 by default and stops cleanly."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller

# pyftpdlib is built on asyncore/asynchat, which Python 3.11 marks deprecated on import (a vendored
# copy takes over on 3.12); the warning says nothing about our use, so it is silenced here only.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.ioloop import IOLoop
    from pyftpdlib.servers import FTPServer

logger = logging.getLogger(__name__)


class FtpServerThread:
    """An FTP server for one user whose home is ``root``.

    ``on_stored(path)`` is called for every file that appears under its final name: after an upload
    (``STOR``) or after a rename (``RNTO``), so a client's temporary name can be told apart.
    ``commands`` records every (command, argument) the server received, for tests.
    """

    def __init__(
        self,
        root: Path,
        *,
        user: str,
        password: str,
        host: str = "127.0.0.1",
        port: int = 0,
        on_stored: Callable[[Path], None] | None = None,
    ):
        authorizer = DummyAuthorizer()
        authorizer.add_user(user, password, str(root), perm="elradfmwMT")
        commands: list[tuple[str, str]] = []
        self.commands = commands
        callback = on_stored or (lambda path: None)

        class Handler(FTPHandler):
            def pre_process_command(self, line, cmd, arg):
                commands.append((cmd, arg if cmd != "PASS" else "***"))
                return super().pre_process_command(line, cmd, arg)

            def on_file_received(self, file):
                callback(Path(file))

            def ftp_RNTO(self, path):
                renamed = super().ftp_RNTO(path)
                if renamed:
                    callback(Path(renamed[1]))
                return renamed

        Handler.authorizer = authorizer
        Handler.passive_ports = None
        Handler.banner = "OrderPilot shipper simulator FTP"
        Handler.log_prefix = "ftp %(remote_ip)s:%(remote_port)s"
        # an event loop of its own: pyftpdlib's default is one shared loop, which close_all() would empty
        self.server = FTPServer((host, port), Handler, ioloop=IOLoop())
        self.server.max_cons = 64
        self.host, self.port = self.server.address[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"ftp-{self.port}", daemon=True)

    def _serve(self) -> None:
        logger.info("FTP server on %s:%s", self.host, self.port)
        while not self._stop.is_set():
            self.server.ioloop.loop(timeout=0.05, blocking=False)
        self.server.close_all()

    def start(self) -> FtpServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class SmtpServerThread:
    """An SMTP server that hands every message (raw bytes) to ``on_message(raw, mail_from, rcpt_tos)``."""

    def __init__(self, on_message: Callable[[bytes, str, list[str]], None], *, host: str = "127.0.0.1", port: int):
        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
                on_message(envelope.original_content or envelope.content, envelope.mail_from, envelope.rcpt_tos)
                return "250 Message accepted"

        self.controller = Controller(Handler(), hostname=host, port=port, ready_timeout=10)
        self.host, self.port = host, port

    def start(self) -> SmtpServerThread:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
