"""The import edits of fixes: adding the imports a fix needs where isort (and ruff's I001) would
put them, and removing the imports the fixes of a file left unused.

Adding: a fix asks for `import asyncio`; the line goes into the import block at the top of the file
(after a docstring and `from __future__` imports), in its section (future, standard library, third
party, first party: the file's own top-level package, relative), at its sorted place among the
section's `import x` lines, which come before its `from x import y` lines (isort's and ruff's
default order). A section the file does not have yet becomes a new group, separated by one blank
line, in section order. A file without imports gets the line after its docstring and its header
comments, followed by the blank lines ruff expects (two before a `def` or `class`, one otherwise).
Only the head of the module is read (the docstring, the import lines, and the leading lines of the
next statement), never the rest of a large file.

Removing: after the fix loop, an import is removed when the fixes took away uses of its name (the
name is written fewer times than before, not counting attributes: `asyncio.sleep` is no use of an
imported `sleep`) and nothing in the file refers to it any more, by
libcst's scope analysis (`GatherUnusedImportsVisitor`, which also counts names in `__all__` and in
string annotations). Only plain import lines at module level or at the top of a function body are
candidates: never a `__future__` import, nor one inside `if TYPE_CHECKING:`, `try:` or any other
block. Comments above a removed line are kept.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from .diagnostics import Edit, Location

FUTURE, STDLIB, THIRD, FIRST, LOCAL = 0, 1, 2, 3, 4
_STDLIB: Optional[FrozenSet[str]] = None
_BARE = re.compile(r"(?<![.\w])\w+")  # a word not written after a dot
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+\S+[ \t]+)?import[ \t]", re.M)


def stdlib_modules() -> FrozenSet[str]:
    """Top-level names of the standard library of the running Python."""
    global _STDLIB
    if _STDLIB is None:
        names = getattr(sys, "stdlib_module_names", None)
        if names is None:  # Python 3.9: the names in the standard library's folder
            import os
            import sysconfig

            found = set(sys.builtin_module_names)
            for folder in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}:
                try:
                    entries = os.listdir(folder)
                except OSError:
                    continue
                for entry in entries:
                    stem = entry.split(".", 1)[0]
                    if stem.isidentifier() and entry != "site-packages":
                        found.add(stem)
            found.update(("asyncio", "functools"))
            names = found
        _STDLIB = frozenset(names) | {"__future__"}
    return _STDLIB


def section_of(module: str, level: int = 0, first_party: str = "") -> int:
    """isort's section of an import: `first_party` is the top-level package of the file being
    fixed (its own package is first party, as ruff and isort find it under the project root)."""
    if level:
        return LOCAL
    if module == "__future__":
        return FUTURE
    top = module.split(".", 1)[0]
    if first_party and top == first_party:
        return FIRST
    return STDLIB if top in stdlib_modules() else THIRD


def sort_key(name: str) -> tuple:
    """isort's and ruff's default order of module names: case-insensitive, numbers by value."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.findall(r"\d+|\D+", name)
    )


# ----------------------------------------------------------------------------------------------
# Adding
# ----------------------------------------------------------------------------------------------


def _dotted(node) -> str:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _is_import_line(stmt) -> bool:
    import libcst as cst

    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and bool(stmt.body)
        and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)
    )


def _is_docstring(stmt) -> bool:
    import libcst as cst

    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


class _Line:
    """One import line of the top block: where it is and how isort files it."""

    def __init__(self, stmt, lead_row: int, end_row: int, first_party: str = ""):
        import libcst as cst

        self.stmt = stmt
        self.lead_row = lead_row  # the first of its leading (blank or comment) lines
        self.row = lead_row + len(stmt.leading_lines)  # the import itself
        self.end_row = end_row  # the row after it
        first = stmt.body[0]
        self.straight = isinstance(first, cst.Import)
        if self.straight:
            self.name = _dotted(first.names[0].name)
            self.section = section_of(self.name, 0, first_party)
        else:
            self.name = _dotted(first.module) if first.module is not None else ""
            self.section = section_of(self.name, len(first.relative), first_party)
        self.key = sort_key(self.name)

        self.header_comments = 0  # for the first statement: the header comments right above it

    def comment_row(self) -> int:
        """The row before which a new line goes to stay above this line's own comments."""
        if self.header_comments:
            return self.row - self.header_comments
        return self.lead_row + _blank_prefix(self.stmt.leading_lines)


def _blank_prefix(leading_lines) -> int:
    n = 0
    for line in leading_lines:
        if line.comment is not None:
            break
        n += 1
    return n


def _code_rows(module, node) -> int:
    from .sourcefile import source_lines

    return len(source_lines(module.code_for_node(node)))


def _present(module, name: str) -> bool:
    import libcst as cst

    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(
                    a.asname is None and _dotted(a.name) == name for a in small.names
                ):
                    return True
    return False


def add_imports_edits(module, imports: Sequence[Tuple[str, Optional[str]]], lines, first_party: str = "") -> List[Edit]:
    """The text edits that add `imports` ((module, None) pairs: `import module`) to `module`
    (`lines`: engine._Lines of its source; `first_party`: the file's own top-level package).
    Empty when every import is there already."""
    import libcst as cst

    wanted = sorted({mod for mod, obj in imports if not _present(module, mod)}, key=sort_key)
    if not wanted:
        return []
    nl = module.default_newline
    body = module.body
    row = 1 + len(module.header)
    k = 0
    doc = bool(body) and _is_docstring(body[0])
    if doc:
        row += _code_rows(module, body[0])
        k = 1
    block: List[_Line] = []
    while k < len(body) and _is_import_line(body[k]):
        end = row + _code_rows(module, body[k])
        block.append(_Line(body[k], row, end, first_party))
        row, k = end, k + 1
    header = module.header
    last_blank = max((i for i, ln in enumerate(header) if ln.comment is None), default=-1)
    if block and not doc and last_blank >= 0:
        # libcst keeps the comments above the first statement in the module header; those after
        # its last blank line belong to that statement (a shebang or license block does not)
        block[0].header_comments = len(header) - 1 - last_blank
    nxt = body[k] if k < len(body) else None
    inserts: Dict[int, List[Tuple[tuple, str]]] = {}  # row -> [(order, text)]

    def add(at: int, order: tuple, text: str):
        inserts.setdefault(at, []).append((order, text))

    new_groups: Dict[int, List[str]] = {}
    for name in wanted:
        section, key = section_of(name, 0, first_party), sort_key(name)
        mine = [ln for ln in block if ln.section == section]
        if not mine:
            new_groups.setdefault(section, []).append(name)
            continue
        straight = [ln for ln in mine if ln.straight]
        after = next((ln for ln in straight if ln.key > key), None)
        if after is not None:
            add(after.comment_row(), (section, key), f"import {name}{nl}")
        elif straight:
            add(straight[-1].end_row, (section, key), f"import {name}{nl}")
        else:
            add(mine[0].comment_row(), (section, key), f"import {name}{nl}")
    for section, names in new_groups.items():
        text = "".join(f"import {n}{nl}" for n in names)
        before = [ln for ln in block if ln.section < section]
        later = [ln for ln in block if ln.section > section]
        if later:
            first = later[0]
            gap = "" if not before or _blank_prefix(first.stmt.leading_lines) else nl
            add(first.comment_row(), (section, ()), gap + text + nl)
        elif before:
            add(before[-1].end_row, (section, ()), nl + text)
        else:  # no imports at the top: after the docstring and header comments
            if nxt is None:
                add(row, (section, ()), text)
                continue
            leading = nxt.leading_lines
            blanks = _blank_prefix(leading)
            if doc:
                at = row + min(blanks, 1)
                left = blanks - min(blanks, 1)
            else:
                at = 1 + last_blank + 1 if last_blank >= 0 else row
                left = 0
            want = 2 if isinstance(nxt, (cst.FunctionDef, cst.ClassDef)) else 1
            add(at, (section, ()), text + nl * max(0, want - left))
    edits = []
    for at in sorted(inserts):
        text = "".join(t for _, t in sorted(inserts[at], key=lambda p: p[0]))
        offset = lines.offset(at, 0) if at - 1 < len(lines.starts) else lines.length
        where = Location(at, 1)
        if offset == lines.length and lines.length and not module.has_trailing_newline:
            text = nl + text  # the last line has no newline of its own: insert at its end
            last = len(lines.starts)
            where = Location(last, lines.length - lines.starts[-1] + 1)
        edits.append(Edit(text, where, where, offset, offset))
    return edits


def import_edits(module, imports, lines, first_party: str = "") -> List[Edit]:
    """The edits adding `imports` ((module, obj) pairs). `from module import obj` requests are
    left to libcst's AddImportsVisitor (which extends an existing `from` import)."""
    if all(obj is None for _, obj in imports):
        return add_imports_edits(module, imports, lines, first_party)
    edit = visitor_import_edit(module, imports, lines)
    return [] if edit is None else [edit]


def visitor_import_edit(module, imports, lines) -> Optional[Edit]:
    """The text edit libcst's AddImportsVisitor would make for these imports (None if present)."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    from .sourcefile import source_lines

    cctx = CodemodContext()
    for mod, obj in imports:
        AddImportsVisitor.add_needed_import(cctx, mod, obj)
    head = import_head(module)
    new_code = AddImportsVisitor(cctx).transform_module(head).code
    old_code = head.code
    if new_code == old_code:
        return None
    old_lines = source_lines(old_code, keepends=True)
    new_lines = source_lines(new_code, keepends=True)
    pre = 0
    while pre < min(len(old_lines), len(new_lines)) and old_lines[pre] == new_lines[pre]:
        pre += 1
    post = 0
    while post < min(len(old_lines), len(new_lines)) - pre and old_lines[-1 - post] == new_lines[-1 - post]:
        post += 1
    removed_end = len(old_lines) - post
    content = "".join(new_lines[pre : len(new_lines) - post])
    start = lines.offset(pre + 1, 0) if pre < len(lines.starts) else lines.length
    end = lines.offset(removed_end + 1, 0) if removed_end < len(lines.starts) else lines.length
    return Edit(content, Location(pre + 1, 1), Location(removed_end + 1, 1), start, end)


def import_head(module):
    """The start of `module` that decides what AddImportsVisitor does, as a module of its own:
    the first statement (a docstring is skipped by the visitor), the one-import lines after it,
    and a `pass` under the leading lines of the next statement. Its edit to the full module and
    to this head are the same text at the same lines, for the codegen of a few lines."""
    import libcst as cst

    body = module.body
    k = 1 if body and isinstance(body[0], cst.SimpleStatementLine) else 0
    while (
        k < len(body)
        and isinstance(body[k], cst.SimpleStatementLine)
        and len(body[k].body) == 1
        and isinstance(body[k].body[0], (cst.Import, cst.ImportFrom))
    ):
        k += 1
    if k >= len(body):
        return module
    stand_in = cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=body[k].leading_lines)
    return module.with_changes(body=[*body[:k], stand_in], footer=())


# ----------------------------------------------------------------------------------------------
# Removing
# ----------------------------------------------------------------------------------------------


def _fewer_uses(original: str, current: str, names) -> FrozenSet[str]:
    """The `names` the fixes wrote fewer times than the original had them as a name of their
    own (not as an attribute: `asyncio.sleep` does not count for `sleep`)."""
    before = Counter(_BARE.findall(original))
    after = Counter(_BARE.findall(current))
    return frozenset(n for n in names if after[n] < before[n])


def _bound(alias) -> str:
    return alias.asname or alias.name.split(".", 1)[0]


def _unused_bindings(current: str) -> FrozenSet[Tuple[int, str]]:
    """(line, bound name) of every import alias in `current` that nothing refers to, by
    libcst's scope analysis (GatherUnusedImportsVisitor: a name used in its own scope or an
    inner one, in a string annotation or in `__all__` is a use; one shadowed by a local
    binding is not)."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import GatherUnusedImportsVisitor
    from libcst.metadata import MetadataWrapper, PositionProvider

    from .cstparse import parse_module

    wrapper = MetadataWrapper(parse_module(current), unsafe_skip_copy=True)
    wrapper.resolve_many((*GatherUnusedImportsVisitor.get_inherited_dependencies(), PositionProvider))
    visitor = GatherUnusedImportsVisitor(CodemodContext(wrapper=wrapper))
    wrapper.visit(visitor)
    positions = wrapper.resolve(PositionProvider)
    out = set()
    for alias, node in visitor.unused_imports:
        bound = alias.evaluated_alias or alias.evaluated_name.split(".", 1)[0]
        out.add((positions[node].start.line, bound))
    return frozenset(out)


def _import_statements(tree):
    """(statement, enclosing function or None, its body) for the plain imports at module level
    and directly in function bodies (also of methods); never `__future__`, a `*` import, or an
    import inside `if`/`try`/`with`/`for` or a class body."""
    import ast

    out = []

    def walk(body, function):
        for stmt in body:
            if isinstance(stmt, ast.Import) or (
                isinstance(stmt, ast.ImportFrom)
                and stmt.module != "__future__"
                and not any(a.name == "*" for a in stmt.names)
            ):
                out.append((stmt, function, body))
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                walk(stmt.body, stmt)
            elif isinstance(stmt, ast.ClassDef):
                for inner in stmt.body:
                    if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        walk(inner.body, inner)

    walk(tree.body, None)
    return out


def unused_import_edits(original: str, current: str) -> List[Edit]:
    """Edits to `current` (the fixed text of `original`) that remove the imports its fixes left
    unused (see the module docstring). Empty when there are none, or when the running Python
    cannot parse `current` (newer syntax): nothing is removed then."""
    import ast

    from .sourcefile import source_lines

    if not _IMPORT_LINE.search(current):
        return []
    try:
        tree = ast.parse(current)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    statements = _import_statements(tree)
    fewer = _fewer_uses(original, current, {_bound(a) for stmt, _, _ in statements for a in stmt.names})
    if not fewer:
        return []
    try:
        unused = _unused_bindings(current)
    except Exception:  # libcst cannot read it (syntax newer than its grammar): nothing is removed
        return []
    lines = source_lines(current, keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    shared_rows = Counter(
        row
        for stmt, _, body in statements
        for row in {s.lineno for s in body if s.lineno <= stmt.end_lineno and s.end_lineno >= stmt.lineno}
    )
    edits: List[Edit] = []
    gone: Dict[int, int] = {}  # id(body) -> statements removed from it
    for stmt, function, body in statements:
        drop = [a for a in stmt.names if _bound(a) in fewer and (stmt.lineno, _bound(a)) in unused]
        if not drop:
            continue
        first, last = stmt.lineno, stmt.end_lineno
        alone = sum(1 for s in body if s.lineno <= last and s.end_lineno >= first) == 1
        if not alone or shared_rows[first] > 1 or _other_code_on(lines, stmt):
            continue  # `import a; import b` on one line: left as it is
        if len(drop) < len(stmt.names):
            text = _without_aliases("".join(lines[first - 1 : last]), {id(a) for a in drop}, stmt)
            if text is None:
                continue
            edits.append(Edit(text, Location(first, 1), Location(last + 1, 1), starts[first - 1], starts[last]))
            continue
        if gone.get(id(body), 0) + 1 >= len(body):
            continue  # the body would be left empty
        gone[id(body)] = gone.get(id(body), 0) + 1
        # blank lines around the line run together when it goes: keep as many as the larger side had
        above = 0
        while first - 1 - above >= 1 and not lines[first - 2 - above].strip():
            above += 1
        below = 0
        while last + below < len(lines) and not lines[last + below].strip():
            below += 1
        if first - 1 - above < 1 or (function is not None and first - above - 1 == function.lineno and stmt is body[0]):
            extra = below if above == 0 else min(above, below)  # first thing of its body
        else:
            extra = min(above, below)
        end = last + extra
        edits.append(Edit("", Location(first, 1), Location(end + 1, 1), starts[first - 1], starts[end]))
    return _merge_touching(edits)


def _other_code_on(lines, stmt) -> bool:
    """Does the statement's first line start with something else, or its last line go on
    after it (apart from a comment)?"""
    first = lines[stmt.lineno - 1]
    if first[: stmt.col_offset].strip():
        return True
    rest = lines[stmt.end_lineno - 1].encode("utf-8")[stmt.end_col_offset :].decode("utf-8", "replace").strip()
    return bool(rest) and not rest.startswith("#")


def _without_aliases(text: str, drop_ids, stmt) -> Optional[str]:
    """The import statement `text` (whole lines) without the aliases of `stmt` in `drop_ids`,
    rewritten with libcst so that its layout and comments stay."""
    import textwrap

    import libcst as cst

    indent = text[: len(text) - len(text.lstrip())]
    try:
        module = cst.parse_module(textwrap.dedent(text))
    except cst.ParserSyntaxError:
        return None
    line = module.body[0] if module.body else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    node = line.body[0]
    if not isinstance(node, (cst.Import, cst.ImportFrom)) or isinstance(node.names, cst.ImportStar):
        return None
    names = node.names
    if len(names) != len(stmt.names):
        return None
    drop = {i for i, a in enumerate(stmt.names) if id(a) in drop_ids}
    kept = [a for i, a in enumerate(names) if i not in drop]
    if len(names) - 1 in drop:
        kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
    code = module.with_changes(body=[line.with_changes(body=[node.with_changes(names=kept)])]).code
    return textwrap.indent(code, indent) if indent else code


def _merge_touching(edits: List[Edit]) -> List[Edit]:
    """Removals of adjacent lines whose blank lines overlap become one edit."""
    out: List[Edit] = []
    for e in sorted(edits, key=lambda e: e.start):
        if out and e.start < out[-1].end:
            prev = out[-1]
            if prev.content or e.content:
                continue  # a rewrite never overlaps anything but its own line
            out[-1] = Edit(
                "",
                prev.location,
                max(prev.end_location, e.end_location, key=lambda loc: loc.row),
                prev.start,
                max(prev.end, e.end),
            )
            continue
        out.append(e)
    return out
