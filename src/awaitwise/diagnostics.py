"""Plain records that leave a file's worker: no CST nodes, picklable, JSON-friendly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

SAFE = "safe"
UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Location:
    row: int  # 1-based
    column: int  # 1-based, in characters


@dataclass(frozen=True)
class Edit:
    content: str
    location: Location
    end_location: Location
    start: int  # character offsets into the decoded source
    end: int


@dataclass(frozen=True)
class Fix:
    applicability: str  # SAFE or UNSAFE
    message: str
    edits: Tuple[Edit, ...]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    filename: str
    location: Location
    end_location: Location
    fix: Optional[Fix] = None
    noqa_row: Optional[int] = None

    @property
    def sort_key(self):
        return (self.filename, self.location, self.code)


@dataclass
class FileResult:
    """Everything one file produced. `error` is set when the file could not be read or processed."""

    filename: str
    diagnostics: list = field(default_factory=list)
    error: Optional[str] = None
    fixed_source: Optional[str] = None  # set by `fix` when the file changed
    fixes_applied: dict = field(default_factory=dict)  # code -> count
