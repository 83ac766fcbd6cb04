"""Path conditions read from sync helpers (analysis/guards.py) and their verdicts at calls."""

import ast

import pytest

from awaitwise.analysis import guards
from awaitwise.analysis.guards import FALSY, MEMO, NONE, NOT_NONE, TRUTHY


def _guards_of_calls(source: str):
    """{callee name: guard} for each call in the first function of `source`."""
    function = ast.parse(source).body[0]
    params = list(function.args.posonlyargs) + list(function.args.args)
    self_name = params[0].arg if params and params[0].arg == "self" else None
    found = guards.guard_map(function, self_name)
    out = {}

    def walk(stmts, inherited):
        for stmt in stmts:
            guard = found.get(id(stmt), inherited)
            for node in _own_expressions(stmt):
                name = ast.unparse(node.func) if isinstance(node, ast.Call) else ""
                if name.startswith(("c_", "import_module", "importlib.")):
                    out.setdefault(name, guard)
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list):
                    walk(inner, guard)

    walk(function.body, ())
    return out


def _own_expressions(stmt):
    """The nodes of `stmt` outside the statements nested in it."""
    stack = [child for child in ast.iter_child_nodes(stmt) if not isinstance(child, (ast.stmt, ast.excepthandler))]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(ast.iter_child_nodes(node))


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "def f(a, b):\n    if a and b:\n        c_x()\n    else:\n        c_y()\n",
            {"c_x": (("a", TRUTHY), ("b", TRUTHY)), "c_y": ()},
        ),
        ("def f(a):\n    if not a:\n        return\n    c_x()\n", {"c_x": (("a", TRUTHY),)}),
        ("def f(a):\n    if a is None:\n        raise ValueError\n    c_x()\n", {"c_x": (("a", NOT_NONE),)}),
        (
            "def f(a):\n    if a is not None:\n        c_x()\n    else:\n        c_y()\n",
            {"c_x": (("a", NOT_NONE),), "c_y": (("a", NONE),)},
        ),
        (
            "def f(a, b):\n    if a or b:\n        c_x()\n    else:\n        c_y()\n",
            {"c_x": (), "c_y": (("a", FALSY), ("b", FALSY))},
        ),
        # a local, or a parameter assigned in the function, says nothing about what the caller passed
        ("def f(a):\n    b = a\n    if b:\n        c_x()\n", {"c_x": ()}),
        ("def f(a):\n    a = a or 'x'\n    if a:\n        c_x()\n", {"c_x": ()}),
        # conditions nest, and pass through loops and try blocks
        (
            "def f(a, b):\n    if a:\n        for i in b:\n            try:\n"
            "                if b:\n                    c_x()\n"
            "            except OSError:\n                c_y()\n",
            {"c_x": (("a", TRUTHY), ("b", TRUTHY)), "c_y": (("a", TRUTHY),)},
        ),
        # memo checks: the guarded block fills what it tests
        ("def f(self):\n    if not hasattr(self, '_s'):\n        self._s = c_x()\n    return self._s\n", {"c_x": MEMO}),
        ("def f(self):\n    if self._s is None:\n        self._s = c_x()\n", {"c_x": MEMO}),
        ("def f(self):\n    if self._s is not None:\n        return self._s\n    self._s = c_x()\n", {"c_x": MEMO}),
        ("def f(self, k):\n    if k not in self._d:\n        self._d[k] = c_x(k)\n", {"c_x": MEMO}),
        ("def f():\n    global _G\n    if _G is None:\n        _G = c_x()\n", {"c_x": MEMO}),
        # a test that the block does not fill is no memo
        ("def f(self):\n    if self._s is None:\n        c_x()\n", {"c_x": ()}),
        ("def f(self):\n    if not hasattr(self, '_s'):\n        self._t = c_x()\n", {"c_x": ()}),
        # a flag that makes the work happen once: the first call still blocks
        ("def f(self):\n    if self._closed:\n        return\n    c_x()\n    self._closed = True\n", {"c_x": ()}),
        # a container that outlives the call: a module-level dict, through a local alias, a parameter's
        (
            "def f(name):\n    try:\n        return _LOADED[name]\n    except KeyError:\n        m = c_x(name)\n"
            "        _LOADED[name] = m\n        return m\n",
            {"c_x": MEMO},
        ),
        (
            "def f(name):\n    try:\n        return _LOADED[name]\n    except KeyError:\n        pass\n"
            "    m = _LOADED[name] = c_x(name)\n    return m\n",
            {"c_x": MEMO},
        ),
        (
            "def f(self):\n    try:\n        return self._s\n    except AttributeError:\n        self._s = c_x()\n"
            "        return self._s\n",
            {"c_x": MEMO},
        ),
        (
            "def f(self):\n    cache = self.hass.data['k']\n    if self.name in cache:\n"
            "        return cache[self.name]\n"
            "    cache[self.name] = c_x()\n    return cache[self.name]\n",
            {"c_x": MEMO},
        ),
        (
            "def f(hass, key):\n    client = hass.data.get(key)\n    if client is None:\n"
            "        client = hass.data[key] = c_x()\n    return client\n",
            {"c_x": MEMO},
        ),
        ("@functools.lru_cache(maxsize=None)\ndef f(a):\n    return c_x(a)\n", {"c_x": MEMO}),
        ("@cache\ndef f(a):\n    if a:\n        return c_x(a)\n", {"c_x": MEMO}),
        # an import fills sys.modules: checking it first is a memo check
        (
            "def f(path):\n    if not (\n        (module := sys.modules.get(path))\n"
            "        and getattr(module, 'x', 1)\n    ):\n"
            "        module = import_module(path)\n    return module\n",
            {"import_module": MEMO},
        ),
        (
            "def f(path):\n    if path not in sys.modules:\n        importlib.import_module(path)\n",
            {"importlib.import_module": MEMO},
        ),
        ("def f(path):\n    if path not in sys.modules:\n        c_x(path)\n", {"c_x": ()}),
        # ... but not a container made by the call, a handler for another error, or one that does not fill
        ("def f(name):\n    seen = {}\n    if name not in seen:\n        seen[name] = c_x()\n", {"c_x": ()}),
        ("def f(key):\n    found = {}.get(key)\n    if found is None:\n        c_x()\n", {"c_x": ()}),
        (
            "def f(name):\n    try:\n        return _LOADED[name]\n    except ValueError:\n"
            "        _LOADED[name] = c_x()\n",
            {"c_x": ()},
        ),
        (
            "def f(name):\n    try:\n        return _LOADED[name]\n    except KeyError:\n        return c_x(name)\n",
            {"c_x": ()},
        ),
        (
            "def f(hass, key):\n    client = hass.data.get(key)\n    if client is None:\n        client = c_x()\n"
            "    return client\n",
            {"c_x": ()},
        ),
        ("@decorate\ndef f(a):\n    return c_x(a)\n", {"c_x": ()}),
        # a nested def's own assignments and `global`s are its own: the parameter is still the caller's
        (
            "def f(path):\n    def helper():\n        path = 1\n        return path\n    if path:\n        c_x()\n",
            {"c_x": (("path", TRUTHY),)},
        ),
        (
            "def f(self):\n    def helper():\n        global _X\n    if _X is None:\n        _X = c_x()\n",
            {"c_x": ()},
        ),
        (
            "def f(self):\n    global _X\n    if _X is None:\n        _X = c_x()\n",
            {"c_x": MEMO},
        ),
        # an assignment inside the guarded block is not the lookup the test reads
        (
            "def f(self, key):\n    found = self._cache.get(key)\n    if not found:\n        found = c_x()\n"
            "        self._cache[key] = found\n",
            {"c_x": MEMO},
        ),
        # a parameter whose default is a sentinel, tested for being left out
        (
            "def f(target, value=_MISSING):\n    if value is _MISSING:\n        value = c_x(target)\n"
            "    return value\n",
            {"c_x": (("value", "left-out:_MISSING"),)},
        ),
        (
            "def f(target, value=_MISSING):\n    if value is not _MISSING:\n        return c_x(value)\n",
            {"c_x": (("value", "given:_MISSING"),)},
        ),
        # assigned before the test: no longer the caller's value
        ("def f(value=_MISSING):\n    value = g(value)\n    if value is _MISSING:\n        c_x()\n", {"c_x": ()}),
        # compared with something else than its default
        ("def f(value=_MISSING):\n    if value is OTHER:\n        c_x()\n", {"c_x": ()}),
        # assigned after the test, but in the same loop: the test may read the new value
        (
            "def f(path, timeout=None):\n    for _ in range(3):\n        if timeout is None:\n            c_x(path)\n"
            "        timeout = 1\n",
            {"c_x": ()},
        ),
        (
            "def f(path, timeout=None):\n    if timeout is None:\n        timeout = c_x(path)\n    return timeout\n",
            {"c_x": (("timeout", NONE),)},
        ),
    ],
)
def test_guards_read_from_the_code(source, expected):
    assert _guards_of_calls(source) == expected


@pytest.mark.parametrize(
    "kind, summary, verdict",
    [
        (TRUTHY, "None", False),
        (TRUTHY, "''", False),
        (TRUTHY, "#0", False),
        (TRUTHY, "'...'", True),
        (TRUTHY, "#3", True),
        (TRUTHY, "True", True),
        (TRUTHY, "name", None),
        (TRUTHY, "?", None),
        (FALSY, "False", True),
        (NONE, "None", True),
        (NONE, "False", False),
        (NOT_NONE, "''", True),
        (NOT_NONE, "None", False),
    ],
)
def test_a_term_is_decided_only_by_literals(kind, summary, verdict):
    assert guards.holds(kind, summary) is verdict


def test_evaluate_keeps_the_terms_it_cannot_decide():
    guard = (("host", TRUTHY), ("port", TRUTHY))
    assert guards.evaluate(guard, {"host": "None", "port": "#80"}.get) == (False, ())
    assert guards.evaluate(guard, {"host": "'...'", "port": "#80"}.get) == (True, ())
    assert guards.evaluate(guard, {"host": "h", "port": "#80"}.get) == (None, (("host", TRUTHY),))
    assert guards.evaluate(MEMO, {}.get) == (False, ())


def test_an_isinstance_test_on_a_sentinel_default_needs_the_module_binding():
    source = "def f(key, default=UNSET):\n    if isinstance(default, _Unset):\n        c_x(key)\n    return default\n"
    function = ast.parse(source).body[0]
    call = function.body[0].body[0]
    made = {"UNSET": "_Unset()", "_Unset": "_Unset"}.get
    assert guards.guard_map(function, None, made)[id(call)] == (("default", "left-out:UNSET"),)
    assert id(call) not in guards.guard_map(function, None)  # without it: no term
    assert id(call) not in guards.guard_map(function, None, {"UNSET": "Other()", "_Unset": "_Unset"}.get)
    # an imported class, named as the model names it
    imported = {"UNSET": "lib.Unset()", "_Unset": "lib.Unset"}.get
    assert guards.guard_map(function, None, imported)[id(call)] == (("default", "left-out:UNSET"),)


@pytest.mark.parametrize(
    "summary, verdict",
    [("_MISSING", True), ("value", False), ("None", False), ("'...'", False), ("?", False), ("mod._MISSING", None)],
)
def test_a_sentinel_term_is_decided_by_the_name_passed(summary, verdict):
    assert guards.holds("left-out:_MISSING", summary) is verdict
    assert guards.holds("given:_MISSING", summary) is (None if verdict is None else not verdict)


def test_a_sentinel_term_on_a_parameter_passed_on_is_left_to_the_callers():
    guard = (("value", "left-out:_MISSING"),)
    assert guards.evaluate(guard, {"value": "value"}.get) == (False, ())
    assert guards.evaluate(guard, {"value": "value"}.get, frozenset({"value"})) == (None, guard)
    assert guards.describe(guard + (("name", "given:_MISSING"),)) == "`value` is left out and `name` is given"
