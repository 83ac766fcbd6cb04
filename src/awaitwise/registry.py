"""The rule registry: the one list of rules that the CLI, config validation, docs and tests read.

Rules are found automatically: every module under `awaitwise.rules` whose name does not start with
an underscore holds one `Rule` subclass. Third-party rules register through the entry-point group
`awaitwise.rules` (an entry point names a Rule subclass) and go through the same checks.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys
from typing import ClassVar, Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Type

DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")
CODE_RE = re.compile(r"^[A-Z]{1,5}[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOCS_URL = "https://github.com/awaitwise/awaitwise/blob/main/src/awaitwise/rules/README.md#"


class RegistryError(Exception):
    pass


def anchor(code: str, name: str) -> str:
    """The anchor GitHub gives the docs heading `## CODE name` (lower case, spaces to dashes)."""
    return f"{code.lower()}-{name}"


class Triggers(NamedTuple):
    """What a rule fires on, as data the screen matches against what one `ast` pass and the
    semantic model say of a file and of each function body (screening.ScreenFacts): a body with
    no site of a trigger is not parsed for the rule. Each field given is necessary on its own.

    calls_in_async: a catalog matcher of qualified names (rules._blocking.Matcher): the rule can
    only fire at a call, in async context, of a callee it names (screening.calls_named).
    kinds: node kinds where they stand (screening.AWAIT_IN_SYNC...): one of them must be there.
    awaited_calls: terminal names: a call awaited in async context must end with one of them.
    handlers_in_async: terminal names of exception types: an `except` in async context must
    name a type that may end with one of them, or be bare."""

    calls_in_async: object = None
    kinds: Optional[FrozenSet[str]] = None
    awaited_calls: Optional[FrozenSet[str]] = None
    handlers_in_async: Optional[FrozenSet[str]] = None


class Rule:
    """Base class of every rule. One instance is made per checked file.

    A subclass declares its metadata as class attributes, its documentation as the class
    docstring (the five headings of DOC_HEADINGS), and handles nodes with `visit_<Node>` /
    `leave_<Node>` methods that the engine dispatches in its single pass. Inside them,
    `self.ctx` is the shared per-file context (scopes, async context, name resolution).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    default_enabled: ClassVar[bool] = True
    # "safe", "unsafe", "sometimes" (decided per finding) or None when the rule never fixes.
    fix: ClassVar[Optional[str]] = None
    # Screening (sound): the rule can only fire in a file that has `async def`/`await` syntax
    # (needs_async) and that mentions at least one of `tokens` as an identifier (None: any file).
    needs_async: ClassVar[bool] = True
    tokens: ClassVar[Optional[frozenset]] = None
    # Screening by function body (see partial.py): True when every finding in the body of a
    # module-level function or method depends only on that body, the module's top level, the
    # class's headers and the project index, and `screen_facts` given the body's own facts
    # (screening.Unit) is sound for it. Other bodies are then replaced by `pass` before the
    # parse when no selected rule could fire in them. A rule that leaves it False is given every
    # body of every file it may fire in.
    body_local: ClassVar[bool] = False

    def __init__(self, ctx):
        self.ctx = ctx

    def report(self, node, message: str, fix=None) -> None:
        self.ctx.report(self.code, node, message, fix)

    # --- metadata helpers -------------------------------------------------------------------
    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    # Where the rule is documented. Built-in rules link to their section of the rules reference
    # (the anchor of its `## CODE name` heading); a plugin sets its own page, or has no link.
    docs_url: ClassVar[Optional[str]] = None

    @classmethod
    def url(cls) -> Optional[str]:
        if cls.docs_url:
            return cls.docs_url
        if cls.__module__.startswith("awaitwise.rules."):
            return DOCS_URL + anchor(cls.code, cls.name)
        return None

    @classmethod
    def screen_tokens(cls, settings) -> Optional[frozenset]:
        """Identifiers one of which must appear in a file for this rule to fire; None = no limit.

        Rules whose catalog grows with the user's config override this."""
        return cls.tokens

    # The rule asks the project index (facts of the other modules): a run that selects it builds
    # one. A rule without it still gets the index when the run has one for other rules.
    uses_project: ClassVar[bool] = False

    @classmethod
    def screen_tokens_with_project(cls, settings, project) -> Optional[frozenset]:
        """screen_tokens for a run with a project index, which may name more words (aliases and
        functions of other modules). The default: screen_tokens."""
        return cls.screen_tokens(settings)

    @classmethod
    def needs_body(cls, words: FrozenSet[str]) -> bool:
        """For a body_local rule: must a function body with these words be kept whole even where
        the rule cannot fire, because what it holds decides findings elsewhere (a `.cancel()`
        in another method)? The words of the body's text (every identifier in it)."""
        return False

    # A rule about the suppressions themselves (AW002): it takes no part in the pass over the
    # tree; the engine calls `judge` once the other rules of the file have reported, before
    # `# noqa` filters their findings.
    judges_suppressions: ClassVar[bool] = False

    @classmethod
    def judge(cls, source: str, path: str, findings, ran: FrozenSet[str]) -> list:
        """For a rule with judges_suppressions: its diagnostics (diagnostics.Diagnostic) for
        `source`, given every finding of the other rules before `# noqa` filtering (`findings`)
        and the codes of the rules that ran on the whole file (`ran`)."""
        return []

    @classmethod
    def triggers(cls, settings) -> Optional[Triggers]:
        """What the rule fires on under `settings` (None: not declared; then screen_facts, or
        `needs_async` and `tokens`, decide alone)."""
        return None

    @classmethod
    def screen_facts(cls, facts, settings, project) -> Optional[bool]:
        """Could the rule fire in a file (or function body) with these screening.ScreenFacts?

        False: certainly not (the file is skipped for this rule; this must be sound). True: it
        may. None: no opinion, decide by `needs_async` and `tokens` as ever. The default answers
        from the rule's `triggers`."""
        found = cls.triggers(settings)
        if found is None:
            return None
        if found.kinds is not None and found.kinds.isdisjoint(facts.kinds):
            return False
        if found.awaited_calls is not None and found.awaited_calls.isdisjoint(facts.awaited_calls):
            return False
        from .screening import calls_any, calls_named

        if found.handlers_in_async is not None and not calls_any(facts.async_handlers, found.handlers_in_async, facts):
            return False
        if found.calls_in_async is not None and not calls_named(facts, found.calls_in_async, project):
            return False
        return None


def _validate(rule: Type[Rule]) -> None:
    where = f"{rule.__module__}.{rule.__qualname__}"
    for attr in ("code", "name", "summary"):
        if not isinstance(getattr(rule, attr, None), str):
            raise RegistryError(f"{where}: missing `{attr}`")
    if not CODE_RE.match(rule.code):
        raise RegistryError(f"{where}: malformed code {rule.code!r}")
    if not NAME_RE.match(rule.name):
        raise RegistryError(f"{where}: rule name {rule.name!r} must be kebab-case")
    doc = rule.doc()
    missing = [h for h in DOC_HEADINGS if not re.search(rf"^## {re.escape(h)}\s*$", doc, re.M)]
    if missing:
        raise RegistryError(f"{where}: doc lacks the heading(s) {', '.join(missing)}")
    if rule.fix not in (None, "safe", "unsafe", "sometimes"):
        raise RegistryError(f"{where}: fix must be safe, unsafe, sometimes or None")


class Registry:
    def __init__(self, rules: Iterable[Type[Rule]]):
        self._by_code: Dict[str, Type[Rule]] = {}
        names: Dict[str, str] = {}
        for rule in rules:
            _validate(rule)
            if rule.code in self._by_code:
                other = self._by_code[rule.code]
                raise RegistryError(
                    f"rule code {rule.code} is declared twice: {other.__module__} and {rule.__module__}"
                )
            if rule.name in names:
                raise RegistryError(f"rule name {rule.name!r} is declared twice: {names[rule.name]} and {rule.code}")
            self._by_code[rule.code] = rule
            names[rule.name] = rule.code
        self._by_code = dict(sorted(self._by_code.items()))

    def __iter__(self) -> Iterator[Type[Rule]]:
        return iter(self._by_code.values())

    def __len__(self):
        return len(self._by_code)

    def __contains__(self, code):
        return code in self._by_code

    def get(self, code: str) -> Optional[Type[Rule]]:
        return self._by_code.get(code)

    @property
    def codes(self) -> List[str]:
        return list(self._by_code)

    def matching(self, selector: str) -> List[str]:
        """Codes a selector (a code or a prefix such as `AW1`, or `ALL`) names."""
        if selector == "ALL":
            return self.codes
        return [c for c in self._by_code if c.startswith(selector)]

    def is_known_selector(self, selector: str) -> bool:
        return bool(self.matching(selector))

    def resolve(
        self, select: Optional[Tuple[str, ...]], extend_select: Tuple[str, ...], ignore: Tuple[str, ...]
    ) -> Tuple[str, ...]:
        """Enabled codes. The most specific selector wins, so `--ignore AW1 --select AW100` keeps AW100."""
        enabled = []
        for code, rule in self._by_code.items():
            best_on = -1
            if select is None:
                if rule.default_enabled:
                    best_on = 0
            else:
                best_on = max((_spec(s) for s in select if _names(s, code)), default=-1)
            best_on = max([best_on] + [_spec(s) for s in extend_select if _names(s, code)])
            best_off = max((_spec(s) for s in ignore if _names(s, code)), default=-1)
            if best_on >= 0 and best_on > best_off:
                enabled.append(code)
        return tuple(enabled)


def _names(selector: str, code: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def _spec(selector: str) -> int:
    return 0 if selector == "ALL" else len(selector)


def _builtin_rules() -> List[Type[Rule]]:
    from . import rules as pkg

    found = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        mine = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type)
            and issubclass(obj, Rule)
            and obj.__module__ == module.__name__
            and "code" in vars(obj)
        ]
        if len(mine) != 1:
            raise RegistryError(f"{module.__name__} must define exactly one rule, found {len(mine)}")
        found.append(mine[0])
    return found


PLUGIN_GROUP = "awaitwise.rules"


def _may_declare_plugins() -> bool:
    """False only when no installed distribution can declare an `awaitwise.rules` entry point:
    every sys.path entry is a folder, none of its *.dist-info / *.egg-info folders has an
    entry_points.txt naming the group, and no import hook of its own lists distributions. Each
    run asks this first, since importing importlib.metadata (and the email package under it)
    costs more than the whole answer on a cached run."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if getattr(finder, "find_distributions", None) is not None and finder is not PathFinder:
            return True
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except NotADirectoryError:
            return True  # a zip archive on the path: let importlib.metadata read it
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8", errors="replace") as fh:
                    if PLUGIN_GROUP in fh.read():
                        return True
            except OSError:
                continue
    return False


def _plugin_rules() -> List[Type[Rule]]:
    if not _may_declare_plugins():
        return []
    if sys.version_info >= (3, 10):
        from importlib.metadata import entry_points

        eps = entry_points(group=PLUGIN_GROUP)
    else:  # pragma: no cover - 3.9
        from importlib.metadata import entry_points

        eps = entry_points().get(PLUGIN_GROUP, [])
    found = []
    for ep in eps:
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not take the tool down
            raise RegistryError(f"plugin entry point {ep.name!r} could not be loaded: {exc}") from None
        if not (isinstance(obj, type) and issubclass(obj, Rule)):
            raise RegistryError(f"plugin entry point {ep.name!r} does not name an awaitwise Rule class")
        found.append(obj)
    return found


_REGISTRY: Optional[Registry] = None


def get_registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry(_builtin_rules() + _plugin_rules())
    return _REGISTRY
