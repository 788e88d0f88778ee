"""The declaration worker: outbox relay, consumers and the notice poller without HTTP."""

from __future__ import annotations

from kit.worker import serve

from declaration.config import Settings
from declaration.main import make_runtime


def main() -> None:
    serve(make_runtime(Settings()))


if __name__ == "__main__":
    main()
