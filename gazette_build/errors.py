"""Diagnostics: every problem the builder finds, with the file, line and field it concerns.

Stages collect diagnostics in a `Report` and fail once at their gate (`Report.check`), so an
editor sees every problem of a stage at once, as `path:line: field: message`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .model import reduce_by_fields


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where it is (path relative to the site folder, 1-based line), what and how bad."""

    __reduce__ = reduce_by_fields

    path: str
    line: int
    field: str
    message: str
    is_warning: bool = False

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.field}: {self.message}"
        return f"warning: {text}" if self.is_warning else text


class GazetteError(Exception):
    """Base of the errors the CLI reports without a traceback."""


class BuildFailed(GazetteError):
    """A stage found errors; `diagnostics` holds all of them (and the warnings seen so far)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        errors = sum(not d.is_warning for d in diagnostics)
        super().__init__(f"{errors} error{'s' * (errors != 1)}")


@dataclass
class Report:
    """Collects the diagnostics of a build; `check` raises at a stage gate if any is an error."""

    root: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def relative(self, path: Path | str) -> str:
        # absolute, not resolved: a symbolic link is named as the editor sees it
        path = Path(os.path.abspath(path))
        try:
            return path.relative_to(os.path.abspath(self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def error(self, path: Path | str, line: int, field_name: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.relative(path), line, field_name, message))

    def warn(self, path: Path | str, line: int, field_name: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.relative(path), line, field_name, message, True))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_warning]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_warning]

    def check(self) -> None:
        """Stage gate: raise BuildFailed carrying every diagnostic if any error was found."""
        if self.errors:
            raise BuildFailed(sorted_diagnostics(self.diagnostics))


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.path, d.line, d.field, d.message))
