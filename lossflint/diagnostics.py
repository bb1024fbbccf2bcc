"""The data a rule produces and the formatters consume.

Two layers: rules report :class:`Finding` objects that point at libcst nodes;
the linter resolves them into :class:`Diagnostic` objects that carry only plain
positions and text, so they can cross process boundaries and be cached.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: a warm run never loads libcst
    import libcst as cst


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Location:
    """1-based row, 1-based column (in characters)."""

    row: int
    column: int

    def to_json(self) -> dict[str, int]:
        return {"row": self.row, "column": self.column}


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``location`` and ``end_location`` by ``content``."""

    content: str
    location: Location
    end_location: Location

    def to_json(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "location": self.location.to_json(),
            "end_location": self.end_location.to_json(),
        }


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability.value,
            "message": self.message,
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass(frozen=True)
class Related:
    message: str
    location: Location
    end_location: Location
    #: the file, when it is not the diagnostic's (a model in another module)
    filename: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    severity: Severity
    filename: str
    location: Location
    end_location: Location
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    # First line of the statement holding the finding: ``# noqa`` there counts too.
    statement_row: int | None = None
    # Notebook cell number (1-based) when the file is a notebook.
    cell: int | None = None
    # Names the finding read by convention, not through an import (code pasted
    # without imports): (name, what it was taken for), sorted by name.
    assumed: tuple[tuple[str, str], ...] = ()
    # The first related place is another file's finding of this bug (``Finding.defers``).
    defers: bool = False

    @property
    def url(self) -> str:
        from lossflint.urls import rule_url

        return rule_url(self.code)

    def sort_key(self) -> tuple[str, int, int, int, int, str]:
        return (
            self.filename,
            self.cell or 0,
            self.location.row,
            self.location.column,
            0,
            self.code,
        )


def assumption_note(assumed: dict[str, str], shown: int = 3) -> str:
    """`` (assuming Dense is keras.layers.Dense)``: what a message says about the
    names it read by convention ("" if none)."""
    if not assumed:
        return ""
    # ``torch`` used without an import reads "torch is imported", not "torch is torch"
    parts = [
        f"{name} is {meaning}" if name != meaning else f"{name} is imported"
        for name, meaning in assumed.items()
    ]
    more = f" and {len(parts) - shown} more" if len(parts) > shown else ""
    return f" (assuming {', '.join(parts[:shown])}{more})"


# --- what rules emit -------------------------------------------------------


@dataclass(frozen=True)
class NodeEdit:
    """Replace ``old`` (a node of the analysed module) by ``new``.

    ``new`` is either a libcst node (rendered with the module's config) or the
    literal replacement text.
    """

    old: cst.CSTNode
    new: cst.CSTNode | str


@dataclass(frozen=True)
class InsertImport:
    """Ensure ``import <module> as <alias>`` / ``import <module>`` exists."""

    module: str
    alias: str | None = None


@dataclass(frozen=True)
class FixSpec:
    applicability: Applicability
    message: str
    edits: tuple[NodeEdit, ...]
    imports: tuple[InsertImport, ...] = ()


@dataclass(frozen=True)
class RelatedNode:
    message: str
    node: cst.CSTNode


@dataclass(frozen=True)
class RelatedSite:
    """A related place in another project module (``file`` relative to the
    project root), known from that module's summary rather than a node."""

    message: str
    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Finding:
    node: cst.CSTNode
    message: str
    fix: FixSpec | None = None
    related: tuple[RelatedNode | RelatedSite, ...] = ()
    # Report a narrower range than ``node`` (e.g. only a keyword argument).
    extra: dict[str, Any] = field(default_factory=dict)
    #: the first related place is where a lint of that other file reports this
    #: bug under the same rule (the reporting convention's node): a run holding
    #: that finding drops this one (``duplicate_findings``)
    defers: bool = False
