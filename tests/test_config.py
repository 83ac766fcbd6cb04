"""Settings: precedence, validation with file and key in the message, selection semantics."""

from __future__ import annotations

import pytest

from awaitwise.config import ConfigError, Settings, resolve_settings
from awaitwise.registry import get_registry

REG = get_registry()


def write(tmp_path, body):
    p = tmp_path / "pyproject.toml"
    p.write_text(body)
    return p


def test_defaults_pyproject_cli_precedence(tmp_path):
    write(tmp_path, '[project]\nrequires-python = ">=3.11"\n[tool.awaitwise]\nignore = ["AW100"]\n')
    (tmp_path / "pkg").mkdir()
    s = resolve_settings([str(tmp_path / "pkg")], None, {}, REG)
    assert s.ignore == ("AW100",)
    assert s.target_version == "py311"  # inferred from requires-python
    assert s.project_root == str(tmp_path)
    assert "AW100" not in s.enabled_codes(REG)
    s = resolve_settings([str(tmp_path)], None, {"select": ("AW100",), "target_version": "py312"}, REG)
    assert s.select == ("AW100",) and s.target_version == "py312"
    # CLI --select is more specific than nothing, but the configured ignore of the same code wins ties
    assert "AW100" not in s.enabled_codes(REG)


@pytest.mark.parametrize(
    "body,needle",
    [
        ('[tool.awaitwise]\nselct = ["AW1"]\n', "unknown key `selct`"),
        ('[tool.awaitwise]\nselect = ["AW999"]\n', "unknown rule code or prefix `AW999`"),
        ('[tool.awaitwise]\nper-file-ignores = {"t/*" = ["XX1"]}\n', "per-file-ignores"),
        ('[tool.awaitwise]\ntarget-version = "py27"\n', "target-version"),
        ('[tool.awaitwise]\nblocking-calls = {"not a name" = "x"}\n', "blocking-calls"),
        ("[tool.awaitwise\n", "invalid TOML"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path, body, needle):
    p = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        resolve_settings([str(tmp_path)], None, {}, REG)
    assert needle in str(info.value)
    assert str(p) in str(info.value)


def test_selection_most_specific_wins():
    assert REG.resolve(None, (), ()) == tuple(c.code for c in REG if c.default_enabled)
    assert "AW100" in REG.resolve(("AW100",), (), ("AW1",))
    assert "AW100" not in REG.resolve(("AW1",), (), ("AW100",))
    assert REG.resolve(("AW1",), (), ()) == tuple(c for c in REG.codes if c.startswith("AW1"))


def test_naming_a_prefix_enables_off_by_default_rules():
    off = [c.code for c in REG if not c.default_enabled]
    for code in off:
        assert code not in REG.resolve(None, (), ())
        assert code in REG.resolve(None, (code[:3],), ())


def test_fingerprint_changes_with_settings():
    assert Settings().fingerprint() == Settings().fingerprint()
    assert Settings().fingerprint() != Settings(ignore=("AW100",)).fingerprint()


def test_explicit_config_file(tmp_path):
    cfg = tmp_path / "aw.toml"
    cfg.write_text('select = ["AW100"]\n')
    s = resolve_settings(["."], str(cfg), {}, REG)
    assert s.select == ("AW100",)
    with pytest.raises(ConfigError, match="not found"):
        resolve_settings(["."], str(tmp_path / "missing.toml"), {}, REG)


def test_coroutine_functions_as_list_or_table(tmp_path):
    write(tmp_path, '[tool.awaitwise]\ncoroutine-functions = ["mylib.fetch"]\n')
    assert resolve_settings([str(tmp_path)], None, {}, REG).coroutine_functions == ("mylib.fetch",)
    write(
        tmp_path,
        '[tool.awaitwise.coroutine-functions]\n"mylib.fetch" = "returns a coroutine"\n"mylib.Client().get" = ""\n',
    )
    assert resolve_settings([str(tmp_path)], None, {}, REG).coroutine_functions == ("mylib.fetch", "mylib.Client().get")
