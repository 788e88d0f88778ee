"""Faults in client input, each naming where it is; the errors of ``benchmark.errors`` carry the whole
list so a person can fix every fault in one go."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Issue:
    """One fault in client input. ``indicator`` names the core indicator concerned (its code) when
    there is one; ``field`` names the attribute (e.g. ``forerunner``) and ``row`` the 1-based position
    in the submitted indicator list, for plan definitions."""

    code: str
    message: str
    indicator: str | None = None
    field: str | None = None
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
