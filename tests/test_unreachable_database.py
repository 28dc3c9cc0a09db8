"""A server pointed at a database it cannot reach (SPEC section 8): one line that says which
URL (password masked) and what failed, and exit code 1; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ROOT, free_port, server_env


@pytest.mark.parametrize(
    ("entry", "url", "says"),
    [
        (
            ["cli.py", "run"],
            "postgresql+asyncpg://fleet:s3cret@127.0.0.1:{port}/fleet",
            "ConnectionRefusedError",
        ),
        (
            ["server.py"],
            "postgresql+asyncpg://fleet:s3cret@127.0.0.1:{port}/fleet",
            "ConnectionRefusedError",
        ),
        (["cli.py", "migrate"], "sqlite+aiosqlite:////proc/no-such-dir/app.db", "OperationalError"),
    ],
    ids=["cli run, postgresql", "server.py, postgresql", "cli migrate, sqlite"],
)
def test_an_unreachable_database_is_one_line_and_exit_1(
    tmp_path: Path, entry: list[str], url: str, says: str
) -> None:
    # given a database URL nobody answers at (a closed port; a directory that cannot exist)
    database_url = url.format(port=free_port())
    env = server_env(database_url, tmp_path)
    # when the server (or the CLI) starts
    done = subprocess.run(  # noqa: S603 - our own entry points
        [sys.executable, *entry],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then it exits 1 with one line on stderr naming the URL without its password
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    masked = database_url.replace("s3cret", "***")
    assert lines[0].startswith(f"Cannot reach the database at {masked}: {says}"), lines[0]
    assert "s3cret" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
