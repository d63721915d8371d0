"""A throwaway PostgreSQL cluster for the test suite (`linli test --postgres`, .ci/run).

    with TemporaryPostgres() as pg:
        os.environ["LINLI_DATABASE_URL"] = pg.url   # postgres://postgres@127.0.0.1:PORT/linli
        …

Binaries come from /usr/lib/postgresql/15/bin (or another installed version, or PATH); where
none is installed and we are root, `apt-get install postgresql` fetches them. PostgreSQL refuses
to run as root, so as root the cluster belongs to the `postgres` system user (created if missing)
and every server command runs through runuser. The cluster listens on a free loopback port, is
tuned for speed over durability (fsync off), and is removed on exit.
"""

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PREFERRED_VERSION = "15"
SYSTEM_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    pass


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def find_bin_dir(version: str = PREFERRED_VERSION) -> Path | None:
    preferred = Path(f"/usr/lib/postgresql/{version}/bin")
    if (preferred / "initdb").exists():
        return preferred
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0), reverse=True)
    if found:
        return Path(found[0]).parent
    for name in ("pg_ctl", "initdb"):
        path = shutil.which(name)
        if path:
            real = Path(path).resolve().parent
            if (real / "initdb").exists() and (real / "pg_ctl").exists():
                return real
    return None


def install_postgres() -> None:
    if not (_is_root() and shutil.which("apt-get")):
        raise PostgresUnavailable(
            "PostgreSQL binaries not found (looked in /usr/lib/postgresql/*/bin and PATH). "
            "Install them, e.g. `sudo apt-get install postgresql`, or run as root to let linli install them."
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "postgresql"], check=True, env=env)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER], check=True)


class TemporaryPostgres:
    def __init__(self, version: str = PREFERRED_VERSION, database: str = "linli", settings: dict | None = None):
        """settings: more server settings (name → value), given to the server at start as `-c name=value`."""
        self.version_wanted = version
        self.database = database
        self.settings = dict(settings or {})
        self.bin_dir: Path | None = None
        self.directory: str | None = None
        self.port: int | None = None
        self.version = ""
        self._started = False

    # ------------------------------------------------------------------ helpers
    def _as_owner(self, cmd: list[str]) -> list[str]:
        if not _is_root():
            return cmd
        if shutil.which("runuser"):
            return ["runuser", "-u", SYSTEM_USER, "--", *cmd]
        import shlex

        return ["su", SYSTEM_USER, "-s", "/bin/sh", "-c", " ".join(shlex.quote(c) for c in cmd)]

    def _run(self, cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run(self._as_owner(cmd), capture_output=True, text=True, **kwargs)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        if not self.directory:
            return ""
        log = Path(self.directory) / "server.log"
        try:
            return "server log:\n" + log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    # ------------------------------------------------------------------ life cycle
    def start(self) -> "TemporaryPostgres":
        self.bin_dir = find_bin_dir(self.version_wanted)
        if self.bin_dir is None:
            install_postgres()
            self.bin_dir = find_bin_dir(self.version_wanted)
            if self.bin_dir is None:
                raise PostgresUnavailable("apt-get installed postgresql but no initdb was found under /usr/lib/postgresql")
        out = subprocess.run([str(self.bin_dir / "postgres"), "--version"], capture_output=True, text=True).stdout
        self.version = (re.search(r"(\d+(\.\d+)?)", out) or [""])[0]
        base = "/tmp" if _is_root() and os.path.isdir("/tmp") else None
        self.directory = tempfile.mkdtemp(prefix="linli-pg-", dir=base)
        if _is_root():
            _ensure_system_user()
            os.chmod(self.directory, 0o700)
            shutil.chown(self.directory, SYSTEM_USER, SYSTEM_USER)
        data = os.path.join(self.directory, "data")
        try:
            self._run([str(self.bin_dir / "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
            self.port = free_port()
            # commits flushed as in production (cheap here, fsync being off): a standby that has replayed up to the
            # flush position has every commit a client was told of (linli.core.replica)
            options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c full_page_writes=off -c max_connections=50")
            options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
            self._run([str(self.bin_dir / "pg_ctl"), "-D", data, "-l", os.path.join(self.directory, "server.log"), "-w", "-t", "60", "-o", options, "start"])
            self._started = True
            self._run([str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database])
        except BaseException:
            self.stop()
            raise
        return self

    def start_standby(self) -> "Standby":
        """A hot standby of this cluster (a physical copy by pg_basebackup, streaming its WAL): what a read replica is
        in production. Stopped with the primary."""
        self.standby = Standby(self).start()
        return self.standby

    def stop(self) -> None:
        standby = getattr(self, "standby", None)
        if standby is not None:
            standby.stop()
            self.standby = None
        if self._started and self.directory:
            subprocess.run(self._as_owner([str(self.bin_dir / "pg_ctl"), "-D", os.path.join(self.directory, "data"), "-m", "fast", "-w", "-t", "60", "stop"]),
                           capture_output=True, text=True)
            self._started = False
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> "TemporaryPostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Standby:
    """A streaming replica of a running TemporaryPostgres, in a directory of the primary's, on a port of its own."""

    def __init__(self, primary: TemporaryPostgres):
        self.primary = primary
        self.port: int | None = None
        self.data: str | None = None
        self._started = False

    @property
    def url(self) -> str:
        """Without a database name: the replica reads whichever database the primary's URL names (a test run's too)."""
        return f"postgres://postgres@127.0.0.1:{self.port}/"

    def start(self) -> "Standby":
        p = self.primary
        self.data = os.path.join(p.directory, "standby")
        # -R writes primary_conninfo and standby.signal: the copy starts as a hot standby following the primary
        p._run([str(p.bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p.port), "-U", "postgres", "-D", self.data,
                "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"])
        self.port = free_port()
        options = (f"-p {self.port} -k {p.directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50 "
                   "-c hot_standby=on -c hot_standby_feedback=on")
        p._run([str(p.bin_dir / "pg_ctl"), "-D", self.data, "-l", os.path.join(p.directory, "standby.log"), "-w", "-t", "60", "-o", options, "start"])
        self._started = True
        return self

    def stop(self) -> None:
        if self._started and self.data:
            subprocess.run(self.primary._as_owner([str(self.primary.bin_dir / "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"]),
                           capture_output=True, text=True)
            self._started = False
