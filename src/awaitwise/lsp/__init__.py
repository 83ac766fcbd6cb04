"""The language server (`awaitwise server`): diagnostics as you type, quick fixes, fix-all and
noqa actions for editors, over the Language Server Protocol on stdin/stdout.

Only `start()` is imported by the command line; pygls (the protocol library) is imported when
the server starts, never by `awaitwise check`."""

from __future__ import annotations

import sys

PYGLS_NEEDED = "pygls>=2.1,<3"


def start() -> int:
    """Run the server; the process's exit status. 2, with a message on stderr, when pygls is
    missing or too old."""
    try:
        import pygls.lsp.server  # noqa: F401 - 2.x layout; 1.x has no pygls.lsp.server
        from pygls.protocol import lsp_method  # noqa: F401
    except ImportError as exc:
        print(
            f"awaitwise: error: the language server needs {PYGLS_NEEDED!r} ({exc}); "
            f"install it with: pip install '{PYGLS_NEEDED}'",
            file=sys.stderr,
        )
        return 2
    from .server import serve

    return serve()
