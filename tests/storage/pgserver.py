"""A throwaway PostgreSQL server on loopback for tests and the benchmark: `initdb` into a
temporary folder, `pg_ctl start` on a free port, password authentication over TCP.

As root (CI containers), the server runs as the `postgres` user, which cannot write to a
root-owned clone: everything lives under a fresh folder in /tmp owned by that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "postgres"
DATABASE = "reconsider_test"


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    port: int
    password: str
    run_as: str | None
    pg_ctl: str
    options: str

    @property
    def admin_url(self) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def halt(self) -> None:
        """Stop the server, keeping its data (PostgreSQL going away)."""
        _run([self.pg_ctl, "stop", "-D", str(self.root / "data"), "-m", "fast", "-w"], self.run_as)

    def resume(self) -> None:
        _run(
            [
                self.pg_ctl,
                "start",
                "-w",
                "-D",
                str(self.root / "data"),
                "-l",
                str(self.root / "log"),
                "-o",
                self.options,
            ],
            self.run_as,
        )

    def stop(self) -> None:
        _run(
            [self.pg_ctl, "stop", "-D", str(self.root / "data"), "-m", "immediate", "-w"],
            self.run_as,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def _run(command: list[str], run_as: str | None, check: bool = True) -> subprocess.CompletedProcess[str]:
    if run_as is not None:
        command = ["runuser", "-u", run_as, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)


def available() -> bool:
    return find_bin("initdb") is not None and find_bin("pg_ctl") is not None


def start(durable: bool = False) -> PostgresServer:
    """A new server (the caller stops it). `durable=False` turns fsync off: faster tests, and
    nothing in a test depends on surviving a power cut."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("initdb/pg_ctl not found (install PostgreSQL, or set TEST_DATABASE_URL)")
    run_as = USER if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="reconsider-pg-"))
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    password = secrets.token_hex(12)
    pwfile = root / "pw"
    pwfile.write_text(password)
    if run_as is not None:
        os.chown(pwfile, pwd.getpwnam(run_as).pw_uid, -1)
    _run(
        [
            initdb,
            "-D",
            str(root / "data"),
            "-U",
            USER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-instructions",
        ],
        run_as,
    )
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c full_page_writes=off"
    _run([pg_ctl, "start", "-w", "-D", str(root / "data"), "-l", str(root / "log"), "-o", options], run_as)
    server = PostgresServer(root, port, password, run_as, pg_ctl, options)
    created = subprocess.run(
        [
            find_bin("psql") or "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            USER,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f"CREATE DATABASE {DATABASE}",
        ],
        env={**os.environ, "PGPASSWORD": password},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if created.returncode != 0:
        server.stop()
        raise RuntimeError(f"could not create the test database: {created.stderr.strip()}")
    return server


def stop_at(root: Path) -> None:
    """Stop the server `start` left in `root` (for .ci/run's exit trap)."""
    pg_ctl = find_bin("pg_ctl")
    if pg_ctl is not None and (root / "data").is_dir():
        _run(
            [pg_ctl, "stop", "-D", str(root / "data"), "-m", "immediate", "-w"],
            USER if os.geteuid() == 0 else None,
            check=False,
        )
    shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    """`python -m tests.storage.pgserver` prints shell exports for a new server;
    `... --stop ROOT` stops it. Used by .ci/run."""
    if argv[:1] == ["--stop"] and len(argv) == 2:
        stop_at(Path(argv[1]))
        return 0
    try:
        server = start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"cannot start PostgreSQL: {error}", file=sys.stderr)
        return 1
    print(f"export TEST_DATABASE_URL='{server.url()}'")
    print(f"export PG_TEST_ROOT='{server.root}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
