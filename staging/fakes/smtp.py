"""An SMTP sink that captures every mail, so tests can read what the customer was sent.

API.md 9.5: the Node backend only accepts SMTP ports 25/465/587/2525, so the sink prefers 2525. Several
sinks (one per xdist worker) share that port by binding different loopback addresses (127.0.0.x).
"""

from __future__ import annotations

import logging
import socket
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from staging.core import StagingError, wait_until
from staging.fakes.threaded_server import close_logger, file_logger

SMTP_PORT = 2525
_LOOPBACK_HOSTS = [f"127.0.0.{n}" for n in range(1, 64)]


def _not_login_data_deprecation(record: logging.LogRecord) -> bool:
    # aiosmtpd sets its own deprecated Session.login_data on every AUTH and warns about it each time.
    return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_not_login_data_deprecation)


@dataclass(frozen=True)
class CapturedMail:
    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str

    def mentions(self, needle: str) -> bool:
        return needle.lower() in (self.subject + "\n" + self.text).lower()


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self._sink.capture(
            CapturedMail(
                str(envelope.mail_from),
                tuple(str(r).lower() for r in envelope.rcpt_tos),
                str(message.get("subject", "")),
                _plain_text(message),
            )
        )
        return "250 Message accepted for delivery"


def _accept_any_login(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """The backend logs in with SMTP_USER/SMTP_PASS; any credentials are fine for a sink."""
    login = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else None
    return AuthResult(success=True, auth_data=login)


def _bindable(host: str, port: int) -> bool:
    """Checked first because aiosmtpd only notices a taken port after its whole ready timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiosmtpd binds
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class SmtpSink(AbstractContextManager["SmtpSink"]):
    def __init__(self, log_path: Path, *, port: int = SMTP_PORT) -> None:
        self.port = port
        self.host = ""
        self._lock = threading.Lock()
        self._mails: list[CapturedMail] = []
        self._log = file_logger("smtp", log_path)
        self._controller: Controller | None = None

    def capture(self, mail: CapturedMail) -> None:
        with self._lock:
            self._mails.append(mail)
        self._log.info("mail from %s to %s: %s", mail.sender, ",".join(mail.recipients), mail.subject)

    def mails(self, to: str | None = None) -> list[CapturedMail]:
        with self._lock:
            return [m for m in self._mails if to is None or to.lower() in m.recipients]

    def wait_for_mail(self, to: str, *, containing: str = "", timeout: float = 10) -> CapturedMail:
        """The first mail to ``to`` mentioning ``containing``; the backend sends mail asynchronously."""
        return wait_until(
            lambda: next((m for m in self.mails(to) if m.mentions(containing)), None),
            timeout=timeout,
            description=f"a mail to {to} mentioning {containing!r}",
        )

    def __enter__(self) -> SmtpSink:
        for host in _LOOPBACK_HOSTS:
            if not _bindable(host, self.port):
                continue
            controller = Controller(
                _Handler(self),
                hostname=host,
                port=self.port,
                ready_timeout=5,
                auth_require_tls=False,
                authenticator=_accept_any_login,
            )
            try:
                controller.start()
            except (OSError, RuntimeError, TimeoutError):
                controller.loop.close()
                continue
            self._controller, self.host = controller, host
            return self
        close_logger(self._log)
        raise StagingError(f"SMTP sink: port {self.port} is taken on every loopback address 127.0.0.1-63")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            # aiosmtpd leaves the loop it made open; closing it here keeps its sockets from leaking.
            self._controller.loop.close()
            self._controller = None
        close_logger(self._log)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
