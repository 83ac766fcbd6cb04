"""Third-party rules: a real plugin package is pip-installed (into a throwaway target folder put on
PYTHONPATH) and awaitwise, run as a separate process, must treat its rules like built-in ones:
registry, selection, noqa, docs, every output format and the fix loop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from plugin_support import PLUGIN_URL, write_plugin

pytestmark = pytest.mark.slow  # a real pip install and a dozen awaitwise processes: ~20 s


SAMPLE = textwrap.dedent("""\
    counter = 0


    async def handler():
        global counter
        print("started")
        print("quiet")  # noqa: ACME100
        print("also quiet")  # noqa: ACME


    def main():
        print("sync code is fine")
""")


def _pip_install(project: Path, target: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
    if _can_build_in_place():
        cmd.append("--no-build-isolation")  # else pip fetches setuptools from the package index
    proc = subprocess.run(cmd + [str(project)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _can_build_in_place() -> bool:
    """setuptools that can build a wheel is importable here (newer ones have bdist_wheel built in)."""
    try:
        import setuptools
    except ImportError:
        return False
    try:
        import wheel  # noqa: F401

        return True
    except ImportError:
        return tuple(int(p) for p in setuptools.__version__.split(".")[:2]) >= (70, 1)


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    """Environment variables for a subprocess that sees the installed plugin."""
    base = tmp_path_factory.mktemp("plugin")
    project = write_plugin(base / "src")
    target = base / "site"
    _pip_install(project, target)
    assert list(target.glob("acme_awaitwise-1.0.dist-info/entry_points.txt")), "pip did not install the entry points"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(target)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def run(env, *args, cwd=None, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "awaitwise", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        input=stdin,
        timeout=120,
    )


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(SAMPLE)
    return path


def test_plugin_rules_are_in_the_registry_and_docs(plugin_env):
    table = run(plugin_env, "rule", "--output-format", "json")
    assert table.returncode == 0, table.stderr
    rules = {r["code"]: r for r in json.loads(table.stdout)}
    assert rules["ACME100"]["name"] == "print-in-coroutine"
    assert rules["ACME100"]["default_enabled"] is True and rules["ACME100"]["fix"] == "safe"
    assert rules["ACME101"]["default_enabled"] is False
    assert "AW100" in rules  # the built-in rules are still there

    one = run(plugin_env, "rule", "acme100", "--output-format", "json")
    assert json.loads(one.stdout)["url"] == PLUGIN_URL
    text = run(plugin_env, "rule", "ACME100")
    assert "## Why is this bad?" in text.stdout and "print-in-coroutine" in text.stdout
    everything = run(plugin_env, "rule", "--all")
    assert "## ACME100 print-in-coroutine" in everything.stdout
    assert "### Fix safety" in everything.stdout

    # The generated docs of this repository list built-in rules only: a plugin never makes them stale.
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from awaitwise import docs; sys.exit('ACME100' in docs.render_all(docs.builtin_registry()))",
        ],
        env=plugin_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr


def test_plugin_rule_reports_with_noqa_and_selection(plugin_env, sample):
    out = run(plugin_env, "check", "--output-format", "json", "--no-cache", str(sample), cwd=sample.parent)
    assert out.returncode == 1, out.stderr
    found = json.loads(out.stdout)
    # line 6 only: the noqa'd lines (by code and by prefix) and the sync function are silent;
    # ACME101 is off by default.
    assert [(d["code"], d["location"]["row"]) for d in found] == [("ACME100", 6)]
    assert found[0]["url"] == PLUGIN_URL
    assert found[0]["fix"]["applicability"] == "safe"

    both = run(plugin_env, "check", "--output-format", "json", "--extend-select", "ACME1", "app.py", cwd=sample.parent)
    assert sorted((d["code"], d["location"]["row"]) for d in json.loads(both.stdout)) == [
        ("ACME100", 6),
        ("ACME101", 5),
    ]

    none = run(plugin_env, "check", "--ignore", "ACME", "app.py", cwd=sample.parent)
    assert none.returncode == 0, none.stdout + none.stderr

    (sample.parent / "pyproject.toml").write_text('[tool.awaitwise]\nselect = ["ACME101"]\n')
    cfg = run(plugin_env, "check", "--output-format", "json", "app.py", cwd=sample.parent)
    assert [d["code"] for d in json.loads(cfg.stdout)] == ["ACME101"]

    sarif = run(plugin_env, "check", "--output-format", "sarif", "app.py", cwd=sample.parent)
    log = json.loads(sarif.stdout)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ACME100"]["helpUri"] == PLUGIN_URL  # the class's docs_url
    assert "helpUri" not in rules["ACME101"]  # no docs_url: no link into awaitwise's own docs
    assert rules["ACME101"]["defaultConfiguration"]["enabled"] is False
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["ACME101"]


def test_plugin_fix_goes_through_the_fix_loop(plugin_env, sample):
    out = run(plugin_env, "fix", "--no-cache", "app.py", cwd=sample.parent)
    assert out.returncode == 0, out.stdout + out.stderr
    fixed = sample.read_text()
    assert fixed.startswith("import logging\n")
    assert '    logging.info("started")\n' in fixed
    assert 'print("quiet")  # noqa: ACME100' in fixed
    assert 'print("sync code is fine")' in fixed
    again = run(plugin_env, "fix", "app.py", cwd=sample.parent)
    assert again.returncode == 0 and sample.read_text() == fixed

    stdin = run(plugin_env, "fix", "--stdin-filename", "app.py", "-", cwd=sample.parent, stdin=SAMPLE)
    assert stdin.stdout == fixed


def test_a_broken_plugin_is_a_clear_error(tmp_path, plugin_env):
    # A second distribution whose entry point names a class that does not exist. Its metadata is
    # the installed plugin's, renamed (the real install is what the tests above exercise).
    site = Path(plugin_env["PYTHONPATH"].split(os.pathsep)[0])
    broken = tmp_path / "site" / "broken_awaitwise-1.0.dist-info"
    broken.mkdir(parents=True)
    metadata = (site / "acme_awaitwise-1.0.dist-info" / "METADATA").read_text()
    (broken / "METADATA").write_text(metadata.replace("Name: acme-awaitwise", "Name: broken-awaitwise"))
    (broken / "entry_points.txt").write_text("[awaitwise.rules]\nBRK100 = acme_awaitwise.rules:NotThere\n")
    env = dict(plugin_env)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), env["PYTHONPATH"]])
    (tmp_path / "a.py").write_text("x = 1\n")
    out = run(env, "check", "a.py", cwd=tmp_path)
    assert out.returncode == 2
    assert "BRK100" in out.stderr and "Traceback" not in out.stderr
