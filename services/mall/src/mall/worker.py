"""The mall's outbox relay and event consumers without HTTP: ``python -m mall.worker``."""

from __future__ import annotations

from kit.worker import serve

from mall.config import Settings
from mall.main import make_runtime


def main() -> None:
    serve(make_runtime(Settings()))


if __name__ == "__main__":
    main()
