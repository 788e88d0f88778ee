"""Consumer and delivery dispatcher of the notify service without HTTP: ``python -m notify.worker``
(metrics and probes on ``LP_METRICS_PORT``, see kit.worker)."""

from __future__ import annotations

from kit.worker import serve

from notify.config import Settings
from notify.main import build_runtime


def main() -> None:
    serve(build_runtime(Settings()))


if __name__ == "__main__":
    main()
