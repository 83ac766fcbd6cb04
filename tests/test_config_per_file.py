"""Settings per file, through the real command line: each file takes its nearest config
(awaitwise.toml before pyproject.toml in one folder, a pyproject.toml without [tool.awaitwise]
passed over), whatever the order of the paths; --config applies to every file; a config's paths
are relative to its folder; `requires-python` gives the default target; every key's type is
checked; flake8-async and ruff codes are accepted wherever codes are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TIMEOUT = 60

BLOCKING = textwrap.dedent("""\
    import time

    import requests


    async def tick():
        time.sleep(1)
        requests.get("https://example.invalid")
""")

GATHER = textwrap.dedent("""\
    import asyncio


    async def one():
        return 1


    async def main():
        return await asyncio.gather(one(), one())
""")


def aw(*args, cwd, stdin=None):
    """`awaitwise ARGS` in a subprocess (a run that takes longer than TIMEOUT fails the test)."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "awaitwise", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"awaitwise {' '.join(args)} did not finish in {TIMEOUT} s")


def aw_here(*args, cwd):
    """The same command in this process (the CLI's own code, without starting Python again), for
    the many small cases; a CompletedProcess-like result."""
    from click.testing import CliRunner

    from awaitwise.cli import main

    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def found(result):
    """{(filename, code)} of a run with --output-format json (which must have exited 0 or 1)."""
    assert result.returncode in (0, 1), (result.returncode, result.stdout, result.stderr)
    return {(d["filename"].replace("\\", "/"), d["code"]) for d in json.loads(result.stdout)}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def two_services(root: Path) -> Path:
    """svc_a ignores AW100 (and needs 3.11), svc_b ignores ruff's code for AW101 (ASYNC210)."""
    write(
        root / "svc_a" / "pyproject.toml",
        """\
        [project]
        name = "svc-a"
        requires-python = ">=3.11"

        [tool.awaitwise]
        ignore = ["AW100"]
        extend-select = ["AW401"]
    """,
    )
    write(
        root / "svc_b" / "pyproject.toml",
        """\
        [project]
        name = "svc-b"
        requires-python = ">=3.9"

        [tool.awaitwise]
        ignore = ["ASYNC210"]
        extend-select = ["AW401"]
    """,
    )
    for svc in ("svc_a", "svc_b"):
        write(root / svc / "app" / "__init__.py", "")
        write(root / svc / "app" / "main.py", BLOCKING)
        write(root / svc / "app" / "fan.py", GATHER)
    return root


def test_each_service_gets_its_own_settings_in_any_order(tmp_path):
    two_services(tmp_path)
    want = {
        ("svc_a/app/main.py", "AW101"),  # AW100 ignored in svc_a
        ("svc_a/app/fan.py", "AW401"),  # py311 from requires-python: TaskGroup fits
        ("svc_b/app/main.py", "AW100"),  # ASYNC210 = AW101 ignored in svc_b; py39: no TaskGroup
    }
    for order in (["svc_b", "svc_a"], ["svc_a", "svc_b"]):
        for cache in ([], ["--no-cache"], []):  # cold, uncached, then warm
            assert found(aw("check", "--output-format", "json", *cache, *order, cwd=tmp_path)) == want, (order, cache)
    # files given one by one, as pre-commit passes them, in both orders
    files = ["svc_b/app/main.py", "svc_a/app/main.py", "svc_a/app/fan.py", "svc_b/app/fan.py"]
    assert found(aw("check", "--output-format", "json", *files, cwd=tmp_path)) == want
    assert found(aw("check", "--output-format", "json", *reversed(files), cwd=tmp_path)) == want
    # each service alone, run from inside it
    assert found(aw("check", "--output-format", "json", cwd=tmp_path / "svc_a")) == {
        ("app/main.py", "AW101"),
        ("app/fan.py", "AW401"),
    }


def test_a_warm_run_notices_a_changed_config(tmp_path):
    two_services(tmp_path)
    first = found(aw("check", "--output-format", "json", "svc_a", "svc_b", cwd=tmp_path))
    assert ("svc_b/app/main.py", "AW100") in first
    write(tmp_path / "svc_b" / "pyproject.toml", '[tool.awaitwise]\nignore = ["AW1"]\n')
    second = found(aw("check", "--output-format", "json", "svc_a", "svc_b", cwd=tmp_path))
    assert second == {("svc_a/app/main.py", "AW101"), ("svc_a/app/fan.py", "AW401")}


def test_config_file_choice_in_one_folder_and_upwards(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.awaitwise]\nignore = ["AW101"]\n')
    write(tmp_path / "a.py", BLOCKING)
    # a pyproject.toml without our table is passed over: the one above applies
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "sub"\n')
    write(tmp_path / "sub" / "b.py", BLOCKING)
    # awaitwise.toml wins over the pyproject.toml of its folder (its keys at the top level)
    write(tmp_path / "other" / "pyproject.toml", '[tool.awaitwise]\nignore = ["AW101"]\n')
    write(tmp_path / "other" / "awaitwise.toml", 'ignore = ["AW100"]\n')
    write(tmp_path / "other" / "c.py", BLOCKING)
    # an empty awaitwise.toml is a config too: the defaults, not the parent's ignores
    write(tmp_path / "plain" / "awaitwise.toml", "")
    write(tmp_path / "plain" / "d.py", BLOCKING)
    assert found(aw("check", "--output-format", "json", "--no-cache", ".", cwd=tmp_path)) == {
        ("a.py", "AW100"),
        ("sub/b.py", "AW100"),
        ("other/c.py", "AW101"),
        ("plain/d.py", "AW100"),
        ("plain/d.py", "AW101"),
    }
    shown = json.loads(aw("check", "--show-settings", "other/c.py", cwd=tmp_path).stdout)
    assert shown["config_file"] == str(tmp_path / "other" / "awaitwise.toml")
    assert shown["project_root"] == str(tmp_path / "other")


def test_config_paths_are_relative_to_its_folder(tmp_path):
    write(
        tmp_path / "svc" / "pyproject.toml",
        """\
        [tool.awaitwise]
        exclude = ["generated/"]
        per-file-ignores = { "tests/*" = ["AW100", "ASYNC210"] }
    """,
    )
    write(tmp_path / "svc" / "tests" / "test_a.py", BLOCKING)
    write(tmp_path / "svc" / "generated" / "g.py", BLOCKING)
    write(tmp_path / "svc" / "app.py", BLOCKING)
    # a folder named like the patterns outside svc is not matched by them
    write(tmp_path / "tests" / "test_b.py", BLOCKING)
    got = found(aw("check", "--output-format", "json", "--no-cache", "svc", "tests", cwd=tmp_path))
    assert got == {
        ("svc/app.py", "AW100"),
        ("svc/app.py", "AW101"),
        ("tests/test_b.py", "AW100"),
        ("tests/test_b.py", "AW101"),
    }


def test_explicit_config_applies_to_every_file(tmp_path):
    two_services(tmp_path)
    write(tmp_path / "gate.toml", 'select = ["AW100"]\n')
    got = found(aw("check", "--output-format", "json", "--config", "gate.toml", "svc_a", "svc_b", cwd=tmp_path))
    assert got == {("svc_a/app/main.py", "AW100"), ("svc_b/app/main.py", "AW100")}


def test_command_line_options_apply_on_top_of_every_config(tmp_path):
    two_services(tmp_path)
    got = found(
        aw(
            "check",
            "--output-format",
            "json",
            "--ignore",
            "AW401",
            "--extend-select",
            "AW100",
            "svc_a",
            "svc_b",
            cwd=tmp_path,
        )
    )
    # --extend-select AW100 adds to svc_a's config, but its own ignore of AW100 still wins the tie
    assert got == {("svc_a/app/main.py", "AW101"), ("svc_b/app/main.py", "AW100")}


def test_settings_that_change_analysis_apply_per_config_in_one_shared_index(tmp_path):
    """A tests/awaitwise.toml changes the tests' settings, not their project: both configs share
    the project's index (the tests see app/), and each asks it with its own blocking-calls."""
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.awaitwise.blocking-calls]
        "vendor.load" = "use vendor.aload"
    """,
    )
    write(
        tmp_path / "tests" / "awaitwise.toml",
        """\
        [blocking-calls]
        "vendor.save" = "use vendor.asave"
    """,
    )
    write(tmp_path / "app" / "__init__.py", "")
    write(
        tmp_path / "app" / "helpers.py",
        """\
        import vendor


        def load_all():
            return vendor.load()


        def save_all():
            return vendor.save()
    """,
    )
    caller = """\
        from app.helpers import load_all, save_all


        async def handler():
            load_all()
            save_all()
    """
    write(tmp_path / "app" / "main.py", caller)
    write(tmp_path / "tests" / "test_main.py", caller)
    want = {("app/main.py", "AW110", 5), ("tests/test_main.py", "AW110", 6)}
    for args in (["--no-cache", "."], ["."], ["."], ["tests", "app"], ["tests/test_main.py", "app/main.py"]):
        r = aw("check", "--output-format", "json", *args, cwd=tmp_path)
        assert r.returncode == 1, (r.stdout, r.stderr)
        got = {(d["filename"], d["code"], d["location"]["row"]) for d in json.loads(r.stdout)}
        assert got == want, (args, got)
    # one cache, in the project's root, holds both configurations' results
    assert (tmp_path / ".awaitwise_cache").is_dir() and not (tmp_path / "tests" / ".awaitwise_cache").exists()


def test_coroutine_functions_apply_to_their_config_only(tmp_path):
    code = "import vendor\n\n\nasync def main():\n    vendor.fetch()\n"
    write(tmp_path / "a" / "pyproject.toml", '[tool.awaitwise]\ncoroutine-functions = ["vendor.fetch"]\n')
    write(tmp_path / "a" / "m.py", code)
    write(tmp_path / "b" / "pyproject.toml", '[tool.awaitwise]\nignore = ["AW1"]\n')
    write(tmp_path / "b" / "m.py", code)
    assert found(aw("check", "--output-format", "json", "b", "a", cwd=tmp_path)) == {("a/m.py", "AW200")}


def test_a_broken_config_in_one_service_leaves_the_others_checked(tmp_path):
    two_services(tmp_path)
    write(tmp_path / "svc_b" / "pyproject.toml", '[tool.awaitwise]\nselect = "AW1"\n')
    r = aw("check", "--output-format", "json", "svc_a", "svc_b", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert {d["filename"] for d in json.loads(r.stdout)} == {"svc_a/app/main.py", "svc_a/app/fan.py"}
    (line,) = [x for x in r.stderr.splitlines() if "svc_b" in x]
    assert line.startswith("awaitwise: error: svc_b: not checked: ")
    assert str(tmp_path / "svc_b" / "pyproject.toml") in line and "`select` must be a list of strings" in line
    # the config of the first path is checked before anything runs
    r = aw("check", "svc_b", "svc_a", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == "" and "`select` must be a list of strings, not a string" in r.stderr


def test_stdin_filename_picks_the_config_of_that_path(tmp_path):
    two_services(tmp_path)
    for svc, want in (("svc_a", {"AW101"}), ("svc_b", {"AW100"})):
        r = aw(
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            f"{svc}/app/new.py",
            "-",
            cwd=tmp_path,
            stdin=BLOCKING,
        )
        assert {d["code"] for d in json.loads(r.stdout)} == want, (svc, r.stdout, r.stderr)


# ---------------------------------------------------------------------------------------------
# requires-python
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec,target",
    [
        (">=3.11", "py311"),
        ("~=3.10", "py310"),
        (">=3.9,<4", "py39"),
        ("==3.12.*", "py312"),
        (">3.9", "py39"),
        ("<4, >= 3.13", "py313"),
        (">=3.6", "py38"),
        ("<3.13", "py39"),
    ],
)
def test_requires_python_gives_the_target_without_our_table(tmp_path, spec, target):
    write(tmp_path / "pyproject.toml", f'[project]\nname = "x"\nrequires-python = "{spec}"\n')
    write(tmp_path / "pkg" / "m.py", GATHER)
    r = aw_here("check", "--show-settings", "pkg/m.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["target_version"] == target


def test_requires_python_decides_version_dependent_rules(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\nrequires-python = ">=3.11"\n')
    write(tmp_path / "m.py", GATHER)
    assert found(aw("check", "--output-format", "json", "--select", "AW401", ".", cwd=tmp_path)) == {("m.py", "AW401")}
    assert (
        found(
            aw("check", "--output-format", "json", "--select", "AW401", "--target-version", "py310", ".", cwd=tmp_path)
        )
        == set()
    )


def test_awaitwise_toml_takes_the_target_of_the_pyproject_beside_it(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\nrequires-python = ">=3.12"\n')
    write(tmp_path / "awaitwise.toml", 'ignore = ["AW100"]\n')
    write(tmp_path / "m.py", GATHER)
    shown = json.loads(aw("check", "--show-settings", "m.py", cwd=tmp_path).stdout)
    assert shown["target_version"] == "py312" and shown["ignore"] == ["AW100"]


def test_unreadable_requires_python_in_our_pyproject_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nrequires-python = "3.11"\n[tool.awaitwise]\n')
    write(tmp_path / "m.py", GATHER)
    r = aw("check", "m.py", cwd=tmp_path)
    assert r.returncode == 2 and "`project.requires-python`: '3.11' is not a version specifier" in r.stderr
    # in a pyproject.toml that is not ours it only gives no target
    write(tmp_path / "pyproject.toml", '[project]\nrequires-python = "3.11"\n')
    r = aw("check", "--show-settings", "m.py", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["target_version"] == "py39"


# ---------------------------------------------------------------------------------------------
# the type of every key
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,needle",
    [
        ('select = "AW1"', '`select` must be a list of strings, not a string (write ["AW1"])'),
        ("ignore = [100]", "`ignore` must be a list of strings; item 1 is an integer"),
        ("extend-select = {AW1 = true}", "`extend-select` must be a list of strings, not a table"),
        ('exclude = "build"', "`exclude` must be a list of strings, not a string"),
        ('per-file-ignores = ["tests/*"]', "`per-file-ignores` must be a table of glob = [codes], not an array"),
        (
            'per-file-ignores = { "tests/*" = "AW100" }',
            "`per-file-ignores`.tests/* must be a list of strings, not a string",
        ),
        ("target-version = 311", "`target-version` must be a string, one of py38"),
        ('blocking-calls = ["x.y"]', '`blocking-calls` must be a table of "module.func" = "advice", not an array'),
        ('blocking-calls = { "x.y" = 1 }', "`blocking-calls`.x.y must be a string (the advice), not an integer"),
        ('coroutine-functions = "x.y"', "`coroutine-functions` must be a list of strings, not a string"),
        (
            'coroutine-functions = { "x.y" = false }',
            "`coroutine-functions`.x.y must be a string (a note), not a boolean",
        ),
        ('non-blocking-functions = [["x"]]', "`non-blocking-functions` must be a list of strings; item 1 is an array"),
        ("transitive-max-depth = true", "`transitive-max-depth` must be a positive integer, not a boolean"),
        ('transitive-max-depth = "8"', "`transitive-max-depth` must be a positive integer, not a string"),
        ("max-file-size = 1.5", '`max-file-size` must be a number of bytes or a size like "20MB", not a float'),
    ],
)
@pytest.mark.parametrize("where", ["pyproject.toml", "awaitwise.toml"])
def test_a_value_of_the_wrong_type_is_an_error_naming_key_and_file(tmp_path, body, needle, where):
    text = body if where == "awaitwise.toml" else "[tool.awaitwise]\n" + body
    path = write(tmp_path / where, text + "\n")
    write(tmp_path / "m.py", BLOCKING)
    # one case through a new process, the others in this one (the same command line code)
    run = aw if body.startswith("select") else aw_here
    r = run("check", "--no-cache", "m.py", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert f"awaitwise: error: {path}: {needle}" in r.stderr, r.stderr


# ---------------------------------------------------------------------------------------------
# codes of flake8-async and ruff
# ---------------------------------------------------------------------------------------------


def test_foreign_codes_on_the_command_line(tmp_path):
    write(tmp_path / "m.py", BLOCKING)
    assert found(aw("check", "--output-format", "json", "--ignore", "ASYNC251", "m.py", cwd=tmp_path)) == {
        ("m.py", "AW101")
    }
    assert found(aw("check", "--output-format", "json", "--select", "ASYNC210,ASYNC251", "m.py", cwd=tmp_path)) == {
        ("m.py", "AW100"),
        ("m.py", "AW101"),
    }
    # a prefix of flake8-async's codes stands for the rules equivalent to the codes under it
    assert found(aw("check", "--output-format", "json", "--select", "ASYNC21", "m.py", cwd=tmp_path)) == {
        ("m.py", "AW101")
    }
    assert found(aw("check", "--output-format", "json", "--ignore", "ASYNC", "m.py", cwd=tmp_path)) == set()
    shown = json.loads(aw("check", "--show-settings", "--ignore", "ASYNC251", "m.py", cwd=tmp_path).stdout)
    assert shown["ignore"] == ["AW100"]


def test_foreign_codes_in_config_keys(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.awaitwise]
        select = ["ASYNC2"]
        extend-select = ["RUF006"]
        per-file-ignores = { "legacy/*" = ["ASYNC251"] }
    """,
    )
    write(tmp_path / "m.py", BLOCKING)
    write(tmp_path / "legacy" / "old.py", BLOCKING)
    shown = json.loads(aw("check", "--show-settings", "m.py", cwd=tmp_path).stdout)
    assert shown["select"] == ["AW100", "AW101", "AW102", "AW103", "AW104"]
    assert shown["extend_select"] == ["AW400"] and shown["per_file_ignores"] == {"legacy/*": ["AW100"]}
    assert found(aw("check", "--output-format", "json", ".", cwd=tmp_path)) == {
        ("m.py", "AW100"),
        ("m.py", "AW101"),
        ("legacy/old.py", "AW101"),
    }


def test_a_flake8_async_code_without_equivalent_is_a_warning(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.awaitwise]\nignore = ["ASYNC100", "ASYNC251"]\n')
    write(tmp_path / "m.py", BLOCKING)
    r = aw("check", "--output-format", "json", "m.py", cwd=tmp_path)
    assert found(r) == {("m.py", "AW101")}  # the exit code is left to the findings
    assert (
        f"awaitwise: warning: {tmp_path / 'pyproject.toml'}: `ignore`: `ASYNC100` (flake8-async) has no "
        "awaitwise equivalent; it selects nothing"
    ) in r.stderr
    r = aw("check", "--output-format", "json", "--select", "ASYNC9", "m.py", cwd=tmp_path)
    assert found(r) == set() and r.returncode == 0
    assert (
        "awaitwise: warning: --select: `ASYNC9` covers only flake8-async codes with no awaitwise equivalent" in r.stderr
    )


@pytest.mark.parametrize("code", ["ASYNC999", "RUF", "RUF007", "E501"])
def test_a_code_of_no_tool_is_still_an_error(tmp_path, code):
    write(tmp_path / "m.py", BLOCKING)
    r = (aw if code == "ASYNC999" else aw_here)("check", "--ignore", code, "m.py", cwd=tmp_path)
    assert r.returncode == 2 and f"--ignore: unknown rule code or prefix `{code}`" in r.stderr, r.stderr


def test_fix_applies_each_services_settings(tmp_path):
    two_services(tmp_path)
    r = aw("fix", "svc_b", "svc_a", cwd=tmp_path)
    assert r.returncode == 1, (r.stdout, r.stderr)  # AW101 (no safe fix) is left in svc_a
    assert "await asyncio.sleep(1)" in (tmp_path / "svc_b" / "app" / "main.py").read_text()
    assert (tmp_path / "svc_a" / "app" / "main.py").read_text() == BLOCKING  # AW100 is ignored there


def test_python_api_check_paths_takes_each_files_config(tmp_path, monkeypatch):
    import awaitwise

    two_services(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = awaitwise.check_paths(["svc_b", "svc_a"])
    assert {(d.filename, d.code) for d in report.diagnostics} == {
        ("svc_a/app/main.py", "AW101"),
        ("svc_a/app/fan.py", "AW401"),
        ("svc_b/app/main.py", "AW100"),
    }
    # explicit settings still apply to every file
    report = awaitwise.check_paths(["svc_b", "svc_a"], settings={"select": ["AW100"]})
    assert {(d.filename, d.code) for d in report.diagnostics} == {
        ("svc_a/app/main.py", "AW100"),
        ("svc_b/app/main.py", "AW100"),
    }


def test_a_project_with_many_configs_keeps_the_warm_state_of_each(tmp_path):
    """Every configuration of the run keeps its stored project state and results, however many
    share the project's cache folder, so the next run starts warm for all of them."""
    write(tmp_path / "pyproject.toml", '[tool.awaitwise]\nextend-select = ["AW110"]\n')
    write(tmp_path / "a.py", BLOCKING)
    for n in range(7):
        write(tmp_path / f"part{n}" / "awaitwise.toml", f'ignore = ["AW10{n}"]\n')
        write(tmp_path / f"part{n}" / "m.py", BLOCKING)
    for path in tmp_path.rglob("*.py"):  # settled files: a run trusts their stat, writes nothing for them
        os.utime(path, (path.stat().st_atime - 3600, path.stat().st_mtime - 3600))
    first = aw("check", "--output-format", "json", ".", cwd=tmp_path)
    cache = tmp_path / ".awaitwise_cache"
    assert len(list(cache.glob("state-*.bin"))) == 8 and len(list(cache.glob("results-*.bin"))) == 8
    assert ("part0/m.py", "AW101") in found(first) and ("part1/m.py", "AW101") not in found(first)
    # one config changes: its files build the index again while the others' states hold; those
    # states are kept (the changed config's old state is the one dropped)
    write(tmp_path / "part0" / "awaitwise.toml", 'ignore = ["AW101"]\n')
    second = aw("check", "--output-format", "json", ".", cwd=tmp_path)
    assert ("part0/m.py", "AW101") not in found(second) and ("part0/m.py", "AW100") in found(second)
    assert len(list(cache.glob("state-*.bin"))) == 8
