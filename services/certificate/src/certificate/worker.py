"""Outbox relay, event consumers and the expiry poller without HTTP (python -m certificate.worker)."""

from __future__ import annotations

from kit.worker import serve

from certificate.config import Settings
from certificate.main import build_runtime
from certificate.rendering import register_fonts


def main() -> None:
    register_fonts()
    serve(build_runtime(Settings()))


if __name__ == "__main__":
    main()
