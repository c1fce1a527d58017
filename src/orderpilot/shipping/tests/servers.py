"""Real servers for the shipping tests, on free local ports: HTTP (werkzeug), SFTP (asyncssh),
IMAP (Dovecot, started as a process with its own configuration). FTP and SMTP come from the
shipper simulator's embedded servers (pyftpdlib, aiosmtpd)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import asyncssh
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


class HttpReceiver:
    """A shipper's HTTP API: keeps one document per path and Idempotency-Key; answers the statuses
    in ``fail_with`` first, one per request."""

    def __init__(self, *, port: int = 0, username: str = "", password: str = "", token: str = ""):
        self.documents: dict[tuple[str, str], dict] = {}
        self.requests: list[dict] = []
        self.fail_with: list[int] = []  # statuses to answer next, one per request
        self.username, self.password, self.token = username, password, token
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @Request.application
    def app(self, request: Request) -> Response:
        self.requests.append({"path": request.path, "headers": dict(request.headers)})
        if self.fail_with:
            return Response("try later", status=self.fail_with.pop(0))
        if self.token and request.headers.get("X-Api-Key") != self.token:
            return Response("bad key", status=401)
        if self.username and (
            not request.authorization
            or (request.authorization.username, request.authorization.password) != (self.username, self.password)
        ):
            return Response("login", status=401)
        key = (request.path, request.headers["Idempotency-Key"])  # the same numbers recur across tests
        self.documents.setdefault(
            key,
            {
                "path": request.path,
                "disposition": request.headers.get("Content-Disposition"),
                "content_type": request.headers.get("Content-Type"),
                "content": request.get_data(),
            },
        )
        return Response('{"ok": true}', status=201, mimetype="application/json")

    def start(self) -> HttpReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _RecordingSftp(asyncssh.SFTPServer):
    log: list[tuple[str, str]]

    def open(self, path, pflags, attrs):
        self.log.append(("open", path.decode().rpartition("/")[2]))
        return super().open(path, pflags, attrs)

    def posix_rename(self, oldpath, newpath):
        self.log.append(("rename", f"{oldpath.decode().rpartition('/')[2]}->{newpath.decode().rpartition('/')[2]}"))
        return super().posix_rename(oldpath, newpath)


class SftpServer:
    """An SFTP server (asyncssh) for one user with a password, chrooted to ``root``."""

    def __init__(self, root: Path, *, user: str = "ship", password: str = "secret", port: int = 0):
        self.root, self.user, self.password, self.requested_port = root, user, password, port
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.public_key = self.host_key.export_public_key().decode().strip()
        self.log: list[tuple[str, str]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> SftpServer:
        self.thread.start()
        user, password, root, log = self.user, self.password, str(self.root), self.log

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username):
                return True

            def password_auth_supported(self):
                return True

            def validate_password(self, username, given):
                return (username, given) == (user, password)

        def sftp(chan):
            server = _RecordingSftp(chan, chroot=root)
            server.log = log
            return server

        async def listen():
            return await asyncssh.listen(
                "127.0.0.1", self.requested_port, server_host_keys=[self.host_key], server_factory=Server,
                sftp_factory=sftp, allow_scp=False,
            )

        self.acceptor = asyncio.run_coroutine_threadsafe(listen(), self.loop).result(10)
        self.port = self.acceptor.get_port()
        return self

    def stop(self) -> None:
        self.acceptor.close()
        asyncio.run_coroutine_threadsafe(self.acceptor.wait_closed(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
instance_name = orderpilot-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {base}/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
mail_location = maildir:{base}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={base}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """A real IMAP server: Dovecot (Debian ``dovecot-imapd``) with its own configuration in a temporary
    folder and a free port. Runs as root here; mail belongs to the ``dovecot`` system user."""

    def __init__(self, *, user: str = "ship", password: str = "secret"):
        self.user, self.password = user, password
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="orderpilot-dovecot-"))

    def start(self) -> Dovecot:
        binary = shutil.which("dovecot")
        if binary is None:
            raise RuntimeError("Dovecot is not installed: apt-get install dovecot-imapd")
        self.base.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (self.base / sub).mkdir()
        shutil.chown(self.base / "mail", "dovecot", "dovecot")
        (self.base / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        config = self.base / "dovecot.conf"
        config.write_text(DOVECOT_CONF.format(base=self.base, port=self.port))
        self.process = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            log = (self.base / "dovecot.log").read_text() if (self.base / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot did not start: {log}") from None
        return self

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        shutil.rmtree(self.base, ignore_errors=True)
