"""The import a fix needs goes where isort and ruff put it (import_edits.add_imports_edits), read
from the head of the module only. `from module import obj` requests, which the built-in rules
never make, are left to libcst's AddImportsVisitor run on the head (import_edits.import_head)."""

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from awaitwise import engine
from awaitwise.cstparse import parse_module
from awaitwise.import_edits import import_edits, import_head, section_of, sort_key

BIG_BODY = "".join(f"    x{i} = {i}\n" for i in range(50))
DEF = "\n\nasync def f():\n    pass\n"


def _add(source: str, *modules: str) -> str:
    edits = import_edits(parse_module(source), [(m, None) for m in modules], engine._Lines(source))
    for e in sorted(edits, key=lambda e: -e.start):
        assert source.count("\n", 0, e.start) + 1 == e.location.row
        assert e.start - (source.rfind("\n", 0, e.start) + 1) + 1 == e.location.column
        source = source[: e.start] + e.content + source[e.end :]
    return source


# (source, modules to add, expected source)
CASES = {
    "into_the_stdlib_group": (
        "import json\nimport time\n\nimport requests\n" + DEF,
        ("asyncio",),
        "import asyncio\nimport json\nimport time\n\nimport requests\n" + DEF,
    ),
    "sorted_into_the_middle": (
        "import abc\nimport time\n" + DEF,
        ("asyncio",),
        "import abc\nimport asyncio\nimport time\n" + DEF,
    ),
    "after_the_last_straight_import": (
        "import abc\nfrom time import sleep\n" + DEF,
        ("asyncio",),
        "import abc\nimport asyncio\nfrom time import sleep\n" + DEF,
    ),
    "before_from_imports": (
        "from os import path\n\nimport requests\n" + DEF,
        ("asyncio",),
        "import asyncio\nfrom os import path\n\nimport requests\n" + DEF,
    ),
    "new_stdlib_group": (
        '"""Doc."""\n\nimport requests\n' + DEF,
        ("asyncio",),
        '"""Doc."""\n\nimport asyncio\n\nimport requests\n' + DEF,
    ),
    "new_group_keeps_comments_on_the_next": (
        "# header\n\n# the client\nimport requests\n" + DEF,
        ("asyncio",),
        "# header\n\nimport asyncio\n\n# the client\nimport requests\n" + DEF,
    ),
    "after_future": (
        "from __future__ import annotations\n\nimport requests\n" + DEF,
        ("asyncio",),
        "from __future__ import annotations\n\nimport asyncio\n\nimport requests\n" + DEF,
    ),
    "future_only": (
        "from __future__ import annotations\n" + DEF,
        ("asyncio",),
        "from __future__ import annotations\n\nimport asyncio\n" + DEF,
    ),
    "before_relative": ("from . import conf\n" + DEF, ("asyncio",), "import asyncio\n\nfrom . import conf\n" + DEF),
    "third_party_after_stdlib": ("import os\n" + DEF, ("trio",), "import os\n\nimport trio\n" + DEF),
    "two_groups_at_once": (
        "import requests\n" + DEF,
        ("anyio", "functools"),
        "import functools\n\nimport anyio\nimport requests\n" + DEF,
    ),
    "no_imports_docstring": ('"""Doc."""\n' + DEF, ("asyncio",), '"""Doc."""\n\nimport asyncio\n' + DEF),
    "no_imports_docstring_then_code": (
        '"""Doc."""\n\nX = 1\n',
        ("asyncio",),
        '"""Doc."""\n\nimport asyncio\n\nX = 1\n',
    ),
    "no_imports_code_first": (
        "async def f():\n" + BIG_BODY,
        ("asyncio",),
        "import asyncio\n\n\nasync def f():\n" + BIG_BODY,
    ),
    "no_imports_header": (
        "#!/usr/bin/env python\n# coding: utf-8\n\n# helper\nasync def f():\n    pass\n",
        ("asyncio",),
        "#!/usr/bin/env python\n# coding: utf-8\n\nimport asyncio\n\n\n# helper\nasync def f():\n    pass\n",
    ),
    "already_there": ("import asyncio\n" + DEF, ("asyncio",), "import asyncio\n" + DEF),
    "already_there_later": ("import os\nx = 1\nimport asyncio\n", ("asyncio",), "import os\nx = 1\nimport asyncio\n"),
    "only_imports_no_newline": ("import os", ("asyncio",), "import asyncio\nimport os"),
    "after_last_no_newline": ("import os", ("sys",), "import os\nimport sys\n"),
    "empty": ("", ("asyncio",), "import asyncio\n"),
    "semicolons": ("import os; import sys\n" + DEF, ("asyncio",), "import asyncio\nimport os; import sys\n" + DEF),
    "crlf": (
        "import os\r\n\r\nimport requests\r\n",
        ("asyncio",),
        "import asyncio\r\nimport os\r\n\r\nimport requests\r\n",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_import_goes_into_its_group(name):
    source, modules, expected = CASES[name]
    assert _add(source, *modules) == expected


def test_sections_and_order():
    assert [section_of(m) for m in ("__future__", "asyncio", "os.path", "requests")] == [0, 1, 1, 2]
    assert section_of("x", level=1) == 4
    assert section_of("trio.lowlevel", first_party="trio") == 3 and section_of("trio") == 2


# the file's own top-level package is first party: its group comes after the third-party one
FIRST_PARTY = {
    "joins_the_first_party_group": (
        "import os\n\nimport pytest\n\nfrom trio import Path\n" + DEF,
        "import os\n\nimport pytest\n\nimport trio\nfrom trio import Path\n" + DEF,
    ),
    "new_group_after_third_party": (
        "import os\n\nimport pytest\n\nfrom .. import _core\n" + DEF,
        "import os\n\nimport pytest\n\nimport trio\n\nfrom .. import _core\n" + DEF,
    ),
}


@pytest.mark.parametrize("name", sorted(FIRST_PARTY))
def test_the_files_own_package_is_first_party(name):
    source, expected = FIRST_PARTY[name]
    edits = import_edits(parse_module(source), [("trio", None)], engine._Lines(source), "trio")
    for e in sorted(edits, key=lambda e: -e.start):
        source = source[: e.start] + e.content + source[e.end :]
    assert source == expected
    assert sorted(["os.path", "Os", "abc", "x10", "x9"], key=sort_key) == ["abc", "Os", "os.path", "x9", "x10"]


# --- `from module import obj` requests: AddImportsVisitor on the head of the module -----------------

SOURCES = {
    "plain": "import os\n\nasync def f():\n    os.sleep(1)\n",
    "docstring": '"""Doc."""\nimport os\nasync def f():\n' + BIG_BODY,
    "future": "from __future__ import annotations\nimport os\n# a comment\nasync def f():\n    pass\n",
    "from_extended": "from asyncio import gather\nfrom os import path\n\nasync def f():\n    pass\n",
    "no_imports": "async def f():\n" + BIG_BODY,
    "only_imports_no_newline": "import os",
    "empty": "",
    "crlf": "import os\r\n\r\nasync def f():\r\n    pass\r\n",
}
FROM_IMPORTS = [(("asyncio", "sleep"),), (("asyncio", "gather"), ("os", None))]


@pytest.mark.parametrize("name", sorted(SOURCES))
@pytest.mark.parametrize("imports", FROM_IMPORTS, ids=lambda i: "+".join(f"{m}.{o}" for m, o in i))
def test_from_imports_are_the_visitor_edit(name, imports):
    source = SOURCES[name]
    cctx = CodemodContext()
    for mod, obj in imports:
        AddImportsVisitor.add_needed_import(cctx, mod, obj)
    expected = AddImportsVisitor(cctx).transform_module(cst.parse_module(source)).code
    edits = import_edits(parse_module(source), imports, engine._Lines(source))
    got = source
    for e in edits:
        got = got[: e.start] + e.content + got[e.end :]
    assert got == expected


def test_the_head_of_a_large_module_is_small():
    source = '"""Doc."""\nimport os\n\n\nclass C:\n' + BIG_BODY * 20
    head = import_head(parse_module(source))
    assert head.code == '"""Doc."""\nimport os\n\n\npass\n'
