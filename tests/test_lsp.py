"""`awaitwise server` end to end: the server runs as its own process (`python -m awaitwise server`)
and a real language client (pygls's LanguageClient) drives it over stdio, as an editor would.

Most tests share one server on one workspace (each works on files of its own); the ones that
need their own configuration, environment or exit get a server of their own."""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from lsprotocol import types

import awaitwise
from lsp_support import TIMEOUT, Client, apply_edits, edits_of, run, uri

TICK = textwrap.dedent("""\
    import time


    async def tick():
        time.sleep(1)
""")


# the command the README's editor set-ups run: the console script, where it is installed
_SCRIPT = Path(sys.executable).with_name("awaitwise.exe" if os.name == "nt" else "awaitwise")
SERVER_COMMAND = [str(_SCRIPT), "server"] if _SCRIPT.exists() else [sys.executable, "-m", "awaitwise", "server"]
README = Path(__file__).resolve().parents[1] / "README.md"


class Shared:
    """One server for the module, on an event loop in a thread of its own."""

    def __init__(self, root: Path):
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client: Client = self.call(self._start())

    async def _start(self) -> Client:
        client = Client(self.root)
        # a client like VS Code: it resolves a code action's edit when it is chosen, and takes
        # versioned document edits
        client.init_result = await client.start(resolve_edit=True, document_changes=True, command=SERVER_COMMAND)
        return client

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(TIMEOUT * 3)

    def run(self, scenario):
        return self.call(scenario(self.client))

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def close(self) -> int:
        code = self.call(self.client.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        return code


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("workspace")
    (root / "pyproject.toml").write_text("[tool.awaitwise]\n")
    server = Shared(root)
    yield server
    # shutdown, then exit: status 0 (the protocol's "exit after shutdown")
    assert server.close() == 0, server.client.stderr.decode(errors="replace")


def _range(d: types.Diagnostic):
    return (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)


# --------------------------------------------------------------------------------------------
# life cycle
# --------------------------------------------------------------------------------------------


def test_initialize_states_what_the_server_offers(shared):
    result = shared.client.init_result
    assert result.server_info.name == "awaitwise" and result.server_info.version == awaitwise.__version__
    caps = result.capabilities
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.text_document_sync.open_close and caps.text_document_sync.save
    assert set(caps.code_action_provider.code_action_kinds) == {"quickfix", "source.fixAll.awaitwise"}
    assert caps.code_action_provider.resolve_provider is True

    async def registered(c: Client):
        return await c.wait_for(lambda: c.registrations, "the file watchers' registration")

    (registration,) = shared.run(registered)
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = {w["globPattern"] for w in registration.register_options["watchers"]}
    assert {"**/*.py", "**/pyproject.toml", "**/awaitwise.toml"} <= globs


def test_without_pygls_the_command_says_so_and_exits_2(tmp_path):
    blocker = tmp_path / "blocked" / "pygls"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('pygls is blocked in this test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(blocker.parent), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-m", "awaitwise", "server"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 2
    assert "pip install 'pygls>=2.1,<3'" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


# --------------------------------------------------------------------------------------------
# diagnostics
# --------------------------------------------------------------------------------------------


def test_open_publishes_the_cli_diagnostics(shared):
    path = shared.write("app/tick.py", TICK)

    async def scenario(c: Client):
        return await c.diagnostics(c.open(path))

    (d,) = shared.run(scenario)
    expected = awaitwise.check_source(TICK, path=str(path)).diagnostics
    assert [x.code for x in expected] == ["AW100"]
    assert d.code == "AW100" and d.source == "awaitwise" and d.message == expected[0].message
    assert d.severity == types.DiagnosticSeverity.Warning
    assert _range(d) == (4, 4, 4, 17)
    assert d.code_description.href.endswith("#aw100-blocking-sleep")


def test_an_unsaved_buffer_is_linted_too(shared):
    async def scenario(c: Client):
        u = c.open(Path("untitled:Untitled-1"), TICK)
        assert u == "untitled:Untitled-1"
        return await c.diagnostics(u)

    assert [d.code for d in shared.run(scenario)] == ["AW100"]


def test_changes_are_debounced_and_the_newest_version_wins(tmp_path):
    """Also a client that neither resolves code actions nor takes versioned edits: its fix-all
    action comes with the edit, as plain `changes`."""
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n")
    path = tmp_path / "edit.py"
    # a line with a form feed (no line end for the protocol nor for Python) and a character
    # that takes two UTF-16 units: positions after them must still be right
    text = "import time\n\x0c# \U0001f389 ok\n\n\nasync def tick():\n    x = '\U0001f389'; time.sleep(1)\n"

    async def scenario(c: Client):
        u = c.open(path, text)
        (first,) = await c.diagnostics(u, 1)
        assert first.code == "AW100" and _range(first) == (5, 14, 5, 27)
        # a burst of keystrokes: `time.sleep(1)` becomes `time.sleep(12345)` one digit at a time
        for i, digit in enumerate("2345"):
            col = 26 + i
            c.change(
                u,
                digit,
                types.Range(start=types.Position(line=5, character=col), end=types.Position(line=5, character=col)),
            )
        last = c.versions[u]
        (after,) = await c.diagnostics(u, last)
        assert _range(after) == (5, 14, 5, 31)
        (fix_all,) = await c.code_actions(u, 0, only=["source.fixAll"])
        current = apply_change_text(text, "2345")
        assert fix_all.edit.document_changes is None
        assert apply_edits(current, fix_all.edit.changes[u]) == awaitwise.fix_source(current, path=str(path)).source
        # one more edit replaces the call: the finding goes
        c.change(
            u, "pass", types.Range(start=types.Position(line=5, character=14), end=types.Position(line=5, character=31))
        )
        assert await c.diagnostics(u) == []
        return [p.version for p in c.published if p.uri == u]

    client = run(tmp_path, scenario, init_options={"debounceMs": 150})
    # nothing for the versions typed over within the delay, and never an older version after a
    # newer one (version 1 may come twice: on open, the file's own findings are published before
    # the project index is built, then the findings with it)
    assert set(client.result) == {1, 5, 6} and client.result == sorted(client.result)


def apply_change_text(text: str, digits: str) -> str:
    return text.replace("time.sleep(1)", f"time.sleep(1{digits})")


def test_save_lints_again(shared):
    path = shared.write("saved.py", "async def f():\n    pass\n")

    async def scenario(c: Client):
        u = c.open(path)
        assert await c.diagnostics(u) == []
        before = len(c.published)
        c.save(u)
        return await c.diagnostics(u, after=before)

    assert shared.run(scenario) == []


def test_syntax_error_mid_edit_is_AW001_at_the_error(shared):
    path = shared.write("typing_now.py", TICK)
    broken = TICK.replace("time.sleep(1)", "time.sleep(1")
    err = None
    try:
        ast.parse(broken)
    except SyntaxError as exc:
        err = exc

    async def scenario(c: Client):
        u = c.open(path)
        await c.diagnostics(u)
        c.change(u, broken)
        (d,) = await c.diagnostics(u)
        # the server keeps going: the repaired text is linted again
        c.change(u, TICK)
        fixed = await c.diagnostics(u)
        return d, fixed

    d, fixed = shared.run(scenario)
    assert d.code == "AW001" and d.severity == types.DiagnosticSeverity.Error
    assert err.msg in d.message
    assert (d.range.start.line, d.range.start.character) == (err.lineno - 1, err.offset - 1)
    # the token there (one character: `(`), or nothing at the end of the line (Python 3.9 says
    # "unexpected EOF" after the last character)
    line = broken.splitlines()[err.lineno - 1] if err.lineno <= len(broken.splitlines()) else ""
    width = 1 if err.offset - 1 < len(line) else 0
    assert d.range.end.line == d.range.start.line and d.range.end.character == d.range.start.character + width
    assert [x.code for x in fixed] == ["AW100"]


def test_a_rule_that_raises_is_logged_and_the_server_goes_on(tmp_path):
    site = tmp_path / "site"
    (site / "boom_rules").mkdir(parents=True)
    (site / "boom_rules" / "__init__.py").write_text(
        textwrap.dedent('''
        from awaitwise.registry import Rule


        class Boom(Rule):
            """
            ## What it does
            Raises.
            ## Why is this bad?
            It is a test.
            ## Example
            x
            ## Use instead
            x
            ## Fix safety
            No fix.
            """

            code = "BOOM100"
            name = "boom"
            summary = "raises on explode()"
            needs_async = False
            tokens = frozenset({"explode"})

            def visit_Call(self, node):
                if getattr(node.func, "value", None) == "explode":
                    raise ValueError("rule bug")
    ''')
    )
    dist = site / "boom_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: boom-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[awaitwise.rules]\nBOOM100 = boom_rules:Boom\n")
    work = tmp_path / "ws"
    work.mkdir()
    (work / "pyproject.toml").write_text("[tool.awaitwise]\n")
    path = work / "bad.py"
    text = TICK + "\n\nexplode()\n"

    async def scenario(c: Client):
        u = c.open(path, text)
        diagnostics = await c.diagnostics(u)
        await c.wait_for(lambda: any("BOOM100" in m.message for m in c.logs), "the logged rule error")
        c.change(u, text + "\nexplode()\n")  # the same error again: not logged twice
        await c.diagnostics(u)
        c.change(u, TICK)
        again = await c.diagnostics(u)
        return diagnostics, again

    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    client = run(work, scenario, ending="eof", env=env)
    diagnostics, again = client.result
    assert [d.code for d in diagnostics] == ["AW100"] and [d.code for d in again] == ["AW100"]
    errors = [m for m in client.logs if "BOOM100" in m.message]
    assert len(errors) == 1 and errors[0].type == types.MessageType.Error
    assert "rule bug" in errors[0].message
    assert client.exit_code == 1  # the client went away without shutdown: the server ends, status 1


# --------------------------------------------------------------------------------------------
# code actions
# --------------------------------------------------------------------------------------------


def test_quick_fix_applies_the_rules_fix(shared):
    path = shared.write("quick.py", TICK)

    async def scenario(c: Client):
        u = c.open(path)
        await c.diagnostics(u)
        return u, await c.code_actions(u, 4, 6)

    u, actions = shared.run(scenario)
    fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and "noqa" not in a.title]
    (fix,) = fixes
    assert "AW100" in fix.title and fix.is_preferred and "unsafe" not in fix.title
    assert [d.code for d in fix.diagnostics] == ["AW100"]
    assert (
        apply_edits(TICK, edits_of(fix, u)) == "import asyncio\nimport time\n\n\nasync def tick():\n"
        "    await asyncio.sleep(1)\n"
    )


def test_unsafe_quick_fix_is_labelled(shared):
    text = "import requests\n\n\nasync def get(url):\n    return requests.get(url)\n"
    path = shared.write("unsafe.py", text)

    async def scenario(c: Client):
        u = c.open(path)
        (d,) = await c.diagnostics(u)
        assert d.code == "AW101"
        return await c.code_actions(u, 4, 12)

    actions = shared.run(scenario)
    (fix,) = [a for a in actions if "noqa" not in a.title]
    assert "unsafe" in fix.title and not fix.is_preferred
    assert "to_thread" in apply_edits(text, edits_of(fix, uri(path)))
    # and fix-all, which applies safe fixes only, has nothing to do here
    assert not [a for a in actions if a.kind == "source.fixAll.awaitwise"]


def test_fix_all_matches_awaitwise_fix(shared):
    text = "import asyncio\n" + TICK + "\n\nasync def main():\n    tick()\n    asyncio.get_event_loop()\n"
    path = shared.write("fixall.py", text)

    async def scenario(c: Client):
        u = c.open(path)
        assert c.codes(await c.diagnostics(u)) == ["AW100", "AW200", "AW303"]
        (action,) = await c.code_actions(u, 0, only=["source.fixAll"])
        assert action.kind == "source.fixAll.awaitwise"
        assert action.edit is None  # this client resolves it when it is chosen
        resolved = await asyncio.wait_for(c.lc.code_action_resolve_async(action), TIMEOUT)
        (change,) = resolved.edit.document_changes
        assert change.text_document.uri == u and change.text_document.version == 1
        return apply_edits(text, list(change.edits))

    expected = awaitwise.fix_source(text, path=str(path)).source
    assert expected != text and shared.run(scenario) == expected


def test_noqa_action_adds_the_code_and_keeps_the_comment(shared):
    text = (
        "import time\n\n\nasync def tick():\n    time.sleep(1)  # noqa: AW101 - reviewed\n"
        "    time.sleep(2)  # slow on purpose\n"
    )
    path = shared.write("noqa.py", text)

    async def scenario(c: Client):
        u = c.open(path)
        assert c.codes(await c.diagnostics(u)) == ["AW100", "AW100"]
        first = await c.code_actions(u, 4, 6)
        second = await c.code_actions(u, 5, 6)
        (a,) = [x for x in first if "noqa" in x.title]
        (b,) = [x for x in second if "noqa" in x.title]
        fixed = apply_edits(apply_edits(text, edits_of(a, u)), edits_of(b, u))
        c.change(u, fixed)
        return fixed, await c.diagnostics(u)

    fixed, remaining = shared.run(scenario)
    assert fixed.splitlines()[4] == "    time.sleep(1)  # noqa: AW101, AW100 - reviewed"
    assert fixed.splitlines()[5] == "    time.sleep(2)  # slow on purpose  # noqa: AW100"
    assert remaining == []


def test_no_noqa_action_where_a_comment_would_change_the_code(shared):
    text = 'import time\n\n\nasync def tick():\n    time.sleep(1); x = """\n    """\n'
    path = shared.write("noqa_string.py", text)

    async def scenario(c: Client):
        u = c.open(path)
        assert c.codes(await c.diagnostics(u)) == ["AW100"]
        return await c.code_actions(u, 4, 6)

    actions = shared.run(scenario)
    assert actions and not [a for a in actions if "noqa" in a.title]  # the quick fix is still there


# --------------------------------------------------------------------------------------------
# the project index and the configuration
# --------------------------------------------------------------------------------------------


def test_an_edit_in_one_module_updates_its_callers(shared):
    helper = shared.write("pkg/__init__.py", "")
    helper = shared.write("pkg/helpers.py", "def fetch():\n    return 1\n")
    main = shared.write("pkg/main.py", "from pkg import helpers\n\n\nasync def run():\n    helpers.fetch()\n")

    async def scenario(c: Client):
        h, m = c.open(helper), c.open(main)
        assert await c.diagnostics(m) == []
        await c.diagnostics(h)
        mark = len(c.published)
        # unsaved: the helper becomes a coroutine function, and its caller now drops a coroutine
        c.change(h, "async def fetch():\n    return 1\n")
        (d,) = await c.diagnostics(m, where=bool, after=mark)
        assert d.code == "AW200" and _range(d)[0] == 4
        # closed without saving: the file on disk (sync) counts again
        mark = len(c.published)
        c.close(h)
        assert await c.diagnostics(m, where=lambda ds: ds == [], after=mark) == []
        # saved by another program: the watcher reports it
        mark = len(c.published)
        helper.write_text("async def fetch():\n    return 1\n")
        c.files_changed((uri(helper), types.FileChangeType.Changed))
        (d,) = await c.diagnostics(m, where=bool, after=mark)
        # and then the server is quiet: nothing changes, so nothing is linted again
        mark = len(c.published)
        await asyncio.sleep(0.3)  # many times the debounce delay
        assert c.published[mark:] == []
        return d.code

    assert shared.run(scenario) == "AW200"


def test_settings_come_from_the_workspace_config_and_follow_its_changes(tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.awaitwise]\nignore = ["AW100"]\n')
    path = tmp_path / "svc" / "tick.py"
    path.parent.mkdir()
    path.write_text(TICK)

    async def scenario(c: Client):
        u = c.open(path)
        assert await c.diagnostics(u) == []  # AW100 is ignored by the config
        mark = len(c.published)
        config.write_text("[tool.awaitwise]\nignore = []\n")
        c.files_changed((uri(config), types.FileChangeType.Changed))
        (d,) = await c.diagnostics(u, where=bool, after=mark)
        assert d.code == "AW100"
        # a broken config is shown to the user; the defaults apply meanwhile
        mark = len(c.published)
        config.write_text('[tool.awaitwise]\nselekt = ["AW1"]\n')
        c.save(c.open(config, config.read_text(), language="toml"))
        await c.wait_for(lambda: c.shown, "the configuration error")
        (d,) = await c.diagnostics(u, after=mark)
        return d.code

    client = run(tmp_path, scenario, ending="exit")
    assert client.exit_code == 1  # exit without shutdown
    (shown,) = client.shown
    assert shown.type == types.MessageType.Error and "pyproject.toml" in shown.message and "selekt" in shown.message


# --------------------------------------------------------------------------------------------
# the README's set-ups
# --------------------------------------------------------------------------------------------


def _server_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### The language server")
    return text[start : text.index("\n### ", start + 1)]


def _blocks(section: str):
    import re

    return dict(re.findall(r"```(\w+)\n(.*?)```", section, re.S))


def test_readme_editor_setups_run_the_server_command():
    import json

    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib

    blocks = _blocks(_server_section())
    assert set(blocks) == {"json", "lua", "elisp", "toml"}
    vscode = json.loads("{" + blocks["json"] + "}")
    assert [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]] == ["awaitwise", "server"]
    assert vscode["glspc.server.languageId"] == ["python"]
    assert "source.fixAll.awaitwise" in vscode["editor.codeActionsOnSave"]
    helix = tomllib.loads(blocks["toml"])
    assert [helix["language-server"]["awaitwise"]["command"], *helix["language-server"]["awaitwise"]["args"]] == [
        "awaitwise",
        "server",
    ]
    assert "awaitwise" in helix["language"][0]["language-servers"]
    assert 'cmd = { "awaitwise", "server" }' in blocks["lua"] and '"source.fixAll.awaitwise"' in blocks["lua"]
    assert '("awaitwise" "server")' in blocks["elisp"]
    # the initialization option the section names is the one the server reads
    assert "`debounceMs`" in _server_section()
