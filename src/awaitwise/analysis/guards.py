"""Path conditions of the calls a sync function makes (AW110).

A blocking call deep in a helper only matters along the paths that reach it. Two kinds of
condition are read from the function's `if` statements, with the stdlib `ast`:

- **Conditions on parameters**: `if host and port:`, `if not path: return`, `if timeout is None:`.
  A call under them runs only when they hold, so a caller that fixes the parameter (a literal,
  `None`, or an omitted keyword whose default decides it) may never take the branch. A
  parameter whose default is a sentinel object is tested for being left out:
  `if value is NOTSET:`, or `isinstance(value, NotSet)` where `NOTSET = NotSet()` at module
  level; a caller that passes anything but the sentinel's name does not take the branch. A guard is
  a tuple of terms that all hold where the call runs, each `(parameter, kind)` with kind one of
  TRUTHY, FALSY, NONE, NOT_NONE. Terms that cannot be written so (`a or b`, a call, a comparison
  with a variable) are left out: the guard then asks less than the code does, and more calls
  count as reachable, never fewer.
- **Memo checks**: `if not hasattr(self, "_stat"): self._stat = os.stat(p)`, `if self._x is None:`,
  `if key not in self._cache: self._cache[key] = ...`, and the same on a `global` name. The
  guarded block fills what it tests with a computed value (a flag set to a constant, as in
  `if self._closed: return ... self._closed = True`, is work done once, and the first call is
  the one that blocks: no memo), so it runs once per object (or per process) and the
  function does not block on later calls. Such a call gets the guard MEMO and is not followed.
  A container that outlives the call (an attribute or item of `self`, of a parameter or of a
  module-level name, also through a local bound once to it: `cache = self.hass.data[KEY]`)
  holds memos too: `if key in cache: return cache[key]` then `cache[key] = ...`;
  `value = cache.get(key)` then `if value is None: value = cache[key] = ...`; and
  `try: return cache[key]` whose `except KeyError:` (or `AttributeError` for `self._x`)
  fills it, or is followed by statements that do. An import fills `sys.modules` (IMPLICIT_FILLS):
  `if not (module := sys.modules.get(name)): module = import_module(name)` is a memo check too.
  A function decorated with one of
  MEMO_DECORATORS (`functools.cache`, `lru_cache`) runs once per argument set: all its calls
  are MEMO.

The conditions are read where they stand (the body of an `if`, its `else`, and the statements
after an `if` whose body always ends in `return` or `raise`); loops, `try` blocks and `with`
blocks pass them on to their bodies unchanged. What is not followed: conditions on anything
but a parameter (locals, attributes, calls), a parameter assigned before the test or in a
loop around it (its value may no longer be the caller's), `elif` chains beyond the single-term negation,
`match` statements, and early exits by `continue`/`break`.

evaluate() decides a guard for one call, from the summaries of its arguments (`_arg_text` in
the project index: `None`, `True`, `False`, `#0`, `''`, `'...'`, a name, `?`).
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from .semantic import CHILD_FIELDS, child_fields

TRUTHY, FALSY, NONE, NOT_NONE = "truthy", "falsy", "none", "not-none"
# Terms on a parameter whose default is a sentinel object (`value=notset`, tested with
# `value is notset` or `isinstance(value, Notset)` where `notset = Notset()`): the kind is
# LEFT_OUT or GIVEN followed by the sentinel's name, `left-out:notset`.
LEFT_OUT, GIVEN = "left-out:", "given:"
MEMO: Tuple[Tuple[str, str], ...] = (("", "memo"),)
# Decorators that keep a function's result per argument set (matched on the decorator's dotted
# name, with or without its call: `@lru_cache(maxsize=None)`).
MEMO_DECORATORS = frozenset({"cache", "lru_cache", "functools.cache", "functools.lru_cache"})
# Calls that fill a memo of the runtime's as they run (the container they store into): checking
# it first (`if name not in sys.modules: importlib.import_module(name)`) is a memo check.
IMPLICIT_FILLS = {"import_module": "sys.modules", "importlib.import_module": "sys.modules", "__import__": "sys.modules"}
# What a lookup raises when the memo is empty, by the kind of slot it reads.
_MISS_ERRORS = {"item": frozenset({"KeyError", "LookupError"}), "attr": frozenset({"AttributeError"})}

Guard = Tuple[Tuple[str, str], ...]


def guard_map(
    function, self_name: Optional[str], qualname_of: Optional[Callable[[str], Optional[str]]] = None
) -> Dict[int, Guard]:
    """{id(statement): guard} for the statements of `function`'s body (nested defs and classes
    excluded) that run under a condition: see the module docstring. `qualname_of(name)`: the
    semantic model's answer for a name read in the function (`_Unset`, `_Unset()` for a
    `UNSET = _Unset()`), which the `isinstance` test on a sentinel needs."""
    args = function.args
    params = {a.arg for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)}
    params.discard(self_name)
    globals_ = set()
    for stmt in _own_statements(function.body):
        if isinstance(stmt, ast.Global):
            globals_.update(stmt.names)
    reader = _Reader(params, self_name, globals_, function.body)
    reader.sentinels = _sentinel_defaults(args)
    reader.qualname_of = qualname_of
    out: Dict[int, Guard] = {}
    reader.block(function.body, MEMO if memoised(function) else (), out)
    return out


def memoised(function) -> bool:
    """Is the function decorated with one of MEMO_DECORATORS?"""
    for deco in getattr(function, "decorator_list", ()):
        if isinstance(deco, ast.Call):
            deco = deco.func
        if _dotted(deco) in MEMO_DECORATORS:
            return True
    return False


def _dotted(node) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class _Reader:
    def __init__(self, params, self_name, globals_, body):
        self.self_name = self_name
        self.globals = globals_
        self._params = params
        self._body = body
        self._rebound = None
        self._values = None
        self._stores: Optional[Dict[str, List[Tuple[int, int]]]] = None  # name -> where it is assigned
        self.loops = 0  # the loops around the statements being read
        self.sentinels: Dict[str, str] = {}  # parameter -> the name its default is
        self.qualname_of: Optional[Callable[[str], Optional[str]]] = None

    def is_param(self, name: str, test=None) -> bool:
        """Does `name` hold what the caller passed, where `test` reads it: a parameter assigned
        nowhere in the function, or (given `test`) only after the test, outside any loop?"""
        if name not in self._params:  # most tests are on locals: no need to look for assignments
            return False
        self._bindings()
        assert self._rebound is not None and self._stores is not None
        if name not in self._rebound:
            return True
        if test is None or self.loops:
            return False
        end = (test.end_lineno or 0, test.end_col_offset or 0)
        return all(at > end for at in self._stores.get(name, ()))

    def values(self) -> Dict[str, Optional[list]]:
        """{local name: [(statement, value), ...]} of its plain assignments (`x = v`, `x: T = v`,
        each target of `x = y = v`); a name bound any other way maps to None."""
        self._bindings()
        assert self._values is not None
        return self._values

    def _bindings(self) -> None:
        """One walk of the function for is_param() and values(), on first use."""
        if self._values is not None:
            return
        values: Dict[str, Optional[list]] = {}
        plain = set()
        stored = []
        for node in _own_nodes(self._body):
            t = type(node)
            if t is ast.Name:
                if type(node.ctx) is not ast.Load:
                    stored.append(node)
            elif (t is ast.Assign or t is ast.AnnAssign) and node.value is not None:
                for target in node.targets if t is ast.Assign else [node.target]:
                    if type(target) is ast.Name:
                        plain.add(id(target))
                        found = values.setdefault(target.id, [])
                        if found is not None:
                            found.append((node, node.value))
        stores: Dict[str, List[Tuple[int, int]]] = {}
        for node in stored:
            if id(node) not in plain:
                values[node.id] = None
            stores.setdefault(node.id, []).append((node.lineno, node.col_offset))
        self._rebound = set(stores)
        self._stores = stores
        self._values = values

    def resolve(self, node, depth: int = 0):
        """`node`, with a local bound once (`cache = self._cache`) replaced by its value."""
        if isinstance(node, ast.Name) and depth < 8 and node.id not in self.globals:
            found = self.values().get(node.id, ())
            if found and len(found) == 1:
                return self.resolve(found[0][1], depth + 1)
        return node

    def persistent(self, node, depth: int = 0) -> bool:
        """Does the object `node` names outlive the call: `self` or a parameter, a module-level
        name, or an attribute or item of one (through locals bound once to such)?"""
        node = self.resolve(node)
        if depth > 8:
            return False
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            return self.persistent(node.value, depth + 1)
        if isinstance(node, ast.Name):
            if node.id in self.globals or node.id == self.self_name or self.is_param(node.id):
                return True
            return node.id not in self.values()  # bound nowhere in the function: module level
        return False

    def block(self, stmts: Sequence[ast.stmt], guard: Guard, out: Dict[int, Guard]) -> None:
        current = guard
        for k, stmt in enumerate(stmts):
            if current:
                out[id(stmt)] = current
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(stmt, ast.If):
                self.block(stmt.body, self.branch(current, stmt.test, True, stmt.body), out)
                self.block(stmt.orelse, self.branch(current, stmt.test, False, stmt.orelse), out)
                rest = stmts[k + 1 :]
                # the statements after it run only on the branch that does not always leave
                body_exits, else_exits = _exits(stmt.body), _exits(stmt.orelse)
                if rest and body_exits != else_exits:
                    current = self.branch(current, stmt.test, else_exits, rest)
                continue
            loop = isinstance(stmt, (ast.For, ast.AsyncFor, ast.While))
            self.loops += loop
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    self.block(inner, current, out)
            self.loops -= loop
            handlers = getattr(stmt, "handlers", ()) or ()
            misses = self.try_memo(stmt, stmts[k + 1 :]) if handlers and current != MEMO else None
            for handler in handlers:
                inner_guard = MEMO if misses is not None and id(handler) in misses[0] else current
                if inner_guard:
                    out[id(handler)] = inner_guard
                self.block(handler.body, inner_guard, out)
            if misses is not None and misses[1]:
                current = MEMO  # the statements after it run only when the lookup missed
            for case in getattr(stmt, "cases", ()) or ():
                self.block(case.body, current, out)

    def branch(self, guard: Guard, test, positive: bool, stmts) -> Guard:
        """The guard of the statements `stmts` that run when `test` is `positive`."""
        if guard == MEMO:
            return MEMO
        if not stmts:  # an empty `else`: nothing runs under it
            return guard
        if self.memo(test, positive, stmts):
            return MEMO
        terms = self.terms(test, positive)
        return guard + tuple(t for t in terms if t not in guard) if terms else guard

    # --- conditions on parameters -----------------------------------------------------------------
    def terms(self, test, positive: bool) -> Guard:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.terms(test.operand, not positive)
        if isinstance(test, ast.BoolOp):
            # `a and b` holding: both hold; `a or b` failing: both fail. The other two say nothing.
            if isinstance(test.op, ast.And) == positive:
                out: Tuple[Tuple[str, str], ...] = ()
                for value in test.values:
                    out += self.terms(value, positive)
                return out
            return ()
        if isinstance(test, ast.Name):
            if self.is_param(test.id, test):
                return ((test.id, TRUTHY if positive else FALSY),)
            return ()
        sentinel = self.sentinel_test(test)
        if sentinel is not None:
            name, default, holds_when_left_out = sentinel
            return ((name, (LEFT_OUT if holds_when_left_out == positive else GIVEN) + default),)
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.left, ast.Name)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
            and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and self.is_param(test.left.id, test)
        ):
            kind = NONE if isinstance(test.ops[0], ast.Is) == positive else NOT_NONE
            return ((test.left.id, kind),)
        return ()

    def sentinel_test(self, test) -> Optional[Tuple[str, str, bool]]:
        """(parameter, its default's name, whether the test holds when the parameter is left
        out) for `p is D`, `p is not D` and `isinstance(p, C)` where `p=D` and `D = C()`."""
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and isinstance(test.left, ast.Name)
        ):
            name = test.left.id
            default = self.sentinels.get(name)
            if default is not None and _dotted(test.comparators[0]) == default and self.is_param(name, test):
                return name, default, isinstance(test.ops[0], ast.Is)
            return None
        if (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance"
            and len(test.args) == 2
            and not test.keywords
            and isinstance(test.args[0], ast.Name)
            and self.qualname_of is not None
        ):
            name = test.args[0].id
            default = self.sentinels.get(name)
            cls = _dotted(test.args[1])
            if default is None or "." in default or cls is None:
                return None
            head, _, rest = cls.partition(".")
            made, base = self.qualname_of(default), self.qualname_of(head)
            if made is None or base is None:
                return None
            if made == base + ("." + rest if rest else "") + "()" and self.is_param(name, test):
                return name, default, True
        return None

    # --- memo checks --------------------------------------------------------------------------------
    def memo(self, test, positive: bool, stmts) -> bool:
        """Does `test` being `positive` say "not computed yet" of something `stmts` then fill?"""
        target = self.memo_target(test, positive, stmts)
        return target is not None and self.fills(stmts, target)

    def try_memo(self, stmt, rest):
        """For `try: return cache[key]` (or `value = self._x`): (ids of the handlers that catch
        the miss and fill the slot, whether the statements after the `try`, which run only
        after a miss when its body always returns, fill it); None when it is no memo."""
        slots = []
        for node in _own_nodes(stmt.body):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                slot = self._slot(node.value, item=True)
                if slot is not None:
                    slots.append(("item",) + slot)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and self._owner(node.value):
                slots.append(("attr", node.attr))
        if not slots:
            return None
        handlers, after = set(), False
        for handler in stmt.handlers:
            caught = _caught_names(handler.type)
            for slot in slots:
                if caught & _MISS_ERRORS[slot[0]] and self.fills(handler.body, slot):
                    handlers.add(id(handler))
                    break
        if rest and _exits(stmt.body) and not stmt.orelse and not all(_exits(h.body) for h in stmt.handlers):
            missing = [s for s in slots if any(_caught_names(h.type) & _MISS_ERRORS[s[0]] for h in stmt.handlers)]
            after = any(self.fills(rest, s) for s in missing)
        return (handlers, after) if handlers or after else None

    def memo_target(self, test, positive: bool, stmts=()):
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.memo_target(test.operand, not positive, stmts)
        if (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "hasattr"
            and len(test.args) == 2
            and not positive
        ):
            obj, attr = test.args
            if self._owner(obj) and isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                return ("attr", attr.value)
            return None
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and not positive:
            # `if not (module := sys.modules.get(name) and ...)`: the block runs when the lookup
            # misses, and in rarer cases the other terms add
            return self.memo_target(test.values[0], False, stmts)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
                if isinstance(op, ast.Is) == positive:
                    return self._looked_up(test.left, stmts) or self._slot(test.left)
                return None
            if isinstance(op, (ast.NotIn, ast.In)) and isinstance(op, ast.NotIn) == positive:
                slot = self._slot(right, item=True)
                return ("item",) + slot if slot is not None else None
            return None
        if not positive:  # `if not self._x:` holding means the memo is empty
            return self._looked_up(test, stmts) or self._slot(test)
        return None

    def _lookup(self, value):
        """("item", ...) of `cache` for `cache.get(key)` (or `(x := cache.get(key))`) on a
        container that outlives the call, else None."""
        if isinstance(value, ast.NamedExpr):
            value = value.value
        if not (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "get"
            and value.args
        ):
            return None
        slot = self._slot(value.func.value, item=True)
        return ("item",) + slot if slot is not None else None

    def _looked_up(self, node, stmts):
        """("item", ...) of `cache` when `node` is a local whose one assignment outside `stmts` is
        `cache.get(key)` on a container that outlives the call."""
        if isinstance(node, (ast.NamedExpr, ast.Call)):
            return self._lookup(node)
        if not isinstance(node, ast.Name) or node.id in self.globals:
            return None
        found = self.values().get(node.id)
        if not found:
            return None
        # `stmts` are consecutive statements: one of the function's own assignments lies among
        # them exactly when it lies between the first one's start and the last one's end
        if stmts:
            start = (stmts[0].lineno, stmts[0].col_offset)
            end = (stmts[-1].end_lineno or 0, stmts[-1].end_col_offset or 0)
            found = [(w, v) for w, v in found if not start <= (w.lineno, w.col_offset) <= end]
        outside = [value for _where, value in found]
        if len(outside) != 1:
            return None
        return self._lookup(outside[0])

    def _owner(self, node) -> bool:
        return isinstance(node, ast.Name) and self.self_name is not None and node.id == self.self_name

    def _slot(self, node, item: bool = False):
        """("attr", name) for `self.name`, ("global", name) for a `global` name; with `item`
        (the slot is an item of `node`), also ("expr", text) for any other container that
        outlives the call (`self.hass.data`, `_BACKENDS`, a parameter); else None."""
        node = self.resolve(node)
        if isinstance(node, ast.Attribute) and self._owner(node.value):
            return ("attr", node.attr)
        if isinstance(node, ast.Name) and node.id in self.globals:
            return ("global", node.id)
        if item and self.persistent(node):
            return ("expr", ast.dump(node))
        return None

    def fills(self, stmts, target) -> bool:
        """Do `stmts` assign the memo slot `target` (or an item of it, for ("item", ...))?"""
        item = target[0] == "item"
        want = target[1:] if item else target
        for node in _own_nodes(stmts):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                if isinstance(node.value, ast.Constant):
                    continue  # a flag (`self._closed = True`): work done once, not a value kept for later
                targets: List[ast.expr] = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif (
                isinstance(node, ast.Call)
                and item
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("setdefault", "update", "add", "append")
            ):
                targets = [ast.Subscript(value=node.func.value, slice=ast.Constant(None))]  # only .value is read
            elif (
                isinstance(node, ast.Call)
                and item
                and (called := _dotted(node.func)) is not None
                and called in IMPLICIT_FILLS
            ):
                targets = [ast.Subscript(value=_expression(IMPLICIT_FILLS[called]), slice=ast.Constant(None))]
            else:
                continue
            for t in targets:
                if item:
                    if not isinstance(t, ast.Subscript):
                        continue
                    t = t.value
                if self._slot(t, item=item) == want:
                    return True
        return False


def _sentinel_defaults(args: ast.arguments) -> Dict[str, str]:
    """{parameter: the dotted name of its default} for the parameters whose default is a name
    (`value=notset`, `default=_MISSING`); None, True, False and `...` are no sentinels."""
    positional = list(args.posonlyargs) + list(args.args)
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    out = {}
    for arg, default in pairs:
        dotted = _dotted(default)
        if dotted is not None:
            out[arg.arg] = dotted
    return out


def _expression(text: str):
    return ast.parse(text, mode="eval").body


def _caught_names(node) -> frozenset:
    """The last segments of the exception names an `except` clause catches."""
    if node is None:
        return frozenset()
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    return frozenset(
        n.id if isinstance(n, ast.Name) else n.attr for n in items if isinstance(n, (ast.Name, ast.Attribute))
    )


def _exits(stmts) -> bool:
    return bool(stmts) and isinstance(stmts[-1], (ast.Return, ast.Raise))


_SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _own_nodes(stmts):
    """Every node of `stmts` (operators and contexts aside), not entering the defs, lambdas and
    classes nested in them."""
    stack = list(stmts)
    AST = ast.AST
    scopes = _SCOPE_TYPES
    fields_of = CHILD_FIELDS
    while stack:
        node = stack.pop()
        yield node
        t = type(node)
        if t in scopes:  # one of `stmts` itself
            continue
        fields = fields_of.get(t) or child_fields(t)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST) and not isinstance(item, scopes):
                        stack.append(item)
            elif isinstance(value, AST) and not isinstance(value, scopes):
                stack.append(value)


def _own_statements(stmts):
    """Every statement of `stmts` and of the blocks inside them, not entering nested defs and
    classes (their own statements are theirs)."""
    stack = list(stmts)
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, _SCOPE_TYPES):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                stack.extend(s for s in inner if isinstance(s, ast.stmt))
        for handler in getattr(stmt, "handlers", ()) or ():
            stack.extend(handler.body)
        for case in getattr(stmt, "cases", ()) or ():
            stack.extend(case.body)


# ------------------------------------------------------------------------------------------------
# Deciding a guard at a call
# ------------------------------------------------------------------------------------------------


def truth(summary) -> Optional[Tuple[bool, bool]]:
    """(is None, is truthy) of an argument summarised by the index's _arg_text; None when the
    summary does not tell."""
    if summary == "None":
        return (True, False)
    if summary == "True":
        return (False, True)
    if summary == "False" or summary == "''":
        return (False, False)
    if summary == "'...'" or (isinstance(summary, str) and summary[:1] in "'\"" and len(summary) > 2):
        return (False, True)
    if isinstance(summary, str) and summary.startswith("#"):
        try:
            return (False, float(summary[1:]) != 0)
        except ValueError:
            return None
    return None


def holds(kind: str, summary) -> Optional[bool]:
    """Does the term `kind` hold for an argument summarised as `summary`? None: cannot tell."""
    if kind.startswith((LEFT_OUT, GIVEN)):
        left_out = kind.startswith(LEFT_OUT)
        sentinel = kind[len(LEFT_OUT if left_out else GIVEN) :]
        if summary == sentinel:
            return left_out
        if isinstance(summary, str) and summary.endswith("." + sentinel):
            return None  # perhaps the same object, through its module
        # a literal, another name, any other expression (a lambda, a call): a caller does not
        # come by a function's sentinel but by its name (one that passes its own parameter on
        # is decided by its callers, see evaluate)
        return not left_out
    known = truth(summary)
    if known is None:
        return None
    is_none, truthy = known
    if kind == TRUTHY:
        return truthy
    if kind == FALSY:
        return not truthy
    if kind == NONE:
        return is_none
    return not is_none


def evaluate(
    guard: Guard, argument: Callable[[str], object], passes_on: FrozenSet[str] = frozenset()
) -> Tuple[Optional[bool], Guard]:
    """(False when the guard fails for this call, else None / True, and the terms it could not
    decide). `argument(param)` gives the summary of what the call passes for `param`: its text,
    or None when it cannot tell (a `*args`, a parameter it does not know). `passes_on`: the
    calling function's own parameters; a sentinel term on one of them is left to its callers."""
    undecided = []
    for term in guard:
        if term == MEMO[0]:
            return False, ()
        name, kind = term
        value = argument(name)
        if value in passes_on and kind.startswith((LEFT_OUT, GIVEN)):
            verdict: Optional[bool] = None
        else:
            verdict = holds(kind, value) if value is not None else None
        if verdict is False:
            return False, ()
        if verdict is None:
            undecided.append(term)
    return (None if undecided else True), tuple(undecided)


def describe(guard: Guard) -> str:
    """The terms as a reader would say them: "`host` is true and `port` is true"."""
    words = {TRUTHY: "is true", FALSY: "is false", NONE: "is None", NOT_NONE: "is not None"}

    def said(kind: str) -> str:
        if kind.startswith(LEFT_OUT):
            return "is left out"
        if kind.startswith(GIVEN):
            return "is given"
        return words[kind]

    return " and ".join(f"`{name}` {said(kind)}" for name, kind in guard)


__all__ = [
    "FALSY",
    "GIVEN",
    "Guard",
    "IMPLICIT_FILLS",
    "LEFT_OUT",
    "MEMO",
    "MEMO_DECORATORS",
    "NONE",
    "NOT_NONE",
    "TRUTHY",
    "describe",
    "evaluate",
    "guard_map",
    "holds",
    "memoised",
    "truth",
]
