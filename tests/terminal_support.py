"""Running the command with one of its output streams on a terminal (a pty), for the tests of what
it does only for a person watching: colour, code frames, progress bars."""

from __future__ import annotations

import os
import pty
import subprocess
import sys


def run_on_terminal(args, cwd, *, stream: str = "stderr", env=None, timeout: float = 300):
    """(the finished process, what it wrote on `stream`, "stdout" or "stderr", which is a terminal);
    the other stream is a pipe."""
    master, slave = pty.openpty()
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    pipes[stream] = slave
    try:
        proc = subprocess.run([sys.executable, "-m", "awaitwise", *args], cwd=cwd, env=env, timeout=timeout, **pipes)
        os.close(slave)
        slave = None
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other end is closed: everything was read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    return proc, seen


__all__ = ["run_on_terminal"]
