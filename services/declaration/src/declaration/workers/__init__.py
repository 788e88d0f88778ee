"""Background jobs of the declaration service (run by the kit Runtime, guarded against outages)."""

from declaration.workers.notices import expire_notices

__all__ = ["expire_notices"]
