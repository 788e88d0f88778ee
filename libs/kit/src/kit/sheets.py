"""Writing spreadsheet cells (openpyxl's, duck-typed: the kit does not depend on openpyxl).

Text from people (plan titles, indicator names, enterprise names) goes into a cell as text, always: openpyxl
stores a string that starts with "=" as a formula, which Excel would run when the file is opened (formula
injection, CWE-1236) and which reads back as nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def put(cell: Any, value: Any) -> Any:
    """Set ``cell`` to ``value``; a string is kept as text whatever it starts with. Returns the cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def put_row(sheet: Any, row: int, values: Iterable[Any], *, first_column: int = 1) -> None:
    """One row of values from ``first_column`` on, each as ``put`` writes it."""
    for column, value in enumerate(values, start=first_column):
        put(sheet.cell(row=row, column=column), value)
