"""The garbage collector of a long-running service process.

After start-up a service holds a large, permanent heap (FastAPI and pydantic models, SQLAlchemy mappers,
compiled statements, imported modules). CPython's full (generation 2) collections walk all of it, and a
declaration service under load spent up to 50 ms in one of them (measured with ``gc.callbacks``): a pause
every request in flight waits out, visible as the p99 of the list page (QUALITY 18). ``settle()``
collects once and freezes what survived start-up out of the collector's reach (``gc.freeze``), so later
collections walk only the objects made while serving; and it lets the youngest generation fill up more
before collecting, since a request allocates thousands of short-lived objects.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000  # CPython's default is 700 allocations


def settle() -> None:
    """Call once start-up is done (imports made, connections and caches built)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
