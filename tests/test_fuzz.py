"""Property-based tests: whatever text or YAML an editor saves, loading gives a result or a
diagnostic with a file and line, never an exception."""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from hypothesis import given, settings, strategies as st

from gazette_build.config import load_config
from gazette_build.content import load_document
from gazette_build.errors import Report
from gazette_build.frontmatter import decode_text
from gazette_build.model import Document
from gazette_build.yamlschema import load_mapping

ROOT = Path("/site")
PATH = ROOT / "content/2024/01/doc.md"
ISSUE = {"year": 2024, "number": 1, "date": dt.date(2024, 3, 5)}

yaml_scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none(),
                         st.dates().map(dt.date.isoformat))
yaml_values = st.recursive(yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=10)
field_names = st.sampled_from(["title", "number", "date", "issuer", "section", "disclosure",
                               "notes", "titel", "", "date:", "- x"])
yamlish = st.lists(st.tuples(field_names, yaml_values), max_size=8).map(
    lambda pairs: "\n".join(f"{key}: {value!r}" for key, value in pairs))


def _assert_located(report: Report, lines: int) -> None:
    for diagnostic in report.diagnostics:
        assert diagnostic.path and diagnostic.field and diagnostic.message
        assert 1 <= diagnostic.line <= max(lines, 1) + 2


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_is_a_document_or_a_diagnostic(text):
    report = Report(ROOT)
    doc = load_document(PATH, text.encode("utf-8", "surrogatepass"), ISSUE, _config(), report)
    assert doc is None and report.errors or isinstance(doc, Document)
    _assert_located(report, text.count("\n") + 1)


@settings(max_examples=300, deadline=None)
@given(yamlish, st.text(max_size=100))
def test_random_front_matter_is_a_document_or_a_diagnostic(front, body):
    text = f"---\n{front}\n---\n{body}"
    report = Report(ROOT)
    doc = load_document(PATH, text.encode("utf-8", "surrogatepass"), ISSUE, _config(), report)
    assert doc is None and report.errors or isinstance(doc, Document)
    _assert_located(report, text.count("\n") + 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}'\"\n #&*!|>%@`\t,?") + ["年", "〔"]),
               max_size=200))
def test_random_yaml_gives_a_mapping_or_a_diagnostic(text):
    report = Report(ROOT)
    entries = load_mapping(text, PATH, 2, report)
    assert (entries is None) == bool(report.errors) or entries is not None
    _assert_located(report, text.count("\n") + 2)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_decode_or_are_refused(data):
    report = Report(ROOT)
    text = decode_text(data, PATH, report)
    assert (text is None) == bool(report.errors)


@settings(max_examples=100, deadline=None)
@given(yamlish)
def test_random_site_yaml_is_a_config_or_a_diagnostic(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("site")
    (root / "site.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    report = Report(root)
    config = load_config(root, report)
    assert (config is None) == bool(report.errors)


@functools.cache
def _config():
    """The shipped site's configuration."""
    repo = Path(__file__).resolve().parents[1]
    return load_config(repo, Report(repo))
