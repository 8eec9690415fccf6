"""Read a page the way a person does: its visible text and its tables, not its scripts."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

HIDDEN_CONTENT = {"script", "style", "template", "noscript"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in HIDDEN_CONTENT:
            self.hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_CONTENT and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """Every text node outside scripts and styles, joined by single spaces."""
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


@dataclass
class Cell:
    text: str
    value: str | None  # the data-value attribute, when the cell has one


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[Cell] = field(default_factory=list)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[Row]] = {}
        self.table_id: str | None = None
        self.row: Row | None = None
        self.cell: Cell | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "table" and "id" in attributes:
            self.table_id = attributes["id"]
            self.tables[self.table_id] = []
        elif tag == "tr" and self.table_id:
            self.row = Row(attributes)
        elif tag == "td" and self.row is not None:
            self.cell = Cell("", attributes.get("data-value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.row is not None:
            self.cell.text = " ".join(self.cell.text.split())
            self.row.cells.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table_id:
            if self.row.cells:  # header rows have th only
                self.tables[self.table_id].append(self.row)
            self.row = None
        elif tag == "table":
            self.table_id = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data


def tables(html: str) -> dict[str, list[Row]]:
    """The body rows of every table with an id, by id."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables
