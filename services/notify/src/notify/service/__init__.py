"""Use cases of the notify service. The inbox is here; the events are turned into messages and deliveries
by ``notify.consumers`` and sent by ``notify.workers.dispatch``."""

from notify.service.messages import get_message, list_messages, mark_read, read_all, unread_count

__all__ = ["get_message", "list_messages", "mark_read", "read_all", "unread_count"]
