"""E-mail by SMTP (aiosmtplib). Used only when ``LP_SMTP_HOST`` is set."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from notify.config import Settings


def build_message(settings: Settings, *, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="lp-platform")
    message.set_content(f"{text}\n\n此邮件由系统自动发送，请勿直接回复。", charset="utf-8")
    return message


async def send_email(settings: Settings, *, to: str, subject: str, text: str) -> None:
    await aiosmtplib.send(
        build_message(settings, to=to, subject=subject, text=text),
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls and not settings.smtp_use_tls,
        use_tls=settings.smtp_use_tls,
        timeout=settings.smtp_timeout,
    )
