"""Installed packages: the environment is found without running it, the distributions the
project reaches are summarised from their source, the summaries are cached per distribution and
version, and AW110 and the coroutine rules follow them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from awaitwise import api
from awaitwise.config import Settings
from awaitwise.environment import Installed, find_environment, from_path, read_distribution
from library_support import install, make_venv, site_packages, uninstall, write_project

BLOCKY = {
    "blocky/__init__.py": """
        from .client import Client, make, connect
        from ._aio import fetch
    """,
    "blocky/client.py": """
        import importlib
        import ssl

        def _load_spec(path):
            with open(path) as f:
                return f.read()

        class Client:
            def __init__(self, spec="spec.json"):
                self.spec = _load_spec(spec)

            def plugin(self, name):
                return importlib.import_module(name)

            def read_cached(self, path=None):
                if path is not None:
                    return _load_spec(path)
                return None

            async def aclose(self):
                pass

        _SPEC = None

        def spec():
            global _SPEC
            if _SPEC is None:  # filled once: later calls do not block
                _SPEC = _load_spec("spec.json")
            return _SPEC

        def make():
            return ssl.create_default_context()

        def connect(host, verify=True):
            if verify:
                return make()
            return host
    """,
    "blocky/_aio.py": """
        async def fetch(url):
            return url

        def sync_fetch(url):
            return url
    """,
}


@pytest.fixture(scope="session")
def venv(tmp_path_factory):
    folder = make_venv(tmp_path_factory.mktemp("env") / "venv")
    install(folder, "blocky", "1.0", BLOCKY)
    return folder


def check(project: Path, venv: Path, cache: bool = True, **settings):
    """The diagnostics of `awaitwise check .` in `project` with `--python venv`."""
    settings = dict(settings, python=str(venv))
    here = os.getcwd()
    os.chdir(project)  # settings given as a table: the project is found from the working folder
    try:
        result = api.check_paths([str(project)], settings=settings, cache=cache)
    finally:
        os.chdir(here)
    assert not result.errors, result.errors
    return sorted((Path(d.filename).name, d.location.row, d.code, d.message) for d in result.diagnostics)


APP = """
    import blocky
    from blocky import Client, fetch

    def setup():
        return Client()

    async def handler():
        setup()
        c = Client()
        c.plugin("x")
        c.read_cached()
        c.read_cached("p")
        fetch("u")
        blocky.make()
        blocky.connect("h", verify=False)
        blocky.connect("h")
        c.aclose()
        blocky.client.spec()
"""


def test_chains_into_an_installed_package(tmp_path, venv):
    project = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    found = check(project, venv)
    by_line = {row: (code, message) for _, row, code, message in found}
    # a project helper that calls a blocking constructor of the package
    code, message = by_line[9]
    assert code == "AW110"
    assert message.startswith(
        "setup() blocks the event loop: setup → blocky.client.Client.__init__ → _load_spec"
        " → open() (blocky/client.py:6)"
    )
    assert "the chain leaves the project at blocky.client.Client.__init__ (installed package blocky 1.0)" in message
    # the constructor called in the coroutine itself
    assert by_line[10][0] == "AW110"
    assert "Client() blocks the event loop: blocky.client.Client.__init__" in by_line[10][1]
    # an import at call time
    assert "importlib.import_module() (blocky/client.py:14)" in by_line[11][1]
    # a branch the call cannot take (path is None) is not reported; the one it can take is
    assert 12 not in by_line
    assert by_line[13][0] == "AW110" and "_load_spec → open()" in by_line[13][1]
    # an `async def` of the package, without any catalog entry
    assert by_line[14][0] == "AW200" and "fetch()" in by_line[14][1]
    assert "ssl.create_default_context() (blocky/client.py:33)" in by_line[15][1]
    # verify=False: the blocking branch is not taken; the default takes it
    assert 16 not in by_line
    assert "connect → make → ssl.create_default_context()" in by_line[17][1]
    # a coroutine method of a package class, on an object the project made
    assert by_line[18][0] == "AW200" and "c.aclose()" in by_line[18][1]
    # a memo the package fills once (path conditions and memo checks apply inside packages)
    assert 19 not in by_line
    assert set(by_line) == {9, 10, 11, 13, 14, 15, 17, 18}


def test_without_the_environment_nothing_is_known(tmp_path, venv):
    project = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    empty = make_venv(tmp_path / "empty")
    assert check(project, empty) == []


def test_non_blocking_functions_and_depth_cut_library_functions(tmp_path, venv):
    project = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    found = check(project, venv, **{"non-blocking-functions": ["blocky.client._load_spec"]})
    lines = {row for _, row, code, _ in found if code == "AW110"}
    assert 9 not in lines and 10 not in lines and 13 not in lines and 11 in lines
    shallow = check(project, venv, **{"transitive-max-depth": 1})
    lines = {row for _, row, code, _ in shallow if code == "AW110"}
    assert lines == {11, 15}  # one function deep: only the package's own direct blocking calls


def test_a_chain_through_two_distributions_and_a_framework(tmp_path):
    env = make_venv(tmp_path / "venv")
    install(
        env,
        "lowlevel",
        "2.0",
        {
            "lowlevel/__init__.py": """
        def read_config(path):
            return open(path).read()
    """
        },
    )
    install(
        env,
        "highlevel",
        "1.0",
        {
            "highlevel/__init__.py": """
        from lowlevel import read_config

        def start():
            return read_config("x.cfg")
    """
        },
    )
    # a framework's own helpers wait on purpose (worker threads): they never count
    install(
        env,
        "anyio",
        "9.0",
        {
            "anyio/__init__.py": """
        import threading

        def run_in_worker(e):
            threading.Event().wait()
            return open("x").read()
    """
        },
    )
    project = write_project(
        tmp_path / "proj",
        {
            "app.py": """
        import anyio
        import highlevel

        async def main():
            highlevel.start()
            highlevel.read_config("p")
            anyio.run_in_worker(1)
    """
        },
    )
    found = check(project, env)
    assert [(row, code) for _, row, code, _ in found] == [(6, "AW110"), (7, "AW110")]
    message = found[0][3]
    assert "highlevel.start → lowlevel.read_config" not in message  # only the boundary is spelled in full
    assert message.startswith(
        "highlevel.start() blocks the event loop: highlevel.start → read_config → open() (lowlevel/__init__.py:3)"
    )


def test_summaries_are_cached_per_version_and_validated(tmp_path, monkeypatch):
    env = make_venv(tmp_path / "venv")
    install(env, "blocky", "1.0", BLOCKY)
    project = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    folder = xdg / "awaitwise" / "libraries"

    from awaitwise import libraries

    built = []
    original = libraries.Libraries._build
    monkeypatch.setattr(
        libraries.Libraries, "_build", lambda self, dist: built.append(dist.version) or original(self, dist)
    )

    first = check(project, env)
    assert built == ["1.0"] and len(list(folder.glob("blocky_1.0-*.bin"))) == 1
    # another project, same environment: the summary is read, not built
    other = write_project(tmp_path / "other", {"o.py": "from blocky import make\n\nasync def f():\n    make()\n"})
    assert [code for _, _, code, _ in check(other, env)] == ["AW110"]
    assert built == ["1.0"]
    # a new version is a new summary
    install(env, "blocky", "1.1", {**BLOCKY, "blocky/_aio.py": "def fetch(url):\n    return url\n"})
    second = check(project, env)
    assert built == ["1.0", "1.1"]
    assert [r for r in first if r[1] == 14] and not [r for r in second if r[1] == 14]  # fetch() is sync in 1.1
    # a corrupted file is deleted and built again, never trusted
    (path,) = folder.glob("blocky_1.1-*.bin")
    path.write_bytes(path.read_bytes()[:-7] + b"garbage")
    assert check(project, env) == second  # an unchanged project and environment: nothing is read
    assert built == ["1.0", "1.1"]
    (project / "app" / "main.py").write_text((project / "app" / "main.py").read_text() + "\nX = 1\n")
    assert check(project, env) == second
    assert built == ["1.0", "1.1", "1.1"]
    # --no-cache: neither read nor written
    for p in folder.iterdir():
        p.unlink()
    check(project, env, cache=False)
    assert built == ["1.0", "1.1", "1.1", "1.1"] and list(folder.iterdir()) == []


def test_a_modified_copy_is_not_stored_as_the_real_distribution(tmp_path, monkeypatch):
    env = make_venv(tmp_path / "venv")
    install(env, "blocky", "1.0", BLOCKY)
    # the file on disk no longer has the hash its RECORD lists
    (site_packages(env) / "blocky" / "_aio.py").write_text("def fetch(url):\n    return url\n")
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    project = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    check(project, env)
    from awaitwise.environment import Installed as Inst
    from awaitwise.libraries import Libraries

    (dist,) = [d for d in Inst(find_environment(Settings(python=str(env)))).distributions() if d.name == "blocky"]
    libs = Libraries(find_environment(Settings(python=str(env))), Settings(python=str(env)))
    stored = [p.name for p in (xdg / "awaitwise" / "libraries").iterdir()]
    assert stored and libs._file_name(dist, dist.record_digest) not in stored


def test_a_corrupt_summary_of_the_right_name_fails_the_schema_check(tmp_path, monkeypatch):
    from awaitwise.cache import Bundle
    from awaitwise.libraries import Libraries

    env = make_venv(tmp_path / "venv")
    install(env, "blocky", "1.0", BLOCKY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    settings = Settings(python=str(env))
    libs = Libraries(find_environment(settings), settings)
    (dist,) = [d for d in libs.installed.distributions() if d.name == "blocky"]
    folder = libs._folder()
    bundle = Bundle(os.path.join(folder, libs._file_name(dist, dist.record_digest)))
    bundle.put("summary", {"version": "1", "name": "blocky", "dist_version": "1.0", "modules": {"blocky": 3}})
    bundle.save()
    summary = libs.summary(dist)  # authentic, but not a summary: built again
    assert summary is not None and libs.built == ["blocky 1.0"] and libs.loaded == []
    assert libs.is_coroutine("blocky.fetch") and not libs.is_coroutine("blocky._aio.sync_fetch")


# --- finding the environment -------------------------------------------------------------------


def test_discovery_order(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    dot_venv = make_venv(root / ".venv")
    plain_venv = make_venv(root / "venv")
    active = make_venv(tmp_path / "active")
    chosen = make_venv(tmp_path / "chosen")
    settings = Settings(project_root=str(root))
    env = {"VIRTUAL_ENV": str(active)}
    chosen_settings = Settings(project_root=str(root), python=str(chosen / "bin" / "python"))
    assert find_environment(chosen_settings, env).prefix == str(chosen)
    assert find_environment(settings, env).how == "VIRTUAL_ENV"
    assert find_environment(settings, {}).prefix == str(dot_venv)
    import shutil

    shutil.rmtree(dot_venv)
    assert find_environment(settings, {}).prefix == str(plain_venv)
    shutil.rmtree(plain_venv)
    found = find_environment(settings, {})
    assert found.how == "interpreter" and all(os.path.isdir(d) for d in found.site_dirs)
    assert find_environment(settings, {}).site_dirs == tuple(
        os.path.abspath(p)
        for p in dict.fromkeys(
            p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and os.path.isdir(p)
        )
    )


def test_layouts_without_running_anything(tmp_path):
    # an interpreter path that is not even executable: only the folders around it are read
    prefix = tmp_path / "env"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python").write_text("#!/bin/false\n")
    for minor in ("10", "12"):
        (prefix / "lib" / f"python3.{minor}" / "site-packages").mkdir(parents=True)
    (prefix / "pyvenv.cfg").write_text("version = 3.10.4\n")
    assert from_path(str(prefix / "bin" / "python"), "x").site_dirs == (
        str(prefix / "lib" / "python3.10" / "site-packages"),
    )
    (prefix / "pyvenv.cfg").unlink()
    assert [Path(d).parent.name for d in from_path(str(prefix), "x").site_dirs] == ["python3.12", "python3.10"]
    windows = tmp_path / "win"
    (windows / "Lib" / "site-packages").mkdir(parents=True)
    (windows / "Scripts").mkdir()
    windows_env = from_path(str(windows / "Scripts" / "python.exe"), "x")
    assert windows_env.site_dirs == (str(windows / "Lib" / "site-packages"),)
    # include-system-site-packages adds the base installation's folders after the venv's own
    base = tmp_path / "base"
    (base / "bin").mkdir(parents=True)
    (base / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    venv = tmp_path / "v"
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {base / 'bin'}\ninclude-system-site-packages = true\nversion = 3.11.2\n")
    assert from_path(str(venv), "x").site_dirs == (
        str(venv / "lib" / "python3.11" / "site-packages"),
        str(base / "lib" / "python3.11" / "site-packages"),
    )


def test_distributions_from_their_metadata(tmp_path):
    env = make_venv(tmp_path / "venv")
    install(
        env,
        "My.Package",
        "3.2.1",
        {
            "mypkg/__init__.py": "",
            "mypkg/core.py": "x = 1\n",
            "mypkg/core.pyi": "x: int\n",
            "mypkg/_speedups.pyi": "def f() -> int: ...\n",
            "single.py": "",
            "mypkg/tests/test_x.py": "",
        },
    )
    site = site_packages(env)
    dist = read_distribution(str(site), "My_Package-3.2.1.dist-info")
    assert (dist.name, dist.version, dist.key) == ("My.Package", "3.2.1", "my-package")
    assert dist.modules["mypkg.core"] == "mypkg/core.py"  # the implementation, not its stub
    assert dist.modules["mypkg._speedups"] == "mypkg/_speedups.pyi"  # a stub where nothing else ships
    assert dist.tops() == ("mypkg", "single")
    installed = Installed(find_environment(Settings(python=str(env))))
    assert installed.owner("mypkg.core.thing").name == "My.Package"
    assert installed.owner("unknown.x") is None
    # no RECORD: top_level.txt and the folders it names
    install(env, "norecord", "1", {"nr/__init__.py": "", "nr/a.py": ""}, record=False)
    dist = read_distribution(str(site), "norecord-1.dist-info")
    assert set(dist.modules) == {"nr", "nr.a"}
    uninstall(env, "norecord")
    assert not (site / "norecord-1.dist-info").exists()


def test_the_config_key_and_the_option(tmp_path, venv):
    project = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    (project / "pyproject.toml").write_text(f'[tool.awaitwise]\npython = "{os.path.relpath(venv, project)}"\n')
    result = api.check_paths([str(project)])
    assert any(d.code == "AW110" for d in result.diagnostics)
    import subprocess

    r = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--no-cache", "--verbose", "--python", str(venv), "."],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "AW110" in r.stdout
    assert f"installed packages: {venv}" in r.stderr and "blocky 1.0" in r.stderr
    bad = tmp_path / "bad"
    write_project(bad, {"x.py": ""})
    (bad / "pyproject.toml").write_text("[tool.awaitwise]\npython = 3\n")
    r = subprocess.run([sys.executable, "-m", "awaitwise", "check", "."], cwd=bad, capture_output=True, text=True)
    assert r.returncode == 2 and "`python`" in r.stderr and "Traceback" not in r.stderr


def test_concurrent_runs_share_one_summary(tmp_path):
    """Two runs building the same summary at once: both succeed, and the file they leave is whole."""
    import subprocess

    env = make_venv(tmp_path / "venv")
    install(env, "blocky", "1.0", BLOCKY)
    projects = [write_project(tmp_path / f"p{i}", {"app/__init__.py": "", "app/main.py": APP}) for i in range(2)]
    xdg = tmp_path / "xdg"
    run_env = dict(os.environ, XDG_CACHE_HOME=str(xdg))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "awaitwise", "check", "--python", str(env), "."],
            cwd=p,
            env=run_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in projects
    ]
    outs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outs
    assert outs[0][0] == outs[1][0] and "AW110" in outs[0][0]
    stored = list((xdg / "awaitwise" / "libraries").glob("blocky_1.0-*.bin"))
    assert len(stored) == 1 and not list((xdg / "awaitwise" / "libraries").glob(".tmp-*"))
    r = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--no-cache", "--verbose", "--python", str(env), "."],
        cwd=projects[0],
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert outs[0][0] == r.stdout


def test_clean_deletes_the_summaries(tmp_path, venv):
    import subprocess

    project = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    run_env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    aw = [sys.executable, "-m", "awaitwise"]
    subprocess.run(
        aw + ["check", "--python", str(venv), "."], cwd=project, env=run_env, capture_output=True, check=False
    )
    folder = tmp_path / "xdg" / "awaitwise" / "libraries"
    assert list(folder.iterdir()) and (project / ".awaitwise_cache").is_dir()
    r = subprocess.run(aw + ["clean"], cwd=project, env=run_env, capture_output=True, text=True, check=False)
    assert r.returncode == 0 and "removed 1 package summaries" in r.stdout
    assert list(folder.iterdir()) == [] and not (project / ".awaitwise_cache").exists()
    shown = subprocess.run(
        aw + ["check", "--show-settings", "--python", str(venv), "."],
        cwd=project,
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )
    import json

    data = json.loads(shown.stdout)["environment"]
    assert data["prefix"] == str(venv) and data["site_packages"] == [str(site_packages(venv))]
    assert data["summaries_cache"] == str(folder)


def test_a_package_the_analysis_cannot_read_is_left_unknown(tmp_path):
    env = make_venv(tmp_path / "venv")
    install(env, "blocky", "1.0", BLOCKY)
    deep = "x = " + "(" * 200 + "1" + ")" * 200 + "\n"  # past ast's nesting limit: that module is unparsed
    install(
        env,
        "odd",
        "0.1",
        {"odd/__init__.py": deep + "def f():\n    return open('x')\n", "odd/bad.py": "def broken(:\n"},
    )
    project = write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/main.py": APP
            + "\n"
            + """
        import odd

        async def other():
            odd.f()
    """,
        },
    )
    found = check(project, env)
    assert {code for _, _, code, _ in found} == {"AW110", "AW200"}


def test_coroutine_rules_know_the_package_async_defs(tmp_path, venv):
    project = write_project(
        tmp_path / "proj",
        {
            "jobs.py": """
        import asyncio

        from blocky import fetch
        from blocky._aio import sync_fetch

        async def main():
            asyncio.create_task(fetch)
            if fetch("u"):
                pass
            sync_fetch("u")
    """
        },
    )
    found = {(row, code) for _, row, code, _ in check(project, venv)}
    # create_task(fetch): the function, not a coroutine (and the task is dropped); `if fetch(...)`:
    # a coroutine used as a bool; the sync function of the same package is none of these
    assert found == {(8, "AW203"), (8, "AW400"), (9, "AW202")}


def test_a_spawned_worker_gets_the_same_summaries(tmp_path, venv):
    """Pickled (a worker started by spawning), the summaries are read again before the screening
    tokens are answered."""
    import pickle

    from awaitwise.libraries import Libraries

    settings = Settings(python=str(venv))
    libs = Libraries(find_environment(settings), settings)
    libs.reach([("blocky",)])
    copy = pickle.loads(pickle.dumps(libs))
    assert copy.loaded_summaries() == []
    assert copy.coroutine_names() == libs.coroutine_names() and "fetch" in copy.coroutine_names()
    assert copy.blocking_names() == libs.blocking_names() and "Client" in copy.blocking_names()


def test_packages_read_in_workers_give_the_same_findings(tmp_path, venv, monkeypatch):
    """The files of packages without a stored summary are extracted in worker processes first
    (libraries._prefetch); the findings are those of reading each file in this process, and the
    summary's own extraction is skipped for every file the workers read."""
    from awaitwise import libraries, project

    project_dir = write_project(tmp_path / "proj", {"app/__init__.py": "", "app/main.py": APP})
    alone = check(project_dir, venv, cache=False)
    read_here = []
    real_extract = libraries.extract

    def counting(path, text, screen=True):
        read_here.append(path)
        return real_extract(path, text, screen=screen)

    monkeypatch.setattr(libraries, "extract", counting)
    monkeypatch.setattr(libraries, "_PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(project, "_POOL_MIN_FILES", 1)
    pooled = check(project_dir, venv, cache=False)
    assert pooled == alone and any(code == "AW110" for _, _, code, _ in alone)
    assert read_here == []  # every package file came from the workers
