"""Release readiness, with the real tools: `python -m build` makes an sdist and a wheel (the wheel
built from the sdist, so the sdist holds what a build needs) that pass `twine check --strict`, hold
what they must (README, license, py.typed) and nothing of the tests, and install in a clean
virtualenv where the command works. The GitHub Action's step (.ci/action/action.yml) runs its
script from a copy of the project, as GitHub would from the action's checkout, and the README's
SARIF step runs with the installed command.

Each build and install takes a few seconds (the packages come from the configured index), so the
module is marked slow; the README's test command runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("build", reason="build is in the `test` extra")
pytest.importorskip("twine", reason="twine is in the `test` extra")
yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit, in the `test` extra")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PROJECT_FILES = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src", ".ci"]
BAD = "import time\n\n\nasync def tick():\n    time.sleep(1)\n"
CLEAN = "import asyncio\n\n\nasync def tick():\n    await asyncio.sleep(1)\n"


def _copy_project(dest: Path) -> Path:
    """The project's own files (what a checkout of the repository holds that a build reads),
    without caches, build leftovers or installed metadata."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ci-venv", ".awaitwise_cache")
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=skip)
        else:
            shutil.copy2(src, dest / name)
    return dest


def _run(*args, cwd=None, env=None, timeout=600):
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return proc


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    project = _copy_project(tmp_path_factory.mktemp("project"))
    out = tmp_path_factory.mktemp("dist")
    built = _run(sys.executable, "-m", "build", "--outdir", out, project, cwd=project, env=_clean_env())
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    sdists, wheels = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(p.name for p in out.iterdir())
    return sdists[0], wheels[0]


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory):
    """A fresh virtualenv with the wheel installed (its dependencies from the index)."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    made = _run(sys.executable, "-m", "venv", venv, env=_clean_env())
    assert made.returncode == 0, made.stderr
    pip = _run(
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        dists[1],
        env=_clean_env(),
    )
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    return venv


def test_twine_check_passes(dists):
    checked = _run(sys.executable, "-m", "twine", "check", "--strict", *dists)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_the_sdist_holds_what_a_build_needs_and_no_tests(dists):
    with tarfile.open(dists[0]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in (
        "pyproject.toml",
        "README.md",
        "PKG-INFO",
        "src/awaitwise/__init__.py",
        "src/awaitwise/py.typed",
        "src/awaitwise/LICENSE",
        "src/awaitwise/rules/blocking_sleep.py",
    ):
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("tests/", "fixtures/", ".ci/")) or "__pycache__" in n]
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "src" / "awaitwise").rglob("*.py")}
    assert sources <= names  # every module of the package


def test_the_wheel_holds_the_package_its_license_and_the_command(dists):
    with zipfile.ZipFile(dists[1]) as whl:
        names = set(whl.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = whl.read(info).decode()
        entry_points = whl.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert "awaitwise/py.typed" in names and "awaitwise/rules/blocking_sleep.py" in names
    assert any(n.endswith(".dist-info/licenses/src/awaitwise/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "fixtures/")) or "__pycache__" in n]
    assert "License-Expression: MIT" in metadata and "Requires-Python: >=3.9" in metadata
    assert "Description-Content-Type: text/markdown" in metadata
    assert "awaitwise = awaitwise.cli:run" in entry_points


def test_the_wheel_installs_and_runs_in_a_clean_venv(installed, tmp_path):
    import awaitwise

    version = _run(installed / "bin" / "awaitwise", "--version", env=_clean_env())
    assert version.returncode == 0 and version.stdout.strip() == f"awaitwise {awaitwise.__version__}"
    (tmp_path / "bad.py").write_text(BAD)
    checked = _run(installed / "bin" / "awaitwise", "check", "--no-cache", "bad.py", cwd=tmp_path, env=_clean_env())
    assert checked.returncode == 1 and "bad.py:5:5: AW100" in checked.stdout, checked.stdout + checked.stderr
    # it runs the installed copy, not this checkout
    where = _run(
        installed / "bin" / "python",
        "-c",
        "import awaitwise; print(awaitwise.__file__)",
        cwd=tmp_path,
        env=_clean_env(),
    )
    assert str(installed) in where.stdout and str(ROOT) not in where.stdout


# ---------------------------------------------------------------------------------------------
# the GitHub Action
# ---------------------------------------------------------------------------------------------

ACTION = yaml.safe_load((ROOT / ".ci" / "action" / "action.yml").read_text())


def test_action_yml_is_a_composite_action_that_passes_inputs_through_the_environment():
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    assert len(steps) == 1 and steps[0]["shell"] == "bash"
    assert steps[0]["run"] == 'bash "$GITHUB_ACTION_PATH/run.sh"'
    # inputs reach the script as environment variables, never spliced into the shell text
    assert "${{" not in steps[0]["run"]
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(steps[0]["env"])))
    assert used == set(ACTION["inputs"])
    for name, spec in ACTION["inputs"].items():
        assert spec.get("description") and "default" in spec, name


def _action_step_env(action_path: Path, runner_temp: Path, **inputs) -> dict:
    """The environment GitHub gives the action's step: its `env` with the inputs filled in."""
    values = {name: spec["default"] for name, spec in ACTION["inputs"].items()}
    values.update(inputs)
    env = _clean_env(GITHUB_ACTION_PATH=str(action_path), RUNNER_TEMP=str(runner_temp), GITHUB_ACTIONS="true")
    for key, template in ACTION["runs"]["steps"][0]["env"].items():
        env[key] = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], template)
    return env


@pytest.fixture(scope="module")
def action_checkout(tmp_path_factory):
    """The repository as GitHub checks out `owner/repo/.ci/action@ref`: the whole project."""
    return _copy_project(tmp_path_factory.mktemp("action-repo"))


def test_action_step_installs_awaitwise_and_annotates_findings(action_checkout, tmp_path):
    workspace = tmp_path / "workspace"
    (workspace / "app").mkdir(parents=True)
    (workspace / "app" / "bad.py").write_text(BAD)
    (workspace / "app" / "clean.py").write_text(CLEAN)
    (workspace / "docs").mkdir()
    (workspace / "docs" / "bad.py").write_text(BAD)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    step = ACTION["runs"]["steps"][0]
    env = _action_step_env(action_checkout / ".ci" / "action", runner_temp, args="app")
    found = _run("bash", "-c", step["run"], cwd=workspace, env=env)
    assert found.returncode == 1, found.stdout + found.stderr
    assert found.stdout.startswith("::error file=app/bad.py,line=5,col=5,"), found.stdout
    assert "title=AW100::" in found.stdout and "docs/" not in found.stdout
    # the install is reused within the job; a clean tree passes; the arguments are not globbed
    env = _action_step_env(action_checkout / ".ci" / "action", runner_temp, args="app/clean.py --select AW1*")
    clean = _run("bash", "-c", step["run"], cwd=workspace, env=env)
    assert clean.returncode == 2 and "AW1*" in clean.stderr, clean.stdout + clean.stderr  # not expanded by the shell
    env = _action_step_env(action_checkout / ".ci" / "action", runner_temp, args="app/clean.py --select AW1")
    clean = _run("bash", "-c", step["run"], cwd=workspace, env=env)
    assert clean.returncode == 0 and clean.stdout.strip() == "", clean.stdout + clean.stderr
    assert (runner_temp / "awaitwise-action-venv" / "awaitwise-source").read_text() == str(action_checkout)


# ---------------------------------------------------------------------------------------------
# the README's CI steps
# ---------------------------------------------------------------------------------------------


def _readme_ci_steps():
    section = README.split("\n## In CI\n", 1)[1].split("\n### pre-commit", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) == 2
    return [yaml.safe_load(textwrap.dedent(b)) for b in blocks]


def test_readme_action_step_names_this_action():
    steps = _readme_ci_steps()[0]
    uses = [s["uses"] for s in steps]
    assert uses[0].startswith("actions/checkout@") and uses[1].startswith("actions/setup-python@")
    repo_url = re.search(r'^Source = "https://github.com/([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert uses[2] == f"{repo_url.group(1)}/.ci/action@main"
    assert set(steps[2].get("with", {})) <= set(ACTION["inputs"])


def test_readme_sarif_step_runs(installed, tmp_path):
    """The SARIF step's script: the install line names this project's repository as a PEP 508
    direct reference (the index has no awaitwise; building from the source is what the action
    test proves), and its other commands run as written with the installed awaitwise."""
    from packaging.requirements import Requirement

    steps = _readme_ci_steps()[1]
    script = steps[0]["run"].strip().splitlines()
    install = script[0]
    assert install.startswith("python -m pip install ")
    requirement = Requirement(install.split("install ", 1)[1].strip('"'))
    repo_url = re.search(r'^Source = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert requirement.name == "awaitwise" and requirement.url == f"git+{repo_url}@main"
    (tmp_path / "bad.py").write_text(BAD)
    env = _clean_env(PATH=f"{installed / 'bin'}{os.pathsep}{os.environ['PATH']}")
    ran = _run("bash", "-euo", "pipefail", "-c", "\n".join(script[1:]), cwd=tmp_path, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr  # --exit-zero: the upload step runs next
    import json

    sarif = json.loads((tmp_path / steps[1]["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["ruleId"] == "AW100"
    assert steps[1]["uses"].startswith("github/codeql-action/upload-sarif@")
