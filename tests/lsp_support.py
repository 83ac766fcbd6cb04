"""A language client for the server tests: starts `python -m awaitwise server` as a subprocess
and talks to it over stdio with pygls's LanguageClient, recording what the server sends."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from lsprotocol import types
from pygls.lsp.client import LanguageClient

TIMEOUT = 20.0  # seconds any single wait may take before the test fails (never reached when it passes)
DEBOUNCE_MS = 20


def uri(path: Path) -> str:
    return path.resolve().as_uri()


class Client:
    def __init__(self, root: Path):
        self.root = root
        self.lc = LanguageClient("awaitwise-tests", "1")
        self.published: List[types.PublishDiagnosticsParams] = []
        self.logs: List[types.LogMessageParams] = []
        self.shown: List[types.ShowMessageParams] = []
        self.registrations: List[types.Registration] = []
        self.versions: Dict[str, int] = {}
        self._event = asyncio.Event()
        self.stderr = b""

        @self.lc.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params: types.PublishDiagnosticsParams):
            self.published.append(params)
            self._poke()

        @self.lc.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params: types.LogMessageParams):
            self.logs.append(params)
            self._poke()

        @self.lc.feature(types.WINDOW_SHOW_MESSAGE)
        def _show(params: types.ShowMessageParams):
            self.shown.append(params)
            self._poke()

        @self.lc.feature(types.CLIENT_REGISTER_CAPABILITY)
        def _register(params: types.RegistrationParams):
            self.registrations.extend(params.registrations)
            self._poke()

    def _poke(self) -> None:
        self._event.set()

    async def start(
        self,
        env: Optional[Dict[str, str]] = None,
        init_options: Any = None,
        resolve_edit: bool = False,
        document_changes: bool = False,
        command: Optional[List[str]] = None,
    ) -> types.InitializeResult:
        """Start the server (`command`, default `python -m awaitwise server`) and initialize it."""
        environ = dict(os.environ)
        environ.update(env or {})
        command = command or [sys.executable, "-m", "awaitwise", "server"]
        await self.lc.start_io(*command, cwd=str(self.root), env=environ)
        code_action = types.CodeActionClientCapabilities(
            code_action_literal_support=types.ClientCodeActionLiteralOptions(
                code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix", "source"])
            ),
            resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]) if resolve_edit else None,
        )
        caps = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                code_action=code_action,
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            ),
            workspace=types.WorkspaceClientCapabilities(
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
                workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=document_changes),
            ),
        )
        options = {"debounceMs": DEBOUNCE_MS} if init_options is None else init_options
        result = await asyncio.wait_for(
            self.lc.initialize_async(
                types.InitializeParams(
                    capabilities=caps,
                    process_id=os.getpid(),
                    root_uri=uri(self.root),
                    workspace_folders=[types.WorkspaceFolder(uri=uri(self.root), name="ws")],
                    initialization_options=options,
                )
            ),
            TIMEOUT,
        )
        self.lc.initialized(types.InitializedParams())
        return result

    async def stop(self, ending: str = "shutdown") -> Optional[int]:
        """End the session and return the server's exit status. `ending`: "shutdown" (shutdown,
        then exit), "exit" (exit without shutdown) or "eof" (the client goes away: its end of
        the pipe closes)."""
        server = self.lc._server
        if server is not None and server.returncode is None:
            if ending == "shutdown":
                await asyncio.wait_for(self.lc.shutdown_async(None), TIMEOUT)
            if ending == "eof":
                server.stdin.close()
            else:
                self.lc.exit(None)
            await asyncio.wait_for(server.wait(), TIMEOUT)
        await asyncio.wait_for(self.lc.stop(), TIMEOUT)
        if server is not None and server.stderr is not None:
            self.stderr = await server.stderr.read()
        return server.returncode if server is not None else None

    # --- documents ------------------------------------------------------------------------------
    def open(self, path: Path, text: Optional[str] = None, language: str = "python") -> str:
        if text is None:
            text = path.read_text()
        u = uri(path) if path.is_absolute() else str(path)
        self.versions[u] = 1
        self.lc.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=u, language_id=language, version=1, text=text)
            )
        )
        return u

    def change(self, u: str, text: str, range_: Optional[types.Range] = None) -> int:
        self.versions[u] += 1
        change: Any = (
            types.TextDocumentContentChangeWholeDocument(text=text)
            if range_ is None
            else types.TextDocumentContentChangePartial(range=range_, text=text)
        )
        self.lc.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=u, version=self.versions[u]),
                content_changes=[change],
            )
        )
        return self.versions[u]

    def save(self, u: str) -> None:
        self.lc.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=u))
        )

    def close(self, u: str) -> None:
        self.lc.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=u))
        )

    def files_changed(self, *changes) -> None:
        self.lc.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=u, type=t) for u, t in changes])
        )

    # --- waiting --------------------------------------------------------------------------------
    async def wait_for(self, condition: Callable[[], Any], what: str = "the condition") -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            found = condition()
            if found:
                return found
            left = deadline - loop.time()
            if left <= 0 or self.lc.stopped:
                seen = [(p.uri.rsplit("/", 1)[-1], p.version, [d.code for d in p.diagnostics]) for p in self.published]
                raise AssertionError(
                    f"timed out waiting for {what}; published: {seen}; logs: {[m.message for m in self.logs]}"
                )
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def diagnostics(
        self,
        u: str,
        version: Optional[int] = None,
        where: Optional[Callable[[List[types.Diagnostic]], bool]] = None,
        after: int = 0,
    ) -> List[types.Diagnostic]:
        """The diagnostics of the first publish for `u` (after the first `after` publishes of
        any document) at `version` (default: the document's current one) that satisfies `where`."""
        want = self.versions.get(u) if version is None else version

        def found():
            for p in self.published[after:]:
                if p.uri == u and (want is None or p.version == want) and (where is None or where(list(p.diagnostics))):
                    return [list(p.diagnostics)]
            return None

        return (await self.wait_for(found, f"diagnostics of {u} at version {want}"))[0]

    def codes(self, diagnostics) -> List[str]:
        return [d.code for d in diagnostics]

    async def code_actions(
        self, u: str, line: int, character: int = 0, end_line: Optional[int] = None, only: Optional[List[str]] = None
    ) -> List[types.CodeAction]:
        rng = types.Range(
            start=types.Position(line=line, character=character),
            end=types.Position(line=line if end_line is None else end_line, character=character),
        )
        result = await asyncio.wait_for(
            self.lc.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=u),
                    range=rng,
                    context=types.CodeActionContext(diagnostics=[], only=only),
                )
            ),
            TIMEOUT,
        )
        return list(result or [])


def apply_edits(text: str, edits: List[types.TextEdit]) -> str:
    """The text after the edits (UTF-16 positions, as the client negotiated by default)."""
    from awaitwise.lsp.text import LineIndex

    lines = LineIndex(text)
    spans = sorted(
        (
            (
                lines.offset(e.range.start.line, e.range.start.character),
                lines.offset(e.range.end.line, e.range.end.character),
                e.new_text,
            )
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_of(action: types.CodeAction, u: str) -> List[types.TextEdit]:
    edit = action.edit
    assert edit is not None, action
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == u for e in change.edits]
    return list((edit.changes or {}).get(u, []))


def run(root: Path, scenario, ending: str = "shutdown", **start_options) -> Client:
    """Start a server for the workspace `root`, run `await scenario(client)`, end the session
    (see Client.stop), and return the client: `result` is what the scenario returned,
    `exit_code` the server's exit status."""

    async def main():
        client = Client(root)
        await client.start(**start_options)
        try:
            client.result = await scenario(client)
        finally:
            client.exit_code = await client.stop(ending)
        return client

    return asyncio.run(main())
