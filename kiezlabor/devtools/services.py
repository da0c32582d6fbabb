"""Throwaway PostgreSQL + PostGIS and Redis servers on 127.0.0.1, for tests and benchmarks.

Each server lives in its own data directory on a free port and is stopped (and its directory
removed by the caller) when the ``with`` block ends, whatever happened inside it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def is_reachable(url: str | None, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    if not url:
        return False
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait_for_port(port: int, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if is_reachable(f"tcp://{LOOPBACK}:{port}", timeout=0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start on port {port} within {seconds:.0f} s")


class PostgresServer:
    """A PostgreSQL cluster of its own, with PostGIS enabled in ``template1``.

    PostgreSQL refuses to run as root, so when we are root the cluster belongs to the
    ``postgres`` system user that Debian's packages create.
    """

    user = "kiezlabor"
    database = "kiezlabor"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.datadir = workdir / "data"
        self.port = port or free_port()
        self.bindir = self._find_bindir()

    @property
    def url(self) -> str:
        return f"postgis://{self.user}@{LOOPBACK}:{self.port}/{self.database}"

    @staticmethod
    def _find_bindir() -> Path:
        candidates = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda path: int(Path(path).parent.parent.name),
        )
        if candidates:
            return Path(candidates[-1]).parent
        initdb = shutil.which("initdb")
        if initdb:
            return Path(initdb).parent
        raise RuntimeError("PostgreSQL server binaries (initdb) not found")

    def _as_owner(self, *command: str | Path) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return [*prefix, *map(str, command)]

    def _psql(self, database: str, sql: str) -> None:
        subprocess.run(
            [
                "psql",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                LOOPBACK,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                database,
                "-c",
                sql,
            ],
            check=True,
        )

    def pg_ctl(self, *args: str) -> list[str]:
        """The command line of ``pg_ctl`` for this cluster (tests use it to restart it)."""
        return self._as_owner(self.bindir / "pg_ctl", "-D", self.datadir, *args)

    def start(self) -> PostgresServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, user="postgres", group="postgres")
        subprocess.run(
            self._as_owner(
                self.bindir / "initdb",
                "-D",
                self.datadir,
                "-U",
                self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # fsync off is safe for a throwaway cluster: a killed server process still leaves its
        # writes in the OS page cache. synchronous_commit stays on (durability tests need it).
        options = (
            f"-c listen_addresses={LOOPBACK} -p {self.port} -k {self.workdir} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            self.pg_ctl("-l", self.workdir / "postgres.log", "-o", options, "-w", "start"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self._psql("template1", "CREATE EXTENSION IF NOT EXISTS postgis")
        self._psql("postgres", f"CREATE DATABASE {self.database}")
        return self

    def stop(self) -> None:
        subprocess.run(
            self.pg_ctl("-m", "fast", "-w", "stop"),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class RedisServer:
    """A Redis server of its own, without persistence."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server")
        if not server:
            raise RuntimeError("redis-server not found")
        self.process = subprocess.Popen(
            [
                server,
                "--bind",
                LOOPBACK,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
        )
        _wait_for_port(self.port, seconds=15, what="Redis")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
