"""A tiny third-party rule package for the plugin tests: its source, and a helper to write it out as
an installable project (pyproject.toml with entry points in the `awaitwise.rules` group)."""

from __future__ import annotations

import textwrap
from pathlib import Path

PLUGIN_URL = "https://acme.example/awaitwise-rules#acme100"

RULES_SOURCE = textwrap.dedent('''
    """Rules of the acme plugin for awaitwise."""

    from awaitwise import fixes
    from awaitwise.registry import Rule


    class NoPrintInCoroutine(Rule):
        """
        ## What it does
        Finds `print()` called in a coroutine.

        ## Why is this bad?
        Services write through `logging`, where handlers, levels and structured fields apply.

        ## Example
        ```python
        async def handler():
            print("started")
        ```

        ## Use instead
        ```python
        async def handler():
            logging.info("started")
        ```

        ## Fix safety
        Safe: the call goes to `logging.info` and `import logging` is added.
        """

        code = "ACME100"
        name = "print-in-coroutine"
        summary = "`print()` in a coroutine"
        fix = "safe"
        tokens = frozenset({"print"})
        docs_url = "%(url)s"

        def visit_Call(self, node):
            if self.ctx.in_async and self.ctx.qualname(node.func) == "builtins.print":
                self.report(node, "`print()` in a coroutine; use `logging`",
                            fix=fixes.fix("safe", "Use `logging.info`", fixes.replace(node.func, "logging.info"),
                                          imports=[("logging", None)]))


    class GlobalInCoroutine(Rule):
        """
        ## What it does
        Finds `global` statements in coroutines.

        ## Why is this bad?
        Module state changed by concurrent tasks is a race waiting to happen.

        ## Example
        ```python
        async def bump():
            global counter
        ```

        ## Use instead
        ```python
        async def bump(state):
            state.counter += 1
        ```

        ## Fix safety
        There is no fix.
        """

        code = "ACME101"
        name = "global-in-coroutine"
        summary = "`global` in a coroutine"
        default_enabled = False
        tokens = frozenset({"global"})

        def visit_Global(self, node):
            if self.ctx.in_async:
                self.report(node, "`global` in a coroutine")
''') % {"url": PLUGIN_URL}

PYPROJECT = textwrap.dedent("""
    [build-system]
    requires = ["setuptools>=61"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "%(name)s"
    version = "1.0"
    dependencies = []

    [project.entry-points."awaitwise.rules"]
    %(entry_points)s

    [tool.setuptools]
    packages = ["%(package)s"]
""")


def write_plugin(
    root: Path,
    name: str = "acme-awaitwise",
    package: str = "acme_awaitwise",
    source: str = RULES_SOURCE,
    entry_points=None,
) -> Path:
    """Write an installable plugin project under `root` and return its folder."""
    entry_points = entry_points or {
        "ACME100": f"{package}.rules:NoPrintInCoroutine",
        "ACME101": f"{package}.rules:GlobalInCoroutine",
    }
    project = root / name
    (project / package).mkdir(parents=True)
    (project / package / "__init__.py").write_text("")
    (project / package / "rules.py").write_text(source)
    eps = "\n".join(f'{k} = "{v}"' for k, v in entry_points.items())
    (project / "pyproject.toml").write_text(PYPROJECT % {"name": name, "package": package, "entry_points": eps})
    return project


def load_rules_module():
    """The plugin's rule classes, loaded in this process (no install), for in-process tests."""
    import types

    module = types.ModuleType("acme_awaitwise_inprocess")
    exec(compile(RULES_SOURCE, "acme_awaitwise_inprocess.py", "exec"), module.__dict__)
    return module
