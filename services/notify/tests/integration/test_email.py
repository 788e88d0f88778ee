"""E-mail over real SMTP (a minimal SMTP server on a free port stands in for the mail relay): the
dispatcher sends to the contact's address with the Chinese subject and text, and marks what it cannot
send instead of retrying for ever."""

from __future__ import annotations

import asyncio
import email
import uuid
from datetime import UTC, datetime
from email.header import decode_header, make_header

import httpx
import pytest
from notify.repository import upsert_contact
from notify.workers.dispatch import Claimed, Dispatcher, Skip
from notify.workers.mailer import send_email


class SmtpSink:
    """Just enough SMTP (RFC 5321) to accept mail: EHLO, MAIL, RCPT, DATA, QUIT."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender, recipients = "", []
        writer.write(b"220 sink ESMTP\r\n")
        while line := await reader.readline():
            command = line[:4].upper()
            if command == b"EHLO":
                writer.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif command == b"MAIL":
                sender = line.decode().split(":", 1)[1].strip()
                writer.write(b"250 OK\r\n")
            elif command == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip())
                writer.write(b"250 OK\r\n")
            elif command == b"DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                data = await reader.readuntil(b"\r\n.\r\n")
                self.messages.append((sender, recipients, data[:-5]))
                writer.write(b"250 queued\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def sink():
    server = SmtpSink()
    port = await server.start()
    server.port = port
    yield server
    await server.stop()


def _subject(raw: bytes) -> tuple[email.message.Message, str]:
    parsed = email.message_from_bytes(raw)
    return parsed, str(make_header(decode_header(parsed["Subject"])))


async def test_mail_reaches_the_smtp_server(settings, sink):
    mail_settings = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_starttls": False}
    )
    await send_email(
        mail_settings, to="zhang@example.com", subject="【企业标准“领跑者”平台】申报已发布", text="恭喜！"
    )
    [(sender, recipients, raw)] = sink.messages
    parsed, subject = _subject(raw)
    assert sender.startswith("<noreply@example.invalid>")
    assert recipients == ["<zhang@example.com>"]
    assert subject == "【企业标准“领跑者”平台】申报已发布"
    assert "恭喜！" in parsed.get_payload(decode=True).decode("utf-8")


async def test_dispatcher_mails_the_contact_address_or_skips(runtime, settings, sink):
    mail_settings = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_starttls": False}
    )
    org = uuid.uuid4()
    async with runtime.db.transaction() as session:
        await upsert_contact(
            session, org, as_of=datetime.now(UTC), name="某电器股份有限公司", email="contact@example.com"
        )
    async with httpx.AsyncClient() as client:
        dispatcher = Dispatcher(runtime, client)
        dispatcher.settings = mail_settings
        item = Claimed(
            id=0,
            channel="email",
            org_id=org,
            subject="【企业标准“领跑者”平台】领跑者证书已撤销",
            content="您的领跑者证书已被撤销。",
            attempts=1,
        )
        assert await dispatcher._email(item) == "c***@example.com"
        [(_, recipients, raw)] = sink.messages
        assert recipients == ["<contact@example.com>"]
        assert _subject(raw)[1] == "【企业标准“领跑者”平台】领跑者证书已撤销"

        stranger = Claimed(id=0, channel="email", org_id=uuid.uuid4(), subject="x", content="y", attempts=1)
        with pytest.raises(Skip, match="no_email"):
            await dispatcher._email(stranger)
        dispatcher.settings = settings  # no SMTP host: the channel is off
        with pytest.raises(Skip, match="email_disabled"):
            await dispatcher._email(item)
