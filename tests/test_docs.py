"""Rule docs and the README: generated parts are current, every rule is documented with the five
headings, every diagnostic's URL lands on its rule's section, and the README's examples are true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from awaitwise import docs
from awaitwise.cli import main
from awaitwise.config import _KEYS
from awaitwise.noqa import EQUIVALENT
from awaitwise.registry import DOC_HEADINGS, DOCS_URL, get_registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BUILTIN = docs.builtin_registry()


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a markdown heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_generated_docs_are_current():
    stale = docs.stale_files(str(ROOT))
    assert not stale, f"stale: {stale}; regenerate with `python -m awaitwise.docs`"


def test_stale_detection_notices_a_change(tmp_path):
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    assert docs.main(["--root", str(tmp_path)]) == 0  # writes the rules reference and the README tables
    assert docs.stale_files(str(tmp_path)) == []
    assert docs.main(["--root", str(tmp_path), "--check"]) == 0
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text().replace("| blocking-sleep |", "| blocking-nap |"))
    (tmp_path / docs.RULES_MD).write_text("# old\n")
    assert sorted(docs.stale_files(str(tmp_path))) == sorted([str(readme), str(tmp_path / docs.RULES_MD)])
    assert docs.main(["--root", str(tmp_path), "--check"]) == 1
    assert docs.main(["--root", str(tmp_path)]) == 0
    assert docs.stale_files(str(tmp_path)) == []


@pytest.mark.parametrize("cls", list(BUILTIN), ids=lambda c: c.code)
def test_every_rule_doc_has_the_five_headings_in_order(cls):
    headings = re.findall(r"^## (.+?)\s*$", cls.doc(), re.M)
    assert headings == list(DOC_HEADINGS)
    for heading in DOC_HEADINGS:
        body = re.search(rf"^## {re.escape(heading)}\s*\n(.*?)(?=^## |\Z)", cls.doc(), re.M | re.S).group(1)
        assert body.strip(), f"{cls.code}: `{heading}` is empty"


def test_rules_md_has_a_section_per_rule_at_its_url():
    text = (ROOT / docs.RULES_MD).read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    anchors = {github_anchor(s.splitlines()[0]): s for s in sections}
    for cls in BUILTIN:
        url = cls.url()
        assert url.startswith(DOCS_URL) and "src/awaitwise/rules/README.md#" in url
        section = anchors.get(url.split("#", 1)[1])
        assert section is not None, f"{cls.code}: {url} names no heading of the rules reference"
        assert re.findall(r"^### (.+?)\s*$", section, re.M) == list(DOC_HEADINGS)


def test_readme_table_lists_every_rule_with_its_link():
    table = README.split(docs.README_START)[1].split(docs.README_END)[0]
    rows = [line for line in table.splitlines() if line.startswith("| [")]
    assert [re.match(r"\| \[(\w+)\]", r).group(1) for r in rows] == BUILTIN.codes
    for cls, row in zip(BUILTIN, rows):
        assert f"]({cls.url()})" in row and f" {cls.name} " in row


def test_readme_noqa_map_matches_the_suppression_table():
    table = README.split(docs.NOQA_START)[1].split(docs.NOQA_END)[0]
    rows = {
        line.split("|")[1].strip(): line.split("|")[3].strip()
        for line in table.splitlines()
        if re.match(r"\| [A-Z]+\d+ ", line)
    }
    assert rows == {code: ", ".join(sorted(ours)) for code, ours in EQUIVALENT.items()}
    assert all(docs.FOREIGN_CODES.get(code) for code in EQUIVALENT), "describe every foreign code"


def test_rule_all_is_the_rules_page():
    out = CliRunner().invoke(main, ["rule", "--all"])
    assert out.exit_code == 0
    assert out.output.rstrip("\n") == docs.render_all(get_registry()).rstrip("\n")


def test_rule_text_and_json():
    runner = CliRunner()
    text = runner.invoke(main, ["rule", "aw100"])
    assert text.exit_code == 0
    assert text.output.startswith("# AW100 blocking-sleep")
    assert "## Fix safety" in text.output and get_registry().get("AW100").url() in text.output
    unknown = runner.invoke(main, ["rule", "AW999"])
    assert unknown.exit_code == 2


def test_readme_setup_commands():
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/awaitwise check fixtures/demo" in README
    assert "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest" in README
    assert (ROOT / "fixtures" / "demo").is_dir()


def test_readme_options_exist():
    runner = CliRunner()
    helps = "".join(runner.invoke(main, [cmd, "--help"]).output for cmd in ("check", "fix", "rule"))
    mentioned = set(re.findall(r"`(--[a-z][a-z-]+)", README))
    missing = sorted(opt for opt in mentioned if opt not in helps)
    assert not missing, f"README mentions options the CLI does not have: {missing}"


def test_readme_config_keys_are_the_real_ones():
    section = README.split("## Configuration")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", section, re.M))
    assert documented == set(_KEYS)


def test_readme_console_example_is_real_output(tmp_path, monkeypatch):
    block = README.split("```console\n", 1)[1].split("```", 1)[0]
    source = block.split("$ cat app/tick.py\n", 1)[1].split("$ ", 1)[0]
    expected = block.split("$ awaitwise check app/\n", 1)[1]
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "tick.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["check", "--no-cache", "app/"])
    assert out.exit_code == 1
    assert out.output == expected


def test_precommit_hooks_file():
    yaml = (ROOT / ".pre-commit-hooks.yaml").read_text()
    hooks = re.findall(r"^- id: (\S+)\n(.*?)(?=^- id: |\Z)", yaml, re.M | re.S)
    by_id = dict(hooks)
    assert set(by_id) == {"awaitwise", "awaitwise-fix"}
    assert "entry: awaitwise check" in by_id["awaitwise"]
    assert "entry: awaitwise fix" in by_id["awaitwise-fix"]
    for body in by_id.values():
        assert "language: python" in body and "types: [python]" in body
