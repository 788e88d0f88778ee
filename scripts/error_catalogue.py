#!/usr/bin/env python3
"""Writes the platform's error catalogue (every ``kit.errors.AppError`` subclass of every service: code,
status, message, details model) into docs/CONVENTIONS.md between its markers. ``--check`` (lint) fails
when the page is not current. Importing every service in one process also proves one code has one
status across the platform: a clash is refused at import."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from kit.errors import catalogue

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "CONVENTIONS.md"
BEGIN = "<!-- error-catalogue:begin (scripts/error_catalogue.py writes this table) -->"
END = "<!-- error-catalogue:end -->"
APPS = ["auth", "benchmark", "declaration", "certificate", "mall", "notify", "gateway"]


def _details(model: type | None) -> str:
    if model is None:
        return "—"
    fields = getattr(model, "model_fields", {})
    if "root" in fields:
        return f"`{model.__name__}` (list)"
    return f"`{model.__name__}` {{{', '.join(fields)}}}"


def render() -> str:
    for app in APPS:
        importlib.import_module(f"{app}.main")
    rows = ["| code | status | message | details |", "|---|---|---|---|"]
    for spec in catalogue():
        if spec.owner == "<raise site>":
            continue
        rows.append(f"| `{spec.code}` | {spec.status} | {spec.message} | {_details(spec.details)} |")
    return "\n".join([BEGIN, *rows, END])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs/CONVENTIONS.md is not current")
    args = parser.parse_args()
    text = PAGE.read_text(encoding="utf-8")
    table = render()
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        current = text
        text = head + table + rest.split(END, 1)[1]
    else:
        current = None
        text = text.rstrip("\n") + "\n\n### Error catalogue\n" + table + "\n"
    if args.check:
        if current != text:
            print(
                "docs/CONVENTIONS.md: the error catalogue is stale; run scripts/error_catalogue.py",
                file=sys.stderr,
            )
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
