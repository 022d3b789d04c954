"""Property-based tests: whatever text or YAML an editor saves, loading gives a result or a
diagnostic with a file and line, never an exception."""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from hypothesis import example, given, settings, strategies as st

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
# values both as Python literals (valid flow YAML, nested) and as raw text, control characters
# and YAML syntax included, exactly as an editor might type or paste them
raw_values = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
yamlish = st.lists(st.tuples(field_names, st.one_of(yaml_values.map(repr), raw_values)),
                   max_size=8).map(lambda pairs: "\n".join(f"{k}: {v}" for k, v in pairs))
site_field_names = st.sampled_from(["title", "title_roman", "slug", "publisher", "sections",
                                    "footer", "fonts", "print", "output", "base_url", "secton"])
site_values = st.one_of(yaml_values.map(repr), raw_values, st.just("[市政府文件, 1]"),
                        st.just("[{name: 市政府文件, issuers: [晋中市人民政府]}, x]"),
                        st.just("{press: yes, pdfa: 3}"), st.just("{body: 5}"))
site_yamlish = st.lists(st.tuples(site_field_names, site_values), max_size=10).map(
    lambda pairs: "\n".join(f"{k}: {v}" for k, v in pairs))


def _assert_located(report: Report, lines: int) -> None:
    for diagnostic in report.diagnostics:
        assert diagnostic.path and diagnostic.field and diagnostic.message
        assert 1 <= diagnostic.line <= max(lines, 1) + 2


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), st.text(max_size=400).map(lambda t: "---\n" + t)))
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
@example(text="?\n?")  # two keys of no name: "appears twice" was said of a field named ''
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


@settings(max_examples=200, deadline=None)
@given(site_yamlish)
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
