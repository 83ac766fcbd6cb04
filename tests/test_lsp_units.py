"""The language server's pieces that need no client: protocol positions, the noqa edit, and the
workspace state (settings, the index with open documents over it). The server itself is tested
end to end in test_lsp.py."""

from __future__ import annotations

import textwrap

import pytest

from awaitwise.lsp.noqa_edit import noqa_edit
from awaitwise.lsp.state import ProjectState, Snapshot
from awaitwise.lsp.text import UTF8, UTF16, UTF32, LineIndex, apply_change, minimal_replacement
from awaitwise.noqa import parse_line, suppresses

# --------------------------------------------------------------------------------------------
# positions
# --------------------------------------------------------------------------------------------

TEXT = "a = 1\r\nb = '\U0001f389é'\rc\x0cd = 2\n\nlast"


def test_lines_end_where_python_ends_them():
    lines = LineIndex(TEXT)
    assert [lines.line_text(i) for i in range(lines.line_count)] == [
        "a = 1",
        "b = '\U0001f389é'",
        "c\x0cd = 2",
        "",
        "last",
    ]


@pytest.mark.parametrize("encoding, after_emoji, line_end", [(UTF16, 7, 9), (UTF8, 9, 12), (UTF32, 6, 8)])
def test_columns_count_the_agreed_units(encoding, after_emoji, line_end):
    lines = LineIndex(TEXT)
    emoji = TEXT.index("\U0001f389")
    assert lines.position(emoji + 1, encoding) == (1, after_emoji)
    assert lines.offset(1, after_emoji, encoding) == emoji + 1
    assert lines.position(TEXT.index("\r", 8), encoding) == (1, line_end)
    # every offset survives the round trip, in every encoding
    for offset in range(len(TEXT) + 1):
        if TEXT[offset - 1 : offset + 1] == "\r\n":
            continue  # between CR and LF is no position of its own
        assert lines.offset(*lines.position(offset, encoding), encoding) == offset


def test_out_of_range_positions_are_clamped():
    lines = LineIndex(TEXT)
    assert lines.offset(0, 99) == len("a = 1")  # past the end of its line: the line's end
    assert lines.offset(99, 0) == len(TEXT)
    assert lines.offset(1, 5, UTF16) == TEXT.index("\U0001f389")  # inside the surrogate pair: its start
    assert lines.offset_of_location(99, 1) == len(TEXT)


def test_incremental_changes():
    text = "x = 1\n\U0001f389 = 2\n"
    assert apply_change(text, ((1, 2), (1, 2)), "_y") == "x = 1\n\U0001f389_y = 2\n"
    assert apply_change(text, ((0, 4), (1, 2)), "") == "x = \U0001f389 = 2\n"[:4] + " = 2\n"
    assert apply_change(text, None, "whole") == "whole"


@pytest.mark.parametrize(
    "before, after",
    [
        ("a\r\nb\r\n", "a\r\nc\r\n"),
        ("a\r\nb\r\n", "a\nb\r\n"),
        ("same", "same"),
        ("", "new"),
        ("x = 1\r\n", "x = 1\r\n\r\n"),
    ],
)
def test_minimal_replacement(before, after):
    start, end, text = minimal_replacement(before, after)
    assert before[:start] + text + before[end:] == after
    for cut in (start, end):  # never between CR and LF
        assert before[cut - 1 : cut + 1] != "\r\n"


# --------------------------------------------------------------------------------------------
# the noqa edit
# --------------------------------------------------------------------------------------------


def _applied(text, edit):
    start, end, new = edit
    return text[:start] + new + text[end:]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("time.sleep(1)", "time.sleep(1)  # noqa: AW100"),
        ("time.sleep(1)   ", "time.sleep(1)  # noqa: AW100"),
        ("time.sleep(1)  # why", "time.sleep(1)  # why  # noqa: AW100"),
        ("time.sleep(1)  # noqa: AW2", "time.sleep(1)  # noqa: AW2, AW100"),
        ("time.sleep(1)  # NOQA:AW101,AW102 - reviewed", "time.sleep(1)  # NOQA:AW101,AW102, AW100 - reviewed"),
    ],
)
def test_noqa_edit_keeps_the_comment(line, expected):
    text = f"x = 1\n{line}\ny = 2\n"
    edit = noqa_edit(text, 2, "AW100")
    assert _applied(text, edit) == f"x = 1\n{expected}\ny = 2\n"
    assert suppresses(parse_line(expected), "AW100")


@pytest.mark.parametrize(
    "text, row",
    [
        ("time.sleep(1)  # noqa\n", 1),  # already suppressed
        ("time.sleep(1)  # noqa: AW1\n", 1),
        ("time.sleep(1)  # noqa: ASYNC251\n", 1),  # the flake8-async code for AW100
        ("x = time.sleep(1) + \\\n    2\n", 1),  # a comment would end the continued line
        ('time.sleep(1); s = """\n"""\n', 1),  # the line ends inside a string
        ("time.sleep(1)\n", 7),
    ],
)
def test_no_noqa_edit(text, row):
    assert noqa_edit(text, row, "AW100") is None


def test_noqa_edit_on_a_cr_file():
    text = "a = 1\rtime.sleep(1)\rb = 2\r"
    assert _applied(text, noqa_edit(text, 2, "AW100")) == "a = 1\rtime.sleep(1)  # noqa: AW100\rb = 2\r"


# --------------------------------------------------------------------------------------------
# the workspace state
# --------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "helpers.py").write_text("def fetch():\n    return 1\n")
    (tmp_path / "pkg" / "main.py").write_text(
        textwrap.dedent("""\
        from pkg import helpers


        async def run():
            helpers.fetch()
    """)
    )
    return tmp_path


def _snap(root, name, text=None, version=1):
    path = root / name
    return Snapshot(path.as_uri(), str(path), version, path.read_text() if text is None else text)


def test_open_documents_lay_over_the_index_and_closing_drops_them(project):
    state = ProjectState()
    main = _snap(project, "pkg/main.py")
    assert state.lint(main).diagnostics == []
    report = state.lint(_snap(project, "pkg/helpers.py"))
    assert not report.others_affected  # the same text as on disk
    report = state.lint(_snap(project, "pkg/helpers.py", "async def fetch():\n    return 1\n", 2))
    assert report.others_affected
    assert [d.code for d in state.lint(main).diagnostics] == ["AW200"]
    # an edit inside a body that calls nothing new is no news for the other modules
    report = state.lint(_snap(project, "pkg/helpers.py", "async def fetch():\n    return 2\n", 3))
    assert not report.others_affected
    assert state.close(_snap(project, "pkg/helpers.py").uri, str(project / "pkg" / "helpers.py"))
    assert state.lint(main).diagnostics == []
    assert state.close(main.uri, main.path) is False
    assert state._open == {} and state._last == {}  # nothing kept for closed documents


def test_a_file_changed_on_disk_is_read_again(project):
    state = ProjectState()
    main = _snap(project, "pkg/main.py")
    assert state.lint(main).diagnostics == []
    (project / "pkg" / "helpers.py").write_text("async def fetch():\n    return 1\n")
    assert state.file_changed(str(project / "pkg" / "helpers.py"), "changed")
    assert [d.code for d in state.lint(main).diagnostics] == ["AW200"]
    (project / "pkg" / "helpers.py").unlink()
    assert state.file_changed(str(project / "pkg" / "helpers.py"), "deleted")
    assert state.lint(main).diagnostics == []


def test_settings_are_the_clis_and_a_bad_config_falls_back_to_the_defaults(project):
    state = ProjectState()
    tick = project / "tick.py"
    tick.write_text("import time\n\n\nasync def tick():\n    time.sleep(1)\n")
    (project / "pyproject.toml").write_text('[tool.awaitwise]\nignore = ["AW100"]\nexclude = ["gen_*.py"]\n')
    assert state.lint(_snap(project, "tick.py")).diagnostics == []
    (project / "gen_x.py").write_text(tick.read_text())
    report = state.lint(_snap(project, "gen_x.py"))
    assert report.skipped and report.diagnostics == []
    (project / "pyproject.toml").write_text('[tool.awaitwise]\nselekt = ["AW1"]\n')
    assert state.lint(_snap(project, "tick.py")).diagnostics == []  # settings are kept until told
    state.config_changed()
    report = state.lint(_snap(project, "tick.py"))
    assert "selekt" in report.config_error and [d.code for d in report.diagnostics] == ["AW100"]


def test_a_quick_first_lint_does_without_the_index_once(project):
    state = ProjectState()
    helpers = project / "pkg" / "helpers.py"
    helpers.write_text("async def fetch():\n    return 1\n")
    main = _snap(project, "pkg/main.py")
    quick = state.lint(main, wait_for_index=False)
    assert quick.provisional and quick.diagnostics == []  # helpers.fetch is unknown without the index
    full = state.lint(main)
    assert not full.provisional and [d.code for d in full.diagnostics] == ["AW200"]
    again = state.lint(main, wait_for_index=False)
    assert not again.provisional and [d.code for d in again.diagnostics] == ["AW200"]


def test_the_same_text_is_not_linted_twice_until_something_changes(project):
    state = ProjectState()
    main, helpers = _snap(project, "pkg/main.py"), _snap(project, "pkg/helpers.py")
    first = state.lint(main).diagnostics
    assert state.diagnostics_for(main) is first  # a code action request right after the lint
    state.lint(helpers)  # the same text as on disk: nothing the others see changed
    assert state.lint(main).diagnostics is first
    state.lint(_snap(project, "pkg/helpers.py", "async def fetch():\n    return 1\n", 2))
    assert [d.code for d in state.lint(main).diagnostics] == ["AW200"]  # linted again
    again = state.lint(main).diagnostics
    state.config_changed()
    assert state.lint(main).diagnostics is not again


def test_a_plugin_that_cannot_be_loaded_is_reported_not_raised(project, monkeypatch):
    from awaitwise import registry

    def broken():
        raise registry.RegistryError("plugin entry point 'X' could not be loaded: boom")

    monkeypatch.setattr(registry, "get_registry", broken)
    report = ProjectState().lint(_snap(project, "pkg/main.py"))
    assert report.broken and "could not be loaded" in report.broken and report.diagnostics == []


def test_a_change_seen_first_by_a_code_action_is_still_reported(project):
    state = ProjectState()
    state.lint(_snap(project, "pkg/main.py"))
    state.lint(_snap(project, "pkg/helpers.py"))
    edited = _snap(project, "pkg/helpers.py", "async def fetch():\n    return 1\n", 2)
    state.diagnostics_for(edited)  # a code action request before the debounced lint
    assert state.lint(edited).others_affected  # the lint still says: the others need a new lint
    assert not state.lint(edited).others_affected  # once


def test_a_save_changes_nothing_for_the_other_documents(project):
    state = ProjectState()
    main = _snap(project, "pkg/main.py")
    first = state.lint(main).diagnostics
    helpers = project / "pkg" / "helpers.py"
    edited = "def fetch():\n    return 2\n"
    state.lint(_snap(project, "pkg/helpers.py", edited, 2))
    helpers.write_text(edited)  # saved: the disk now holds the open text
    assert not state.file_changed(str(helpers), "changed")
    assert state.lint(main).diagnostics is first  # nothing to lint again
    # a body-only change by another program is no news for the others either
    (project / "pkg" / "__init__.py").write_text("# the package\n")
    assert not state.file_changed(str(project / "pkg" / "__init__.py"), "changed")
