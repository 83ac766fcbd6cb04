"""Every code block of the README is checked: run, or parsed and validated against the real
program. Commands are parsed by the real command line (an unknown option or command fails), config
snippets are loaded by the real config loader, YAML/JSON/TOML must parse, Python must compile (the
API example runs), and editor snippets must be balanced and name real options. The blocks that
need an install are run elsewhere: the pre-commit snippet in test_precommit.py, the CI steps in
test_release.py, the console example in test_docs.py.

A block in a language nobody checks fails here, so a new snippet cannot go unchecked."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import sys
from pathlib import Path

import click
import pytest

from awaitwise.cli import main
from awaitwise.config import load_file
from awaitwise.registry import PLUGIN_GROUP, get_registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# (language, text) of every fenced block, nested ones (inside a list item) included
BLOCKS = [(m.group(2), m.group(3)) for m in re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", README, re.S | re.M)]


def _ids():
    return [f"{i}-{lang or 'plain'}" for i, (lang, _) in enumerate(BLOCKS)]


def _awaitwise_args(args):
    """Parse `awaitwise ARGS` with the real command line without running it (`--help` added at
    the end: click parses every option first, then prints the help); a UsageError for an unknown
    command or option, or a bad value."""
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [*args, "--help"])
    if result.exit_code != 0:
        raise click.UsageError(result.output.strip().splitlines()[-1] if result.output.strip() else repr(result))


def _commands(text: str):
    """The simple commands of a shell block: each line split on `&&`, `;`, `|` and redirections
    (what follows `<` or `>` is a file name, dropped), comments removed."""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "$ ")):
            continue
        words = shlex.split(line, comments=True)
        command: list = []
        skip_next = False
        for word in words + ["&&"]:
            if skip_next:
                skip_next = False
                continue
            if word in ("&&", ";", "|", "||"):
                if command:
                    yield command
                command = []
            elif word in ("<", ">", ">>"):
                skip_next = True
            else:
                command.append(word)


def _check_command(words):
    program = os.path.basename(words[0])
    if program == "awaitwise":
        args = [w for w in words[1:] if not re.fullmatch(r"\[[A-Z]+\.\.\.\]", w)]  # `[PATHS...]` placeholders
        _awaitwise_args(args)
    elif program in ("python", "python3"):
        assert words[1] == "-m", words
        module = words[2]
        if module == "venv":
            assert words[3:] and not words[3].startswith("-")
        elif module == "pip":
            _check_pip(words[3:])
        elif module == "pytest":
            markers = PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]
            for i, word in enumerate(words[3:-1], 3):
                if word == "-m":
                    for name in re.findall(r"\w+", words[i + 1]):
                        assert name in ("not", "and", "or") or any(m.startswith(name + ":") for m in markers), name
        elif module.startswith("awaitwise"):
            assert (ROOT / "src" / (module.replace(".", "/") + ".py")).is_file() or module == "awaitwise", module
        else:
            raise AssertionError(f"README runs an unknown module: {words}")
    elif program == "pip":
        _check_pip(words[1:])
    else:
        raise AssertionError(f"README runs a command nobody checks: {words}")


def _check_pip(args):
    from packaging.requirements import Requirement

    assert args[0] == "install", args
    for arg in args[1:]:
        if arg.startswith("-"):
            assert arg in ("-e", "--quiet", "-q", "--upgrade", "-U"), arg
            continue
        if arg.startswith("."):
            extras = re.fullmatch(r"\.(?:\[([\w,]+)\])?", arg)
            assert extras, arg
            for extra in (extras.group(1) or "").split(","):
                assert not extra or extra in PYPROJECT["project"]["optional-dependencies"], extra
            continue
        requirement = Requirement(arg)  # a direct reference to this repository
        assert requirement.name == PYPROJECT["project"]["name"]
        assert requirement.url and requirement.url.startswith("git+" + PYPROJECT["project"]["urls"]["Source"] + "@")


def _balanced(text: str) -> None:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for char in re.sub(r'"(?:\\.|[^"\\])*"', '""', text):
        if char in "([{":
            stack.append(char)
        elif char in pairs:
            assert stack and stack.pop() == pairs[char], text
    assert not stack, text


def _options_of_check_and_fix():
    return {opt for name in ("check", "fix") for p in main.commands[name].params for opt in p.opts}


@pytest.mark.parametrize("lang,text", BLOCKS, ids=_ids())
def test_readme_block_is_checked(lang, text, tmp_path, monkeypatch):
    if lang == "console":
        assert text.startswith("$ ")  # run and compared in test_docs.py
    elif lang == "sh":
        commands = list(_commands(text))
        assert commands, text
        for words in commands:
            try:
                _check_command(words)
            except click.UsageError as exc:
                pytest.fail(f"README command {' '.join(words)!r}: {exc}")
    elif lang == "toml":
        data = tomllib.loads(text)
        if "tool" in data and "awaitwise" in data["tool"]:
            (tmp_path / "pyproject.toml").write_text(text)
            assert load_file(str(tmp_path / "pyproject.toml"), get_registry())  # a valid config
        elif "project" in data:
            assert list(data["project"]["entry-points"]) == [PLUGIN_GROUP]
        else:
            assert data, text
    elif lang == "yaml":
        yaml = pytest.importorskip("yaml")
        data = yaml.safe_load(text)
        assert isinstance(data, (list, dict)), text
        if isinstance(data, dict) and "repos" in data:
            hooks = {h["id"] for r in data["repos"] for h in r["hooks"]}
            declared = set(re.findall(r"^- id: (\S+)", (ROOT / ".pre-commit-hooks.yaml").read_text(), re.M))
            assert hooks <= declared
    elif lang == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = json.loads("{" + text + "}")  # a fragment of a settings file
        for option in re.findall(r"(--[a-z][a-z-]+)", text):
            assert option in _options_of_check_and_fix(), option
        assert data
    elif lang == "python":
        tree = ast.parse(text)
        if any(isinstance(n, ast.Import) and n.names[0].name == "awaitwise" for n in tree.body):
            monkeypatch.chdir(tmp_path)
            (tmp_path / "src").mkdir()
            exec(compile(tree, "README.md", "exec"), {"__name__": "readme"})  # the API example runs
    elif lang in ("lua", "elisp"):
        _balanced(text)
        options = set(re.findall(r'"(--[a-z][a-z-]+)"', text))
        assert options <= _options_of_check_and_fix(), options - _options_of_check_and_fix()
        assert re.search(r'"(check|fix|server)"', text), text
    elif lang == "text":  # a sample of the output, shown without the setup that produces it
        for line in text.splitlines():
            assert re.match(r"^\S+:\d+:\d+: AW\d{3} \S", line), line
            code = line.split(": ", 2)[1].split()[0]
            assert get_registry().get(code) is not None, code
    else:
        pytest.fail(f"README has a ```{lang} block that no test checks:\n{text}")


def test_the_block_scanner_sees_every_block():
    assert len(BLOCKS) == README.count("```") // 2
    langs = {lang for lang, _ in BLOCKS}
    assert {"sh", "toml", "yaml", "python", "console"} <= langs


def test_a_bad_command_fails_the_check():
    with pytest.raises(click.UsageError):
        _awaitwise_args(["check", "--no-such-option"])
    with pytest.raises(click.UsageError):
        _awaitwise_args(["chekc"])
    with pytest.raises(AssertionError):
        _check_command(["python", "-m", "pip", "install", "awaitwise"])  # not on any index
    _awaitwise_args(["fix", "--exit-zero", "--stdin-filename", "x.py", "-"])
