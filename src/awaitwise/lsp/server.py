"""`awaitwise server`: the language server, on pygls, over stdin and stdout.

The protocol side lives here: documents and their versions, debouncing, the conversion of
awaitwise's records to protocol types, and the life cycle (initialize, shutdown, exit, a client
that goes away). The work on the workspace is state.py's, run on one worker thread so that
the event loop keeps reading messages while a file is linted.

Diagnostics are published for each open Python document on open, on save, and after a change
once the document has been quiet for the debounce delay (default DEBOUNCE_MS; the
initialization option `debounceMs` sets it). A lint's result is published only when the
document is still at the version that was linted: a newer version's lint follows and wins.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

from .. import __version__
from ..diagnostics import SAFE, Diagnostic
from ..engine import PARSE_ERROR
from .noqa_edit import noqa_edit
from .state import CONFIG_NAMES, PY_SUFFIXES, LintReport, ProjectState, Snapshot, fixed_text_parses
from .text import UTF8, UTF16, UTF32, LineIndex, apply_change, minimal_replacement

log = logging.getLogger("awaitwise.lsp")

DEBOUNCE_MS = 200
RELINT_FACTOR = 4  # the other open documents wait this many debounce delays after an edit
MAX_DEBOUNCE_MS = 10_000
FIX_ALL = "source.fixAll.awaitwise"
SOURCE = "awaitwise"
PARENT_POLL_SECONDS = 5.0
# what the server asks a client that registers watchers dynamically to report
WATCHED = ("**/*.py", "**/*.pyi", "**/pyproject.toml", "**/awaitwise.toml", "**/.gitignore")
_ENCODINGS = {"utf-8": UTF8, "utf-16": UTF16, "utf-32": UTF32}


class Document:
    """An open document: its text as the client last sent it, and its version."""

    __slots__ = ("uri", "path", "is_file", "language_id", "version", "text")

    def __init__(self, uri: str, language_id: str, version: Optional[int], text: str, root: str):
        self.uri = uri
        path = to_fs_path(uri) if uri.startswith("file:") else None
        self.is_file = path is not None
        if path is None:  # an unsaved buffer: linted as a file of that name in the workspace
            name = uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or "untitled"
            path = os.path.join(root, name if name.endswith(PY_SUFFIXES) else name + ".py")
        self.path = os.path.abspath(path)
        self.language_id = language_id
        self.version = version
        self.text = text

    @property
    def is_python(self) -> bool:
        return self.language_id == "python" or self.path.endswith(PY_SUFFIXES)

    def snapshot(self) -> Snapshot:
        return Snapshot(self.uri, self.path, self.version, self.text, self.is_file)


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, except that documents are kept by the server (Document): pygls's own
    copy splits lines where Python does not (form feeds and other separators)."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class AwaitwiseServer(LanguageServer):
    def __init__(self):
        super().__init__(
            SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental, protocol_cls=_Protocol
        )
        self.docs: Dict[str, Document] = {}
        self.state = ProjectState()
        # one thread does every lint, fix and index update, in the order they were asked for
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="awaitwise-lint")
        self.debounce = DEBOUNCE_MS / 1000
        self.encoding = UTF16
        self.root = os.getcwd()
        self.shutdown_requested = False
        self._sleeping: Dict[str, asyncio.Task] = {}  # uri -> lint waiting for the document to settle
        self._tasks: Set[asyncio.Task] = set()  # every lint task, until it is done
        self._logged: Dict[str, Tuple[str, ...]] = {}  # uri -> internal errors last logged for it
        self._shown: Set[str] = set()  # configuration errors shown to the user
        self._resolve_edit = False  # the client resolves a code action's edit later
        self._document_changes = False  # the client takes versioned document edits
        self._register()

    # --- set-up ---------------------------------------------------------------------------------
    def _register(self) -> None:
        def f(name, options=None):
            return lambda method: self.feature(name, options)(_handler(method))

        f(types.INITIALIZE)(self.on_initialize)
        f(types.INITIALIZED)(self.on_initialized)
        f(types.SHUTDOWN)(self.on_shutdown)
        f(types.EXIT)(self.on_exit)
        f(types.TEXT_DOCUMENT_DID_OPEN)(self.on_open)
        f(types.TEXT_DOCUMENT_DID_CHANGE)(self.on_change)
        f(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(self.on_save)
        f(types.TEXT_DOCUMENT_DID_CLOSE)(self.on_close)
        f(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(self.on_watched_files)
        f(
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=True),
        )(self.on_code_action)
        f(types.CODE_ACTION_RESOLVE)(self.on_code_action_resolve)

    def on_initialize(self, params: types.InitializeParams) -> None:
        encoding = self.workspace.position_encoding
        self.encoding = _ENCODINGS.get(getattr(encoding, "value", encoding) or "utf-16", UTF16)
        folders = [to_fs_path(f.uri) for f in (params.workspace_folders or [])]
        root = next((p for p in folders if p), None) or (to_fs_path(params.root_uri) if params.root_uri else None)
        root = root or params.root_path
        if root:
            self.root = os.path.abspath(root)
        options = params.initialization_options
        if isinstance(options, dict) and "debounceMs" in options:
            value = options["debounceMs"]
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_DEBOUNCE_MS:
                self.debounce = value / 1000
            else:
                log.warning(
                    "initializationOptions.debounceMs must be a number of milliseconds from 0 to %d; %r ignored",
                    MAX_DEBOUNCE_MS,
                    value,
                )
        caps = params.capabilities
        action = caps.text_document.code_action if caps.text_document else None
        resolve = action.resolve_support if action else None
        self._resolve_edit = bool(resolve and "edit" in (resolve.properties or []))
        edit = caps.workspace.workspace_edit if caps.workspace else None
        self._document_changes = bool(edit and edit.document_changes)
        if params.process_id and os.name == "posix":
            _watch_parent(params.process_id)

    async def on_initialized(self, params: types.InitializedParams) -> None:
        # the parser and the rules load while the editor opens its first file
        self._spawn(self._in_worker(self.state.warm_up))
        caps = self.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps else None
        if not (watched and watched.dynamic_registration):
            return
        registration = types.Registration(
            id="awaitwise-watched-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED]
            ),
        )
        try:
            await self.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as exc:  # the editor then reports no file changes: edits still work
            log.warning("the client did not register the file watchers: %s", exc)

    def on_shutdown(self, params: Any) -> None:
        self.shutdown_requested = True
        for task in list(self._tasks):
            task.cancel()
        self.worker.shutdown(wait=False, cancel_futures=True)

    def on_exit(self, params: Any) -> None:
        _exit(0 if self.shutdown_requested else 1)

    # --- documents ------------------------------------------------------------------------------
    def on_open(self, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        doc = Document(item.uri, item.language_id, item.version, item.text, self.root)
        self.docs[item.uri] = doc
        if doc.is_python:
            self._schedule(doc.uri, 0.0, quick=True)

    def on_change(self, params: types.DidChangeTextDocumentParams) -> None:
        doc = self.docs.get(params.text_document.uri)
        if doc is None:
            return
        text = doc.text
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                text = apply_change(
                    text, ((r.start.line, r.start.character), (r.end.line, r.end.character)), change.text, self.encoding
                )
            else:
                text = change.text
        doc.text = text
        doc.version = params.text_document.version
        if doc.is_python:
            self._schedule(doc.uri, self.debounce)

    def on_save(self, params: types.DidSaveTextDocumentParams) -> None:
        doc = self.docs.get(params.text_document.uri)
        path = to_fs_path(params.text_document.uri)
        if path and os.path.basename(path) in CONFIG_NAMES:
            self._submit_changes(config=True)
            return
        if doc is None or not doc.is_python:
            return
        if doc.is_file:
            self._submit_changes(files=[(doc.path, "changed")], relint=False)
        self._schedule(doc.uri, 0.0)

    def on_close(self, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = self.docs.pop(uri, None)
        sleeping = self._sleeping.pop(uri, None)
        if sleeping is not None:
            sleeping.cancel()
        self._logged.pop(uri, None)
        if doc is None or not doc.is_python:
            return
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self._spawn(self._closed(doc))

    async def _closed(self, doc: Document) -> None:
        affected = await self._in_worker(self.state.close, doc.uri, doc.path if doc.is_file else None)
        if affected:
            self._relint_all()

    def on_watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        config = False
        files: List[Tuple[str, str]] = []
        kinds = {
            types.FileChangeType.Created: "created",
            types.FileChangeType.Changed: "changed",
            types.FileChangeType.Deleted: "deleted",
        }
        for change in params.changes:
            path = to_fs_path(change.uri)
            if not path:
                continue
            name = os.path.basename(path)
            if name in CONFIG_NAMES or name == ".gitignore":
                config = True
            elif name.endswith(PY_SUFFIXES):
                files.append((path, kinds.get(change.type, "changed")))
        if config or files:
            self._submit_changes(config=config, files=files)

    def _submit_changes(self, config: bool = False, files=(), relint: bool = True) -> None:
        self._spawn(self._changes(config, list(files), relint))

    async def _changes(self, config: bool, files, relint: bool) -> None:
        def apply() -> bool:
            changed = False
            if config:
                self.state.config_changed()
                changed = True
            for path, kind in files:
                changed = self.state.file_changed(path, kind) or changed
            return changed

        if config:
            self._shown.clear()  # a new mistake in the new config is shown again
        changed = await self._in_worker(apply)
        if changed and relint:
            self._relint_all()

    # --- lint -----------------------------------------------------------------------------------
    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _schedule(self, uri: str, delay: float, quick: bool = False) -> None:
        """Lint the document `delay` seconds from now, unless it changes again before; a lint
        already running goes on, and its result is dropped if the document changed meanwhile.
        `quick` (a document just opened): if the project index is still to be built, publish
        the document's own findings first, then lint it again with the index."""
        if self.shutdown_requested:
            return
        waiting = self._sleeping.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self._sleeping[uri] = self._spawn(self._lint_later(uri, delay, quick))

    def _relint_all(self, except_uri: Optional[str] = None) -> None:
        """Lint the open documents again (what they see of the project changed). After an edit
        in another document, they wait for it to be quiet a while longer than its own lint
        does: typing in one file is not held up behind the others' lints."""
        delay = self.debounce * (RELINT_FACTOR if except_uri is not None else 1)
        for uri, doc in self.docs.items():
            if uri != except_uri and doc.is_python:
                self._schedule(uri, delay)

    async def _lint_later(self, uri: str, delay: float, quick: bool = False) -> None:
        me = asyncio.current_task()
        try:
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            if self._sleeping.get(uri) is me:
                del self._sleeping[uri]
        doc = self.docs.get(uri)
        if doc is None:
            return
        snap = doc.snapshot()
        report = await self._in_worker(self._lint, doc, snap, quick)
        if report is None:
            return
        if report.others_affected:  # even for a stale version: what the others see changed
            self._relint_all(except_uri=uri)
        if self.docs.get(uri) is not doc or doc.version != snap.version:
            return  # the document changed meanwhile: the lint of the newer version publishes
        self._publish(snap, report)
        if report.provisional:  # now with the project index, which this lint builds
            self._schedule(uri, 0.0)

    def _lint(self, doc: Document, snap: Snapshot, quick: bool) -> Optional[LintReport]:
        """On the worker: lint `snap`, unless the document has moved on while the job waited
        (its newer version's lint is queued behind this one) or was closed."""
        if doc.version != snap.version or self.docs.get(snap.uri) is not doc:
            return None
        return self.state.lint(snap, wait_for_index=not quick)

    async def _in_worker(self, fn, *args):
        """fn(*args) on the worker thread. Whatever it raises is logged and gives None: a bug
        costs one answer, never the server."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.worker, _guarded, fn, args)
        except RuntimeError:  # the worker was shut down (shutdown request)
            return None

    def _publish(self, snap: Snapshot, report: LintReport) -> None:
        if report.broken:
            if report.broken not in self._shown:
                self._shown.add(report.broken)
                self._message(
                    types.MessageType.Error,
                    f"awaitwise: {report.broken}; nothing is checked until it is fixed",
                    show=True,
                )
            return
        if report.config_error and report.config_error not in self._shown:
            self._shown.add(report.config_error)
            self._message(
                types.MessageType.Error,
                f"awaitwise: {report.config_error} (the default settings are used until it is fixed)",
                show=True,
            )
        errors = tuple(report.errors)
        if errors and self._logged.get(snap.uri) != errors:
            for error in errors:
                self._message(types.MessageType.Error, f"awaitwise: {error}")
        self._logged[snap.uri] = errors
        lines = LineIndex(snap.text)
        diagnostics = [self._diagnostic(d, lines) for d in report.diagnostics]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=snap.uri, diagnostics=diagnostics, version=snap.version)
        )

    def _message(self, kind: types.MessageType, text: str, show: bool = False) -> None:
        (log.error if kind == types.MessageType.Error else log.warning)("%s", text)
        self.window_log_message(types.LogMessageParams(type=kind, message=text))
        if show:
            self.window_show_message(types.ShowMessageParams(type=kind, message=text))

    # --- conversions ----------------------------------------------------------------------------
    def _range(self, lines: LineIndex, start: int, end: int) -> types.Range:
        s = lines.position(start, self.encoding)
        e = lines.position(end, self.encoding)
        return types.Range(
            start=types.Position(line=s[0], character=s[1]), end=types.Position(line=e[0], character=e[1])
        )

    def _offsets(self, lines: LineIndex, d: Diagnostic) -> Tuple[int, int]:
        start = lines.offset_of_location(d.location.row, d.location.column)
        end = lines.offset_of_location(d.end_location.row, d.end_location.column)
        if d.code == PARSE_ERROR and end <= start:
            end = _token_end(lines.text, start)
        return start, max(start, end)

    def _diagnostic(self, d: Diagnostic, lines: LineIndex) -> types.Diagnostic:
        rule = self.state.registry.get(d.code)
        url = rule.url() if rule is not None else None
        return types.Diagnostic(
            range=self._range(lines, *self._offsets(lines, d)),
            message=d.message,
            severity=types.DiagnosticSeverity.Error if d.code == PARSE_ERROR else types.DiagnosticSeverity.Warning,
            code=d.code,
            code_description=types.CodeDescription(href=url) if url else None,
            source=SOURCE,
        )

    def _workspace_edit(self, snap: Snapshot, edits: List[types.TextEdit]) -> types.WorkspaceEdit:
        if self._document_changes:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=snap.uri, version=snap.version),
                        edits=edits,
                    )
                ]
            )
        return types.WorkspaceEdit(changes={snap.uri: edits})

    # --- code actions ---------------------------------------------------------------------------
    async def on_code_action(self, params: types.CodeActionParams):
        doc = self.docs.get(params.text_document.uri)
        if doc is None or not doc.is_python:
            return None
        only = params.context.only
        quick = _wanted(only, types.CodeActionKind.QuickFix)
        fix_all = _wanted(only, FIX_ALL)
        if not (quick or fix_all):
            return None
        snap = doc.snapshot()
        r = params.range
        actions = await self._in_worker(
            self._actions, snap, (r.start.line, r.start.character), (r.end.line, r.end.character), quick, fix_all
        )
        if self.docs.get(snap.uri) is not doc or doc.version != snap.version:
            return None  # changed meanwhile: the client asks again for the new version
        return actions

    def _actions(
        self, snap: Snapshot, start: Tuple[int, int], end: Tuple[int, int], quick: bool, fix_all: bool
    ) -> List[types.CodeAction]:
        lines = LineIndex(snap.text)
        lo = lines.offset(start[0], start[1], self.encoding)
        hi = lines.offset(end[0], end[1], self.encoding)
        diagnostics = self.state.diagnostics_for(snap)
        actions: List[types.CodeAction] = []
        if quick:
            fixes, suppressions = [], []
            for d in diagnostics:
                s, e = self._offsets(lines, d)
                if not (s <= hi and lo <= e):
                    continue
                shown = self._diagnostic(d, lines)
                if d.fix is not None and d.fix.edits:
                    action = self._quick_fix(snap, lines, d, shown)
                    if action is not None:
                        fixes.append(action)
                if d.code != PARSE_ERROR:
                    action = self._noqa_action(snap, lines, d, shown)
                    if action is not None:
                        suppressions.append(action)
            actions.extend(fixes + suppressions)
        if fix_all and self.state.fixable(snap):
            action = types.CodeAction(
                title="awaitwise: Fix all safe fixes", kind=FIX_ALL, data={"uri": snap.uri, "version": snap.version}
            )
            if not self._resolve_edit:
                action = self._resolve_fix_all(action, snap)
            if action is not None:
                actions.append(action)
        return actions

    def _quick_fix(self, snap: Snapshot, lines: LineIndex, d: Diagnostic, shown) -> Optional[types.CodeAction]:
        fix = d.fix
        assert fix is not None
        from ..fixer import apply_edits

        if not fixed_text_parses(snap.text, apply_edits(snap.text, fix.edits)):
            return None
        safe = fix.applicability == SAFE
        title = (
            f"awaitwise: {fix.message} ({d.code})"
            if safe
            else f"awaitwise: {fix.message} ({d.code}, unsafe fix: it may change behaviour)"
        )
        seen = set()
        edits = []
        for e in fix.edits:
            if (e.start, e.end, e.content) in seen:
                continue
            seen.add((e.start, e.end, e.content))
            edits.append(types.TextEdit(range=self._range(lines, e.start, e.end), new_text=e.content))
        return types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[shown],
            is_preferred=safe,
            edit=self._workspace_edit(snap, edits),
        )

    def _noqa_action(self, snap: Snapshot, lines: LineIndex, d: Diagnostic, shown) -> Optional[types.CodeAction]:
        edit = noqa_edit(snap.text, d.noqa_row or d.location.row, d.code)
        if edit is None:
            return None
        start, end, text = edit
        return types.CodeAction(
            title=f"awaitwise: Suppress {d.code} with `# noqa: {d.code}`",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[shown],
            edit=self._workspace_edit(snap, [types.TextEdit(range=self._range(lines, start, end), new_text=text)]),
        )

    def _resolve_fix_all(self, action: types.CodeAction, snap: Snapshot) -> Optional[types.CodeAction]:
        fixed = self.state.fix_all(snap)
        if fixed is None:
            return None
        lines = LineIndex(snap.text)
        start, end, text = minimal_replacement(snap.text, fixed)
        action.edit = self._workspace_edit(snap, [types.TextEdit(range=self._range(lines, start, end), new_text=text)])
        return action

    async def on_code_action_resolve(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        doc = self.docs.get(data.get("uri", ""))
        if action.kind != FIX_ALL or doc is None or doc.version != data.get("version"):
            return action  # not ours, or for a version the document no longer has: no edit
        snap = doc.snapshot()
        resolved = await self._in_worker(self._resolve_fix_all, action, snap)
        if resolved is None or self.docs.get(snap.uri) is not doc or doc.version != snap.version:
            return action
        return resolved


def _handler(method):
    """A plain function calling `method` (pygls marks its handlers with attributes, which a
    bound method cannot take)."""
    if asyncio.iscoroutinefunction(method):

        async def async_handler(params):
            return await method(params)

        return async_handler

    def handler(params):
        return method(params)

    return handler


def _guarded(fn, args):
    try:
        return fn(*args)
    except BaseException as exc:  # noqa: B036 - a rule's SystemExit included: logged, the server goes on
        log.exception("awaitwise: internal error: %s: %s", type(exc).__name__, exc)
        return None


def _wanted(only: Optional[Sequence[str]], kind: str) -> bool:
    """Does a request for the kinds `only` (None: every kind) take actions of `kind`? A kind
    asked for takes its sub-kinds (`source.fixAll` takes `source.fixAll.awaitwise`)."""
    if only is None:
        return True
    return any(kind == k or kind.startswith(f"{k}.") for k in only)


def _token_end(text: str, start: int) -> int:
    """The end of the token at `start`, for a syntax error's range: a word, or one character;
    nothing at the end of a line."""
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    if end == start and start < len(text) and text[start] not in "\r\n":
        end += 1
    return end


def _exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _watch_parent(pid: int) -> None:
    """Exit when the editor process that started the server is gone (an editor killed without
    closing the pipe would otherwise leave the server running)."""

    def watch() -> None:
        import time

        while True:
            time.sleep(PARENT_POLL_SECONDS)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                log.warning("the client process %d is gone; exiting", pid)
                _exit(1)
            except OSError:  # alive, but not ours to signal
                pass

    threading.Thread(target=watch, name="awaitwise-parent-watch", daemon=True).start()


def serve() -> int:
    """Run the server on stdin/stdout until the client exits or goes away; the exit status."""
    import signal

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    if os.environ.get("AWAITWISE_LSP_LOG"):
        logging.getLogger().addHandler(logging.FileHandler(os.environ["AWAITWISE_LSP_LOG"]))
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, lambda signum, frame: _exit(128 + signum))
        except (OSError, ValueError):  # pragma: no cover
            pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed by mistake must not corrupt the protocol stream
    server = AwaitwiseServer()
    server.start_io(stdin, stdout)
    # stdin closed: the client went away (after `exit`, the exit handler has ended the process)
    return 0 if server.shutdown_requested else 1


__all__ = ["AwaitwiseServer", "serve"]
