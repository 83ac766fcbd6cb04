"""`--output-format sarif`: validated against the SARIF 2.1.0 JSON schema (vendored in tests/data,
the OASIS errata01 schema), and checked for what GitHub code scanning reads: rule help and links,
result locations, fixes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from awaitwise.cli import main
from awaitwise.registry import get_registry

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)

BLOCKING = textwrap.dedent("""\
    import time


    async def tick():
        time.sleep(1)
        x = "𝄞"; time.sleep(2)
""")


def sarif(tmp_path, monkeypatch, files, *args):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()  # click >= 8.2 keeps stdout apart
    result = runner.invoke(main, ["check", "--output-format", "sarif", "--no-cache", *args])
    log = json.loads(result.stdout)
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return result.exit_code, log


def test_the_vendored_schema_is_the_sarif_2_1_0_schema():
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    # and it does reject a malformed log, so the validation above means something
    assert list(VALIDATOR.iter_errors({"version": "2.1.0", "runs": [{"results": []}]}))
    assert list(VALIDATOR.iter_errors({"version": "2.0.0", "runs": []}))


def test_results_with_locations_and_fixes(tmp_path, monkeypatch):
    code, log = sarif(tmp_path, monkeypatch, {"pkg/tick.py": BLOCKING}, "pkg")
    assert code == 1
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    rules = run["tool"]["driver"]["rules"]
    results = [r for r in run["results"] if r["ruleId"] == "AW100"]
    assert len(results) == 2
    first, second = results
    assert rules[first["ruleIndex"]]["id"] == "AW100"
    assert first["level"] == "error"
    assert "time.sleep" in first["message"]["text"]
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/tick.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 18}
    # columns count code points (as columnKind says): 13 characters precede the call, one of them
    # outside the BMP (2 UTF-16 units, 4 UTF-8 bytes)
    assert second["locations"][0]["physicalLocation"]["region"]["startColumn"] == 14

    (fix,) = first["fixes"]
    assert fix["properties"]["applicability"] == "safe"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "pkg/tick.py"
    inserted = [r["insertedContent"]["text"] for r in change["replacements"]]
    assert "await asyncio.sleep(1)" in inserted
    assert any("import asyncio" in text for text in inserted)
    call = next(r for r in change["replacements"] if r["insertedContent"]["text"] == "await asyncio.sleep(1)")
    assert call["deletedRegion"] == loc["region"]


def test_rules_carry_help_and_the_docs_link(tmp_path, monkeypatch):
    _, log = sarif(tmp_path, monkeypatch, {"ok.py": "x = 1\n"}, "ok.py")
    (run,) = log["runs"]
    assert run["results"] == []
    driver = run["tool"]["driver"]
    assert driver["name"] == "awaitwise" and driver["version"]
    registry = get_registry()
    by_id = {r["id"]: r for r in driver["rules"]}
    assert list(by_id) == registry.codes
    for cls in registry:
        rule = by_id[cls.code]
        assert rule["name"] == cls.name
        assert rule["shortDescription"]["text"] == cls.summary
        assert rule["helpUri"] == cls.url()
        assert cls.doc() in rule["help"]["markdown"] and cls.doc() in rule["help"]["text"]
        assert rule["defaultConfiguration"]["enabled"] is cls.default_enabled
        assert rule["fullDescription"]["text"]


def test_parse_errors_and_absolute_paths(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "broken.py").write_text("def (:\n")
    inside = tmp_path / "inside"
    inside.mkdir()
    code, log = sarif(inside, monkeypatch, {"a.py": BLOCKING}, "a.py", str(outside / "broken.py"))
    assert code == 1
    (run,) = log["runs"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    broken = by_rule["AW001"]
    assert run["tool"]["driver"]["rules"][broken["ruleIndex"]]["id"] == "AW001"
    assert "fixes" not in broken
    uri = broken["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (outside / "broken.py").as_uri()}


def test_paths_are_uri_encoded(tmp_path, monkeypatch):
    _, log = sarif(tmp_path, monkeypatch, {"my dir/tick #1.py": BLOCKING}, ".")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"my%20dir/tick%20%231.py"}


def test_json_url_sarif_help_uri_and_rule_json_agree(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(BLOCKING)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    as_json = json.loads(runner.invoke(main, ["check", "--output-format", "json", "a.py"]).output)
    as_sarif = json.loads(runner.invoke(main, ["check", "--output-format", "sarif", "a.py"]).output)
    rule_json = json.loads(runner.invoke(main, ["rule", "AW100", "--output-format", "json"]).output)
    help_uri = {r["id"]: r.get("helpUri") for r in as_sarif["runs"][0]["tool"]["driver"]["rules"]}
    urls = {d["url"] for d in as_json if d["code"] == "AW100"}
    assert urls == {rule_json["url"]} == {help_uri["AW100"]}
    assert rule_json["url"].endswith("src/awaitwise/rules/README.md#aw100-blocking-sleep")


def test_files_that_could_not_be_processed_are_tool_notifications(tmp_path, monkeypatch):
    code, log = sarif(tmp_path, monkeypatch, {"a.py": BLOCKING}, "a.py", "missing.py")
    assert code == 2
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert "missing.py" in note["message"]["text"] and note["level"] == "error"
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["AW100", "AW100"]  # the rest of the run is there

    _, ok = sarif(tmp_path, monkeypatch, {}, "a.py")
    assert ok["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
