"""Background jobs of the auth service (run by the kit Runtime, guarded against outages)."""

from auth.workers.api_keys import sync_api_keys
from auth.workers.recovery import apply_due_recoveries

__all__ = ["apply_due_recoveries", "sync_api_keys"]
