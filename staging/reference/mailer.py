"""Outgoing mail: through SMTP when SMTP_HOST is set, otherwise only logged (API.md 9.5).

Mail never decides a response: handlers send it as a background task after answering, and failures
are logged, not raised.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from staging.reference.settings import Settings

log = logging.getLogger("almarya.reference.mail")

SMTP_TIMEOUT_SECONDS = 10


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return self._settings.smtp_host is not None

    def send_mail(self, to: str, subject: str, body: str) -> bool:
        """Send one plain-text mail; True when an SMTP server accepted it."""
        if not self.configured:
            log.info("Mail not sent (SMTP not configured): to=%s subject=%r", to, subject)
            return False
        message = EmailMessage()
        message["From"] = self._settings.email_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            self._deliver(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("Mail to %s failed: %s", to, exc)
            return False
        log.info("Mail sent: to=%s subject=%r", to, subject)
        return True

    def _deliver(self, message: EmailMessage) -> None:
        settings = self._settings
        host = settings.smtp_host or ""
        # Like nodemailer: implicit TLS on 465, otherwise STARTTLS when the server offers it.
        if settings.smtp_port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
        else:
            smtp = smtplib.SMTP(host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            smtp.ehlo()
            if settings.smtp_port != 465 and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user and settings.smtp_pass and smtp.has_extn("auth"):
                smtp.login(settings.smtp_user, settings.smtp_pass)
            smtp.send_message(message)
