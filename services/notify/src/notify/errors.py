"""Every error code of the notify service: one ``AppError`` subclass each."""

from __future__ import annotations

from kit.errors import NotFound


class MessageNotFound(NotFound):
    """Also another organisation's message: it answers exactly like one that does not exist."""

    code = "message_not_found"
    message = "消息不存在"
