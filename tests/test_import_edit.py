"""The import a fix needs is placed by libcst's AddImportsVisitor, run on the head of the module
only (engine._import_head): the edit must be the one the visitor makes to the whole module."""
import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from awaitwise import engine
from awaitwise.cstparse import parse_module

BIG_BODY = "".join(f"    x{i} = {i}\n" for i in range(50))

SOURCES = {
    "plain": "import os\n\nasync def f():\n    os.sleep(1)\n",
    "docstring": '"""Doc."""\nimport os\nasync def f():\n' + BIG_BODY,
    "docstring_only_then_code": '"""Doc."""\n\nclass C:\n' + BIG_BODY,
    "future": "from __future__ import annotations\nimport os\n# a comment\nasync def f():\n    pass\n",
    "from_extended": "from asyncio import gather\nfrom os import path\n\nasync def f():\n    pass\n",
    "no_imports": "async def f():\n" + BIG_BODY,
    "first_is_code": "x = 1\nimport os\nasync def f():\n    pass\n",
    "only_imports": "import os\nimport sys\n",
    "only_imports_no_newline": "import os",
    "empty": "",
    "comment_header": "#!/usr/bin/env python\n# coding: utf-8\n\nimport os\n\n\n# section\nasync def f():\n    pass\n",
    "semicolons": "import os; import sys\nasync def f():\n    pass\n",
    "later_import": "import os\nx = 1\nimport asyncio\nasync def f():\n    pass\n",
    "crlf": "import os\r\n\r\nasync def f():\r\n    pass\r\n",
    "trailing_comments": "import os\n\nasync def f():\n    pass\n# end\n\n",
}
IMPORTS = [(("asyncio", None),), (("asyncio", "sleep"),), (("anyio", None), ("asyncio", "to_thread")),
           (("os", None),), (("asyncio", "gather"),)]


def _apply(source: str, edit) -> str:
    return source if edit is None else source[:edit.start] + edit.content + source[edit.end:]


@pytest.mark.parametrize("name", sorted(SOURCES))
@pytest.mark.parametrize("imports", IMPORTS, ids=lambda i: "+".join(f"{m}.{o}" for m, o in i))
def test_head_edit_is_the_whole_module_edit(name, imports):
    source = SOURCES[name]
    module = parse_module(source)
    cctx = CodemodContext()
    for mod, obj in imports:
        AddImportsVisitor.add_needed_import(cctx, mod, obj)
    expected = AddImportsVisitor(cctx).transform_module(cst.parse_module(source)).code
    got = _apply(source, engine._import_edit(module, imports, engine._Lines(source)))
    assert got == expected


def test_the_head_of_a_large_module_is_small():
    source = '"""Doc."""\nimport os\n\n\nclass C:\n' + BIG_BODY * 20
    head = engine._import_head(parse_module(source))
    assert head.code == '"""Doc."""\nimport os\n\n\npass\n'
