"""Sending the outbox's messages over SMTP (aiosmtplib, from the event loop)."""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage

import aiosmtplib

from followup_service.reminders.models import OutboxMessage
from followup_service.settings import FollowupSettings


def message_id(message: OutboxMessage, sender: str) -> str:
    """The same Message-ID whenever the message is sent: should a send be repeated after a crash
    between the server's acceptance and our record of it, mail systems see one message."""
    # The sender may carry a display name: "Styrkedjan <noreply@kommun.example>".
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "styrkedjan.invalid"
    return f"<{message.id}@{domain}>"


def email_of(message: OutboxMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = message_id(message, sender)
    mail["Date"] = email.utils.format_datetime(message.created_at)
    mail.set_content(message.body)
    return mail


class SmtpMailer:
    """One SMTP connection per batch: a server that is down fails the batch at connecting, once."""

    def __init__(self, settings: FollowupSettings) -> None:
        if not settings.smtp_host:
            raise ValueError("no SMTP server is configured (smtp_host)")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username
        self.password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        self.starttls = settings.smtp_starttls
        self.timeout = settings.smtp_timeout_seconds
        self.sender = settings.smtp_from

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        client = aiosmtplib.SMTP(hostname=self.host, port=self.port, timeout=self.timeout, start_tls=self.starttls)
        await client.connect()
        try:
            if self.username:
                await client.login(self.username, self.password or "")
            yield client
        finally:
            try:
                await client.quit()
            except Exception:  # the server already gone: nothing to say goodbye to
                client.close()
