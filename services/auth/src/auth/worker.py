"""The auth worker (``python -m auth.worker``): outbox relay and candidate-list consumer without HTTP."""

from __future__ import annotations

from kit.worker import serve

from auth.config import Settings
from auth.main import make_runtime


def main() -> None:
    serve(make_runtime(Settings()))


if __name__ == "__main__":
    main()
