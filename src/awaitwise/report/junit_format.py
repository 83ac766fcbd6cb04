"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines...).

One `<testsuite>` per file with findings, one failed `<testcase>` per finding (named by its code
and position, its class the file name); a file that could not be processed is a `<testcase>`
with an `<error>`. A run with neither is one passing test case, so the report is never empty.
Text from the analysed tree is shown as the text format shows it (`clean`): XML 1.0 cannot hold
most control characters even as character references, so they are written as visible escapes;
everything else is escaped by the XML writer.
"""

from __future__ import annotations

from typing import Dict, List, Sequence
from xml.etree import ElementTree as ET

from . import clean, clean_name

SUITES = "awaitwise"


def _text(s: str) -> str:
    # clean: controls and surrogates; the two non-characters XML 1.0 excludes as well
    return clean(s).replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")


def _name(s: str) -> str:
    return _text(clean_name(s))


def _suite(parent, name: str, tests: int, failures: int, errors: int):
    return ET.SubElement(
        parent, "testsuite", name=name, tests=str(tests), failures=str(failures), errors=str(errors), skipped="0"
    )


def document(diagnostics: Sequence, problems: Sequence[str] = ()) -> ET.Element:
    by_file: Dict[str, List] = {}
    for d in diagnostics:
        by_file.setdefault(d.filename, []).append(d)
    total = len(diagnostics) + len(problems)
    root = ET.Element(
        "testsuites", name=SUITES, tests=str(max(total, 1)), failures=str(len(diagnostics)), errors=str(len(problems))
    )
    for filename, found in by_file.items():
        shown = _name(filename)
        suite = _suite(root, shown, len(found), len(found), 0)
        for d in found:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{d.code} {d.location.row}:{d.location.column}",
                classname=shown,
                file=shown,
                line=str(d.location.row),
            )
            failure = ET.SubElement(case, "failure", message=_name(d.message), type=d.code)
            failure.text = f"{shown}:{d.location.row}:{d.location.column}: {d.code} {_text(d.message)}"
    if problems:
        suite = _suite(root, SUITES, len(problems), 0, len(problems))
        for p in problems:
            case = ET.SubElement(suite, "testcase", name="could not be processed", classname=SUITES)
            error = ET.SubElement(case, "error", message=_name(p), type="error")
            error.text = _name(p)
    if not total:
        suite = _suite(root, SUITES, 1, 0, 0)
        ET.SubElement(suite, "testcase", name="No errors found", classname=SUITES)
    return root


def render(diagnostics, registry, *, problems: Sequence[str] = (), **_) -> str:
    root = document(list(diagnostics), list(problems or ()))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
