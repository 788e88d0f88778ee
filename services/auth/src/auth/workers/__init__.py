"""Background jobs of the auth service (run by the kit Runtime, guarded against outages)."""

from auth.workers.recovery import apply_due_recoveries

__all__ = ["apply_due_recoveries"]
