"""Outbox relay and consumers of the benchmark service without HTTP: ``python -m benchmark.worker``."""

from __future__ import annotations

from kit.worker import serve

from benchmark.config import Settings
from benchmark.main import build_runtime


def main() -> None:
    serve(build_runtime(Settings()))


if __name__ == "__main__":
    main()
