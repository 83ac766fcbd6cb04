"""Path conditions of the calls a sync function makes (AW110).

A blocking call deep in a helper only matters along the paths that reach it. Two kinds of
condition are read from the function's `if` statements, with the stdlib `ast`:

- **Conditions on parameters**: `if host and port:`, `if not path: return`, `if timeout is None:`.
  A call under them runs only when they hold, so a caller that fixes the parameter (a literal,
  `None`, or an omitted keyword whose default decides it) may never take the branch. A guard is
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

The conditions are read where they stand (the body of an `if`, its `else`, and the statements
after an `if` whose body always ends in `return` or `raise`); loops, `try` blocks and `with`
blocks pass them on to their bodies unchanged. What is not followed: conditions on anything
but a parameter (locals, attributes, calls), a parameter assigned anywhere in the function
(its value may no longer be the caller's), `elif` chains beyond the single-term negation,
`match` statements, and early exits by `continue`/`break`.

evaluate() decides a guard for one call, from the summaries of its arguments (`_arg_text` in
the project index: `None`, `True`, `False`, `#0`, `''`, `'...'`, a name, `?`).
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, List, Optional, Sequence, Tuple

TRUTHY, FALSY, NONE, NOT_NONE = "truthy", "falsy", "none", "not-none"
MEMO: Tuple[Tuple[str, str], ...] = (("", "memo"),)
_NEGATION = {TRUTHY: FALSY, FALSY: TRUTHY, NONE: NOT_NONE, NOT_NONE: NONE}

Guard = Tuple[Tuple[str, str], ...]


def guard_map(function, self_name: Optional[str]) -> Dict[int, Guard]:
    """{id(statement): guard} for the statements of `function`'s body (nested defs and classes
    excluded) that run under a condition: see the module docstring."""
    args = function.args
    params = {a.arg for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)}
    params.discard(self_name)
    globals_ = set()
    for node in _own_nodes(function.body):
        if isinstance(node, ast.Global):
            globals_.update(node.names)
    reader = _Reader(params, self_name, globals_, function.body)
    out: Dict[int, Guard] = {}
    reader.block(function.body, (), out)
    return out


class _Reader:
    def __init__(self, params, self_name, globals_, body):
        self.self_name = self_name
        self.globals = globals_
        self._params = params
        self._body = body
        self._rebound = None

    def params(self):
        """The parameters not assigned anywhere in the function (worked out on first use)."""
        if self._rebound is None:
            self._rebound = set()
            for node in _own_nodes(self._body):
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    self._rebound.add(node.id)
        return self._params - self._rebound

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
                rest = stmts[k + 1:]
                # the statements after it run only on the branch that does not always leave
                body_exits, else_exits = _exits(stmt.body), _exits(stmt.orelse)
                if rest and body_exits != else_exits:
                    current = self.branch(current, stmt.test, else_exits, rest)
                continue
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    self.block(inner, current, out)
            for handler in getattr(stmt, "handlers", ()) or ():
                if current:
                    out[id(handler)] = current
                self.block(handler.body, current, out)
            for case in getattr(stmt, "cases", ()) or ():
                self.block(case.body, current, out)

    def branch(self, guard: Guard, test, positive: bool, stmts) -> Guard:
        """The guard of the statements `stmts` that run when `test` is `positive`."""
        if guard == MEMO:
            return MEMO
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
            if test.id in self.params():
                return ((test.id, TRUTHY if positive else FALSY),)
            return ()
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name) and \
                isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None and \
                isinstance(test.ops[0], (ast.Is, ast.IsNot)) and test.left.id in self.params():
            kind = NONE if isinstance(test.ops[0], ast.Is) == positive else NOT_NONE
            return ((test.left.id, kind),)
        return ()

    # --- memo checks --------------------------------------------------------------------------------
    def memo(self, test, positive: bool, stmts) -> bool:
        """Does `test` being `positive` say "not computed yet" of something `stmts` then fill?"""
        target = self.memo_target(test, positive)
        return target is not None and _fills(stmts, target)

    def memo_target(self, test, positive: bool):
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.memo_target(test.operand, not positive)
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "hasattr" and \
                len(test.args) == 2 and not positive:
            obj, attr = test.args
            if self._owner(obj) and isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                return ("attr", attr.value)
            return None
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
                if isinstance(op, ast.Is) == positive:
                    return self._slot(test.left)
                return None
            if isinstance(op, (ast.NotIn, ast.In)) and isinstance(op, ast.NotIn) == positive:
                slot = self._slot(right)
                return ("item",) + slot if slot is not None else None
            return None
        if not positive:  # `if not self._x:` holding means the memo is empty
            return self._slot(test)
        return None

    def _owner(self, node) -> bool:
        return isinstance(node, ast.Name) and self.self_name is not None and node.id == self.self_name

    def _slot(self, node):
        """("attr", name) for `self.name`, ("global", name) for a `global` name, else None."""
        if isinstance(node, ast.Attribute) and self._owner(node.value):
            return ("attr", node.attr)
        if isinstance(node, ast.Name) and node.id in self.globals:
            return ("global", node.id)
        return None


def _fills(stmts, target) -> bool:
    """Do `stmts` assign the memo slot `target` (or an item of it, for ("item", ...))?"""
    item = target[0] == "item"
    kind, name = target[-2:]
    for node in _own_nodes(stmts):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if isinstance(node.value, ast.Constant):
                continue  # a flag (`self._closed = True`): work done once, not a value kept for later
            targets: List[ast.expr] = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Call) and item and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("setdefault", "update", "add", "append"):
            targets = [ast.Subscript(value=node.func.value, slice=ast.Constant(None))]  # only .value is read
        else:
            continue
        for t in targets:
            if item:
                if not isinstance(t, ast.Subscript):
                    continue
                t = t.value
            if kind == "attr" and isinstance(t, ast.Attribute) and t.attr == name and isinstance(t.value, ast.Name):
                return True
            if kind == "global" and isinstance(t, ast.Name) and t.id == name:
                return True
    return False


def _exits(stmts) -> bool:
    return bool(stmts) and isinstance(stmts[-1], (ast.Return, ast.Raise))


def _own_nodes(stmts):
    """Every node of `stmts`, not entering nested defs, lambdas and classes."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


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


def evaluate(guard: Guard, argument: Callable[[str], object]) -> Tuple[Optional[bool], Guard]:
    """(False when the guard fails for this call, else None / True, and the terms it could not
    decide). `argument(param)` gives the summary of what the call passes for `param`: its text,
    or None when it cannot tell (a `*args`, a parameter it does not know)."""
    undecided = []
    for term in guard:
        if term == MEMO[0]:
            return False, ()
        name, kind = term
        value = argument(name)
        verdict = holds(kind, value) if value is not None else None
        if verdict is False:
            return False, ()
        if verdict is None:
            undecided.append(term)
    return (None if undecided else True), tuple(undecided)


def describe(guard: Guard) -> str:
    """The terms as a reader would say them: "`host` is true and `port` is true"."""
    words = {TRUTHY: "is true", FALSY: "is false", NONE: "is None", NOT_NONE: "is not None"}
    return " and ".join(f"`{name}` {words[kind]}" for name, kind in guard)


__all__ = ["FALSY", "Guard", "MEMO", "NONE", "NOT_NONE", "TRUTHY", "describe", "evaluate", "guard_map", "holds",
           "truth"]
