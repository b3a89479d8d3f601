"""Find the line of a field in TOML source text, for error messages.

``tomllib`` keeps no positions, so this reads the text line by line: table headers
(``[a.b]``, ``[[a]]`` with a running index per array of tables) and ``key = value`` lines.
A field inside an inline table or a multi-line value is located at its nearest named ancestor.
"""

from __future__ import annotations

import re

_KEY_PART = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*(\.|$)')
_STRING = re.compile(r'"""|\'\'\'|"(?:[^"\\]|\\.)*"|\'[^\']*\'')

Loc = tuple[str | int, ...]


def _split_key(text: str) -> tuple[str, ...]:
    parts: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _KEY_PART.match(text, pos)
        if not match:
            return tuple(parts)
        parts.append(match.group(1).strip("\"'"))
        pos = match.end()
    return tuple(parts)


def _code(line: str) -> str:
    """The line with strings blanked and any comment removed, so brackets and '#' in strings
    do not count."""
    blanked = _STRING.sub(lambda m: m.group(0) if m.group(0) in ('"""', "'''") else '""', line)
    return blanked.split("#", 1)[0]


class _Scanner:
    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {}
        self.arrays: dict[tuple[str, ...], int] = {}
        self.table: Loc = ()

    def concrete(self, path: tuple[str, ...]) -> Loc:
        """Insert the current index after every array-of-tables prefix of ``path``."""
        out: list[str | int] = []
        for i, part in enumerate(path):
            out.append(part)
            if path[: i + 1] in self.arrays and i + 1 < len(path):
                out.append(self.arrays[path[: i + 1]])
        return tuple(out)

    def header(self, line_no: int, code: str) -> None:
        if code.startswith("[["):
            path = _split_key(code[2 : code.find("]]")])
            self.arrays[path] = self.arrays.get(path, -1) + 1
            self.lines.setdefault(self.concrete(path), line_no)
            self.table = (*self.concrete(path), self.arrays[path])
        else:
            self.table = self.concrete(_split_key(code[1 : code.find("]")]))
        self.lines.setdefault(self.table, line_no)


def field_lines(text: str) -> dict[Loc, int]:
    """Map each table and key path (array-of-tables items by index) to its 1-based line."""
    scanner = _Scanner()
    depth = 0
    open_string: str | None = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if open_string:
            if open_string in raw:
                open_string = None
            continue
        code = _code(raw).strip()
        if depth > 0:
            depth += code.count("[") + code.count("{") - code.count("]") - code.count("}")
            continue
        if code.startswith("["):
            scanner.header(line_no, code)
        elif "=" in code:
            key, value = code.split("=", 1)
            scanner.lines.setdefault((*scanner.table, *_split_key(key)), line_no)
            depth = max(value.count("[") + value.count("{") - value.count("]") - value.count("}"), 0)
            for quote in ('"""', "'''"):
                if value.count(quote) % 2 == 1:
                    open_string = quote
    return scanner.lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of ``loc`` or of its nearest ancestor that has one; ``None`` for the file."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
