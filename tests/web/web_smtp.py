"""A real SMTP server on loopback for the e-mail tests (aiosmtpd), and Django pointed at it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    """What the server received; ``refuse`` holds addresses it answers 550 to at RCPT."""

    messages: list = field(default_factory=list)
    refuse: set = field(default_factory=set)
    fail: set = field(default_factory=set)  # messages to these get 451 at DATA
    delay: float = 0.0  # seconds to wait before accepting a message (to widen races)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail & {a.lower() for a in envelope.rcpt_tos}:
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]

    def clear(self) -> None:
        self.messages.clear()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(settings):
    """Start the server, point Django's SMTP backend at it, stop it afterwards."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.PIONEER_BASE_URL = "http://testserver"
    try:
        yield box
    finally:
        controller.stop()
