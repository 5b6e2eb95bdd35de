"""Pluggable SMS sending. Settings name the backend class (ZHIJIA_SMS_BACKEND); the default writes to the log."""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("zhijia.sms")


class LogSmsBackend:
    """Writes each message to the log instead of sending it (development and demo)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)
        LogSmsBackend.sent.append((phone, text))
        del LogSmsBackend.sent[:-100]


@lru_cache(maxsize=1)
def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def sms_send(*, phone: str, text: str) -> None:
    sms_backend().send(phone, text)
