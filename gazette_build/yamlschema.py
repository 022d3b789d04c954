"""Line-aware YAML: load a mapping keeping each key's line, and validate it against a field list.

Shared by `site.yaml`, `issue.yaml` and document front-matter so that all three report problems
the same way: `path:line: field: message`, the line counted in the file, not in the YAML block.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import textcheck
from .errors import Report


INVALID = object()  # a value already reported as invalid: not reported again as missing
# libyaml's loader, when PyYAML was built with it, parses front-matter ~10× faster with the same
# nodes and line marks; the pure-Python one stays for text holding aliases (its composer is
# where expansion is bounded) and for reporting errors in the very words the editors know
FAST_LOADER = getattr(yaml, "CSafeLoader", None)
# what YAML takes as a line break besides \n and \r: its lines and an editor's no longer agree,
# and the error it gives ("could not find expected ':'") names neither the character nor the line
YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One top-level key of a YAML mapping: its value and the file line it stands on."""

    value: Any
    line: int
    # nested values keep their own lines: {key: Entry} for a mapping, a tuple of those for a
    # list of mappings, a tuple of item lines for a list of scalars, None otherwise
    children: Any = None


@dataclass(frozen=True, slots=True)
class Field:
    """A field a mapping may hold: its name, its kind and whether it must be there."""

    name: str
    kind: str  # "str", "int", "date", "str-list", "mapping", "mapping-list", "bool"
    required: bool = False


def load_mapping(text: str, path: Path, first_line: int, report: Report) -> dict[str, Entry] | None:
    """Parse YAML text that starts on `first_line` of `path` into {key: Entry}; None on errors."""
    odd = YAML_ONLY_BREAKS.search(text)
    if odd:
        report.error(path, first_line + text.count("\n", 0, odd.start()), "yaml",
                     f"the character {textcheck.describe(odd[0])} is a line break to YAML but "
                     "not to an editor; remove it (text pasted from a PDF or a web page often "
                     "carries it)")
        return None
    if FAST_LOADER is not None and "*" not in text \
            and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        entries = _fast_entries(text, path, first_line, report)
        if entries is not None:
            return entries
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader already refuses control characters
        node = loader.get_single_node()
        if node is None:
            return {}
        if not isinstance(node, yaml.MappingNode):
            report.error(path, first_line + node.start_mark.line, "yaml",
                         "expected a mapping of `key: value` lines")
            return None
        problem = _alias_problem(node, len(text)) if "*" in text else None  # no alias
        if problem:
            line, message = problem
            report.error(path, first_line + line, "yaml", message)
            return None
        return _entries(loader, node, path, first_line, report)
    except yaml.MarkedYAMLError as exc:
        # the context mark is where the faulty construct starts (the line the editor wrote
        # wrong); the problem mark is where the parser gave up, often a line later
        mark = exc.context_mark or exc.problem_mark
        line = first_line + (mark.line if mark else 0)
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            message += f" ({exc.context})"
        if exc.context_mark and exc.problem_mark and exc.problem_mark.line != exc.context_mark.line:
            message += f"; noticed on line {first_line + exc.problem_mark.line}"
        report.error(path, line, "yaml", message)
        return None
    except yaml.reader.ReaderError as exc:
        line = first_line + text[:exc.position].count("\n")
        report.error(path, line, "yaml", f"the character U+{exc.character:04X} is not allowed "
                     "in YAML; remove it (text pasted from a PDF often carries it)"
                     if isinstance(exc.character, int) else f"YAML error: {exc}")
        return None
    except yaml.YAMLError as exc:
        report.error(path, first_line, "yaml", f"YAML error: {exc}")
        return None
    except RecursionError:
        report.error(path, first_line, "yaml", "the YAML is nested too deeply")
        return None
    finally:
        if loader is not None:
            loader.dispose()


def _fast_entries(text: str, path: Path, first_line: int,
                  report: Report) -> dict[str, Entry] | None:
    """The entries through libyaml, or None when anything is amiss (the pure-Python loader then
    parses the text again and reports the problem)."""
    loader = FAST_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if not isinstance(node, yaml.MappingNode):
            return None
        own = Report(report.root)
        entries = _entries(loader, node, path, first_line, own)
        if own.diagnostics:
            return None
        return entries
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    finally:
        loader.dispose()


# what aliases (*name) may add beyond what is written out, in characters (a value counts one
# more): counted in values alone, 20,000 aliases of one 20,000-character string passed and
# made 1.2 GB of warnings and 3.4 GB of output from a 140 KB file
ALIAS_BUDGET = 100_000


class _Expansion(Exception):
    """Aliases that would expand without bound (a "billion laughs") or refer to themselves."""


def _alias_problem(root: yaml.MappingNode, text_size: int) -> tuple[int, str] | None:
    """(line in the block, message) when the aliases of the document expand beyond the
    budget or into themselves, else None. Composing shares an aliased node, so the document
    is small in memory; constructing (or printing) it would expand every alias. The walk
    counts what that expansion would make and stops as soon as it is too much."""
    limit = 2 * text_size + ALIAS_BUDGET  # no document without aliases comes near it
    sizes: dict[int, int] = {}
    total = 1
    for key_node, value_node in root.value:
        try:
            total += _size(key_node, sizes, set(), limit) + _size(value_node, sizes, set(), limit)
            if total > limit:
                raise _Expansion("too large")
        except _Expansion as exc:
            if str(exc) == "recursive":
                return key_node.start_mark.line, "an alias (*name) here refers to the value " \
                    "that holds it; write the value out"
            return key_node.start_mark.line, (
                f"the aliases (*name) here expand to more than {ALIAS_BUDGET:,} characters; "
                "write the values out instead of repeating them by alias")
    return None


def _size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int], limit: int) -> int:
    """How many values and characters `node` stands for once every alias in it is written
    out."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if id(node) in open_nodes:
        raise _Expansion("recursive")
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = ()
    open_nodes.add(id(node))
    total = 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
    for child in children:
        total += _size(child, sizes, open_nodes, limit)
        if total > limit:
            raise _Expansion("too large")
    open_nodes.discard(id(node))
    sizes[id(node)] = total
    return total


def _entries(loader: yaml.SafeLoader, node: yaml.MappingNode, path: Path, first_line: int,
             report: Report) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            report.error(path, line, "key", "a field's name must be a word, not a list or a "
                         "mapping")
            continue
        key = key_node.value  # as written: `2024-02-30:` is an unknown field, not a bad date
        if not key.strip():  # `? ` or `: value`: a null key, which no field is
            report.error(path, line, "key", "a field has no name before its ':'")
            continue
        if key in entries:
            report.error(path, line, key, f"appears twice (first on line {entries[key].line})")
            continue
        try:
            value = loader.construct_object(value_node, deep=True)
        # e.g. 2024-02-30 matches the date pattern but is no date; `!!bool x`, `!!int ''`
        # fail inside PyYAML's own constructors with whatever error they meet
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            failing = _failing_scalar(loader, value_node) or value_node
            is_date = failing.tag == "tag:yaml.org,2002:timestamp"
            written = failing.value if isinstance(failing, yaml.ScalarNode) else "the value"
            report.error(path, first_line + failing.start_mark.line, key,
                         f"{written} is not a {'real date' if is_date else 'valid value'} "
                         f"({exc})")
            entries[key] = Entry(INVALID, line)
            continue
        children = None
        if isinstance(value_node, yaml.MappingNode):
            children = _entries(loader, value_node, path, first_line, report)
        elif isinstance(value_node, yaml.SequenceNode) and all(
                isinstance(item, yaml.MappingNode) for item in value_node.value):
            children = tuple(_entries(loader, item, path, first_line, report)
                             for item in value_node.value)
        elif isinstance(value_node, yaml.SequenceNode):  # scalars: remember each item's line
            children = tuple(first_line + item.start_mark.line for item in value_node.value)
        entries[key] = Entry(value, line, children)
    return entries


def _failing_scalar(loader: yaml.SafeLoader, node: yaml.Node) -> yaml.ScalarNode | None:
    """The scalar inside `node` (a list or mapping, or itself) that cannot be read, if one."""
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            loader.recursive_objects.clear()  # what a failed reading left marked as being read
            try:
                loader.construct_object(node)
            except (ValueError, KeyError, IndexError, AttributeError, TypeError):
                loader.recursive_objects.clear()  # an alias of it may be read again
                return node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in reversed(node.value) for item in reversed(pair))
    return None


def validate(entries: dict[str, Entry], fields: tuple[Field, ...], path: Path, line: int,
             report: Report) -> dict[str, Any]:
    """Check required, unknown and typed fields; return {name: clean value} of the valid ones."""
    known = {f.name: f for f in fields}
    clean: dict[str, Any] = {}
    guessed: set[str] = set()
    for key, entry in entries.items():
        spec = known.get(key)
        if spec is None:
            guess = difflib.get_close_matches(key, [k for k in known if k not in entries], n=1,
                                              cutoff=0.6)
            if guess:
                guessed.add(guess[0])
                report.error(path, entry.line, key, f"unknown field (did you mean '{guess[0]}'?)")
            else:
                report.error(path, entry.line, key,
                             f"unknown field; known fields: {', '.join(known)}")
            continue
        if entry.value is INVALID:
            continue
        value, problem = _coerce(entry.value, spec.kind)
        if problem:
            report.error(path, entry.line, key, problem)
            continue
        if spec.kind == "str" and value is not None:
            textcheck.check(value, path, entry.line, key, report)
        elif spec.kind == "str-list" and value is not None:
            item_lines = entry.children if isinstance(entry.children, tuple) else ()
            for index, item in enumerate(value):
                item_line = item_lines[index] if index < len(item_lines) else entry.line
                textcheck.check(item, path, item_line, key, report)
        if value is None:  # an empty optional field is as good as an absent one
            if spec.required:
                report.error(path, entry.line, key, "must not be empty")
        else:
            clean[key] = value
    for spec in fields:
        if spec.required and spec.name not in entries and spec.name not in guessed:
            report.error(path, line, spec.name, "required field is missing")
    return clean


def _coerce(value: Any, kind: str) -> tuple[Any, str | None]:
    """Return (value in the field's kind, None) or (None, a message saying what is wrong)."""
    if value is None:
        return None, None
    if kind == "str":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip()
            return (text or None), None
        return None, f"expected text, got {_describe(value)}"
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value, None
        return None, f"expected a positive whole number, got {_describe(value)}"
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"expected true or false, got {_describe(value)}"
    if kind == "date":
        if isinstance(value, dt.datetime):
            return None, f"expected a date YYYY-MM-DD, got a date and time {value.isoformat()}"
        if isinstance(value, dt.date):
            return value, None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()), None
            except ValueError:
                return None, f"expected a date YYYY-MM-DD, got '{value}'"
        return None, f"expected a date YYYY-MM-DD, got {_describe(value)}"
    if kind == "str-list":
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                           for v in value):
            return tuple(str(v).strip() for v in value), None
        return None, f"expected a list of text items, got {_describe(value)}"
    if kind == "mapping":
        if isinstance(value, dict):
            return value, None
        return None, f"expected a mapping of `key: value` lines, got {_describe(value)}"
    if kind == "mapping-list":
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return tuple(value), None
        got = "a list with plain items" if isinstance(value, list) else _describe(value)
        return None, f"expected a list of mappings (`- key: value` items), got {got}"
    raise ValueError(f"unknown field kind {kind!r}")


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no)"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"'{value}'"
