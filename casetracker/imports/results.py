"""What an import found, sheet by sheet: the rows it creates, updates, leaves unchanged or refuses,
and the errors to fix the file by. An import batch stores it (``as_dict``), for its page to show."""

from dataclasses import asdict, dataclass, field

# Enough to fix a file by; the count says how many there are in all.
MAX_ERRORS_KEPT = 500


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    message: str


@dataclass
class SheetCounts:
    key: str
    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.errors


@dataclass
class ImportResult:
    sheets: list[SheetCounts] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notices: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def rows(self) -> int:
        return sum(sheet.rows for sheet in self.sheets)

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ImportResult":
        return cls(
            sheets=[SheetCounts(**sheet) for sheet in data.get("sheets", [])],
            errors=[RowError(**error) for error in data.get("errors", [])],
            error_count=data.get("error_count", 0),
            notices=data.get("notices", []),
            committed=data.get("committed", False),
        )


class RowRefused(Exception):
    """A row cannot be imported; its errors are already recorded."""
