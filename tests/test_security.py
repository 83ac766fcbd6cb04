"""awaitwise never imports, executes or evaluates the code it reads or the values of its config;
plugins come only from installed entry points; text output escapes control characters so source
text cannot drive the user's terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from awaitwise import registry
from awaitwise.cli import main

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _hostile_tree(root: Path, marker: Path) -> None:
    """Files whose import, execution or evaluation would create `marker`."""
    touch = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')"
    (root / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [tool.awaitwise]
        extend-select = ["AW1", "AW2", "AW3", "AW4"]
        coroutine-functions = ["evil.make"]
        [tool.awaitwise.blocking-calls]
        "evil.fetch" = "{touch.replace('"', "'")}"
        """)
    )
    pkg = root / "evil"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(f"{touch}\nimport time\n\nasync def make():\n    time.sleep(1)\n")
    (pkg / "__main__.py").write_text(touch + "\n")
    (pkg / "fetch.py").write_text(f"{touch}\n\ndef fetch():\n    return 1\n")
    (root / "setup.py").write_text(touch + "\n")
    (root / "conftest.py").write_text(touch + "\n")
    (root / "sitecustomize.py").write_text(touch + "\n")
    (root / "app.py").write_text(
        textwrap.dedent(f"""\
        from evil import make
        from evil.fetch import fetch
        import evil.fetch as ef


        class Meta(type):
            def __new__(mcs, *a):
                {touch}
                return super().__new__(mcs, *a)


        async def main(x: "__import__('os').system('touch {marker}')" = {touch}):
            make()
            ef.fetch()
            value = eval("{touch.replace('"', "'")}")
            return f"{{__import__('os')}}"


        if __name__ == "__main__":
            {touch}
        """)
    )
    # names that would shadow awaitwise's own imports if the analysed folder were on sys.path
    for shadow in ("click", "libcst", "tomllib", "tomli", "awaitwise", "json", "pickle"):
        (root / f"{shadow}.py").write_text(touch + "\n")


SPY = """
import sys
events = []
root = sys.argv[1]

def hook(event, args):
    if event == "import" and args[1] and str(args[1]).startswith(root):
        events.append(("import", str(args[1])))
    elif event == "exec" and getattr(args[0], "co_filename", "").startswith(root):
        events.append(("exec", args[0].co_filename))
    elif event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn"):
        events.append((event, repr(args)[:200]))

sys.addaudithook(hook)
from awaitwise.cli import main
code = 0
try:
    main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
print("EVENTS=" + repr(events), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--no-cache", "."],
        ["check", "."],  # with the cache and the project index
        ["fix", "--unsafe-fixes", "--no-cache", "."],
        ["check", "--no-cache", "--jobs", "2", "--output-format", "json", "."],
    ],
)
def test_analysed_code_and_config_values_are_never_run(tmp_path, args):
    """An audit hook watches every code object executed out of the analysed folder (a module
    import executes one), every process spawned and every system() call. None may happen; `marker` must never appear."""
    root = tmp_path / "project"
    root.mkdir()
    marker = tmp_path / "PWNED"
    _hostile_tree(root, marker)
    # (`python -c` puts its working folder on sys.path, so it runs from the parent folder)
    args = [a if a != "." else "project" for a in args]
    proc = subprocess.run(
        [sys.executable, "-c", SPY, str(root), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    events = [ln for ln in proc.stderr.splitlines() if ln.startswith("EVENTS=")]
    assert events == ["EVENTS=[]"], proc.stderr
    assert not marker.exists(), marker.read_text()
    assert proc.returncode in (0, 1), proc.stderr
    if args[0] == "check" and "json" not in args:
        assert "app.py" in proc.stdout  # it did analyse the hostile files


def test_console_script_does_not_import_from_the_working_folder(tmp_path):
    """Running the installed `awaitwise` command inside a project with click.py, libcst.py ...
    imports the real packages, never the project's files."""
    root = tmp_path / "project"
    root.mkdir()
    marker = tmp_path / "PWNED"
    _hostile_tree(root, marker)
    script = Path(sys.executable).with_name("awaitwise")
    if not script.exists():
        pytest.skip("no console script next to the interpreter")
    proc = subprocess.run([str(script), "check", "--no-cache", "."], cwd=root, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    assert not marker.exists()


# ----------------------------------------------------------------------------------------------
# Plugins
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["plugins", "plugin-paths", "rules", "load"])
def test_config_cannot_name_plugin_files(tmp_path, key):
    marker = tmp_path / "PWNED"
    (tmp_path / "myrule.py").write_text(f"open({str(marker)!r}, 'w')\n")
    (tmp_path / "pyproject.toml").write_text(f'[tool.awaitwise]\n{key} = ["./myrule.py", "myrule"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--no-cache", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 2 and f"unknown key `{key}`" in proc.stderr
    assert not marker.exists()


def test_plugins_come_only_from_entry_points(monkeypatch, tmp_path):
    """The registry asks importlib.metadata for the `awaitwise.rules` group and nothing else: with
    no entry points, rule modules lying next to the analysed code or on a config path are not seen."""
    calls = []
    import importlib.metadata as md

    real = md.entry_points

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(md, "entry_points", spy)
    (tmp_path / "awaitwise_rules.py").write_text("raise SystemExit('loaded')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = registry.Registry(registry._builtin_rules() + registry._plugin_rules())
    # importlib.metadata is asked only for the group (and not at all when no distribution names it)
    assert all(kwargs.get("group") == "awaitwise.rules" or args == () for args, kwargs in calls)
    assert bool(calls) == registry._may_declare_plugins()
    assert {c.__module__.split(".")[0] for c in reg} <= {"awaitwise"} | {
        ep.value.split(":")[0].split(".")[0] for ep in _entry_points()
    }
    assert "awaitwise_rules" not in sys.modules


def _entry_points():
    import importlib.metadata as md

    try:
        return list(md.entry_points(group="awaitwise.rules"))
    except TypeError:  # pragma: no cover - 3.9
        return list(md.entry_points().get("awaitwise.rules", []))


# ----------------------------------------------------------------------------------------------
# Terminal escapes
# ----------------------------------------------------------------------------------------------

ESC_SOURCE = "import time\nimport mylib\n\n\nasync def f():\n    time.sleep(1)\n    mylib.fetch('\x1b]0;owned\x07')\n"


def test_control_characters_never_reach_the_terminal_raw(tmp_path):
    """From a file name, a config value shown in a message, a parse error, an error line."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.awaitwise]\nextend-select = ["AW109"]\n'
        '[tool.awaitwise.blocking-calls]\n"mylib.fetch" = "use \\u001b[2J\\u001b]0;owned\\u0007 afetch \\u009b31m"\n'
    )
    evil_name = "evil\x1b[31mname.py" if sys.platform != "win32" else "evil.py"
    (tmp_path / evil_name).write_text(ESC_SOURCE)
    (tmp_path / "broken.py").write_bytes(b"x = 1 \x1b[31m\n")
    (tmp_path / "binary.py").write_bytes(b"\x1b[2J\x00")
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for fmt in ("text", "github"):
            result = runner.invoke(main, ["check", "--no-cache", "--output-format", fmt, "."])
            assert result.exit_code == 2
            for stream in (result.stdout, result.stderr):
                assert not CONTROL.search(stream.replace("\n", "")), repr(stream)
            assert "AW109" in result.stdout and "\\x1b" in result.stdout
        result = runner.invoke(main, ["check", "--no-cache", "--output-format", "json", "."])
        items = json.loads(result.stdout)  # JSON escapes them its own way; the data stays exact
        assert any("\x1b[2J" in item["message"] for item in items)
        assert not re.search(r"[\x00-\x1f]", result.stdout.replace("\n", ""))
    finally:
        os.chdir(cwd)


def test_the_plugin_precheck_finds_every_declaring_distribution(monkeypatch, tmp_path):
    site = tmp_path / "site"
    (site / "other-1.0.dist-info").mkdir(parents=True)
    (site / "other-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    (site / "bare-1.0.dist-info").mkdir()  # no entry points at all
    monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "missing")])
    assert registry._may_declare_plugins() is False
    (site / "acme-1.0.dist-info").mkdir()
    (site / "acme-1.0.dist-info" / "entry_points.txt").write_text("[awaitwise.rules]\nACME100 = acme:Rule\n")
    assert registry._may_declare_plugins() is True
    (site / "acme-1.0.dist-info" / "entry_points.txt").unlink()
    (site / "old.egg-info").mkdir()
    (site / "old.egg-info" / "entry_points.txt").write_text("[awaitwise.rules]\nOLD1 = old:Rule\n")
    assert registry._may_declare_plugins() is True
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(sys, "path", [str(archive)])  # importlib.metadata reads archives; so must we
    assert registry._may_declare_plugins() is True


def test_an_import_hook_that_lists_distributions_is_asked(monkeypatch):
    class Finder:
        @staticmethod
        def find_spec(*args):
            return None

        @staticmethod
        def find_distributions(*args, **kwargs):
            return iter(())

    monkeypatch.setattr(sys, "path", [])
    assert registry._may_declare_plugins() is False
    monkeypatch.setattr(sys, "meta_path", [Finder] + sys.meta_path)
    assert registry._may_declare_plugins() is True
