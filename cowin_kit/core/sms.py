"""SMS gateway: localised texts and pluggable delivery backends (outbox, log, http).

``send_sms`` is called AFTER the caller has committed its own work: it records the message,
delivers it with the backend named by ``SMS_BACKEND`` and commits the record (a slow SMS
provider must never hold a database transaction open).

Texts are registered once with ``register_sms_text(key, lazy_text)`` and rendered in the
recipient's language with ``render_sms(key, locale, **params)``.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any, Callable

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from cowin_kit.core.db import db
from cowin_kit.core.models import SmsMessage

log = logging.getLogger("cowin_kit.sms")

SMS_TEXTS: dict[str, Any] = {
    "otp": _l("%(otp)s is your OTP to sign in to the vaccination portal. "
              "It is valid for 3 minutes. Do not share it."),
}


def register_sms_text(key: str, text: Any) -> None:
    """Make a (lazy) localisable SMS text available to ``render_sms`` under ``key``."""
    SMS_TEXTS[key] = text


def render_sms(key: str, locale: str | None, **params: Any) -> str:
    """Return the SMS text ``key`` translated into ``locale`` with its parameters filled in."""
    text = SMS_TEXTS[key]
    locale = locale or _default_locale()
    with force_locale(locale):
        rendered = str(text)
    return rendered % params if params else rendered


def _default_locale() -> str:
    from cowin_kit.profiles import get_profile  # core imports no domain at import time

    return get_profile().default_locale


class SmsDeliveryError(Exception):
    """The provider did not accept the message after every retry."""


def _deliver_outbox(message: SmsMessage) -> None:
    message.status = "held"


def _deliver_log(message: SmsMessage) -> None:
    log.info("SMS to %s (%s, %s): %s", message.mobile, message.purpose, message.locale,
             message.body)
    message.status = "sent"


def _deliver_http(message: SmsMessage) -> None:
    """POST {to, text, purpose} to SMS_HTTP_URL; retry with back-off on 5xx and timeouts."""
    config = current_app.config
    url = config.get("SMS_HTTP_URL")
    if not url:
        raise SmsDeliveryError("SMS_BACKEND is http but SMS_HTTP_URL is not set")
    retries = int(config.get("SMS_HTTP_RETRIES", 3))
    backoff = float(config.get("SMS_HTTP_BACKOFF", 0.5))
    timeout = float(config.get("SMS_HTTP_TIMEOUT", 5))
    payload = json.dumps({"to": message.mobile, "text": message.body,
                          "purpose": message.purpose}).encode()
    headers = {"Content-Type": "application/json"}
    if config.get("SMS_HTTP_TOKEN"):
        headers["Authorization"] = f"Bearer {config['SMS_HTTP_TOKEN']}"
    for attempt in range(retries + 1):
        message.attempts = attempt + 1
        request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            message.status = "sent"
            message.error = None
            return
        except urllib.error.HTTPError as exc:
            message.error = f"HTTP {exc.code}"
            if exc.code < 500:  # the provider refuses this message: retrying will not help
                break
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            message.error = str(getattr(exc, "reason", exc))
        if attempt < retries:
            time.sleep(backoff * 2 ** attempt)
    raise SmsDeliveryError(message.error or "delivery failed")


BACKENDS: dict[str, Callable[[SmsMessage], None]] = {
    "outbox": _deliver_outbox,
    "log": _deliver_log,
    "http": _deliver_http,
}


def send_sms(mobile_e164: str, body: str, *, purpose: str, locale: str) -> SmsMessage:
    """Record and deliver one SMS; commits. A failed delivery is recorded, not raised."""
    backend = str(current_app.config.get("SMS_BACKEND") or "outbox")
    deliver = BACKENDS.get(backend)
    if deliver is None:
        raise ValueError(f"unknown SMS_BACKEND {backend!r}; use one of {', '.join(BACKENDS)}")
    message = SmsMessage(mobile=mobile_e164, body=body, purpose=purpose, locale=locale,
                         backend=backend, status="queued", attempts=0)
    try:
        deliver(message)
    except SmsDeliveryError as exc:
        message.status = "failed"
        message.error = str(exc)
        log.warning("SMS to %s not delivered: %s", mobile_e164, exc)
    db.session.add(message)
    db.session.commit()
    return message


def outbox(mobile_e164: str | None = None, limit: int = 20) -> list[SmsMessage]:
    """Return the newest messages held by the outbox backend, optionally for one mobile."""
    query = db.select(SmsMessage).where(SmsMessage.backend == "outbox")
    if mobile_e164:
        query = query.where(SmsMessage.mobile == mobile_e164)
    query = query.order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(limit)
    return list(db.session.scalars(query))
