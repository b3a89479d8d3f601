"""The config package's errors: one base, :class:`ConfigError`, for everything that goes wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """The base of every error of the config package."""


class UnknownName(ConfigError):
    """A screen or preset the installation does not have; the message lists the known ones."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem: where (file, 1-based line or ``None``, field path) and what."""

    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigFileError(ConfigError):
    """A config file that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        count = len(issues)
        head = f"{issues[0].file}: {count} problem{'s' if count > 1 else ''}"
        super().__init__("\n".join([head, *(f"  {issue}" for issue in issues)]))
