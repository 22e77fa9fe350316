"""SMS gateway: localised texts and pluggable delivery backends (outbox, log, http).

Two ways to send:

- ``queue_sms`` (notifications: bookings, changes, cancellations) records the message in the
  caller's own transaction, so it exists exactly when the caller's work commits. The local
  backends (outbox, log) finish at once; with ``http`` the message waits as ``queued`` and is
  handed, once the transaction has committed, to a small pool of background threads in the
  process, which deliver it (with the retries below) and record the outcome. A slow or dead
  provider therefore never holds a request thread or a database transaction, even when a
  cancelled session texts hundreds of people. ``cowin-kit sms deliver`` picks up messages
  that a stopped process left behind.
- ``send_sms`` (the OTP, which the person is waiting for) delivers during the request, after
  the caller has committed its own work, and commits the record.

A text that carries a secret (the OTP) is recorded redacted: ``send_sms(..., stored_body=...)``
sends ``body`` and keeps only ``stored_body`` ("****** is your OTP…") in the database. The
``outbox`` backend, the demo's and tests' stand-in for the person's phone, keeps such a text
whole only in ``OutboxPhone`` (files in the instance folder that expire with the OTP), so the
demo page and ``cowin-kit sms outbox`` can still show it. Finished texts are deleted after
``SMS_RETENTION_DAYS`` by ``cowin-kit sms purge`` (``purge_finished``).

Texts are registered once with ``register_sms_text(key, lazy_text)`` and rendered in the
recipient's language with ``render_sms(key, locale, **params)``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Callable

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from cowin_kit.core.db import db, utcnow
from cowin_kit.core.metrics import OTPS as OTP_COUNT
from cowin_kit.core.metrics import SMS as SMS_COUNT
from cowin_kit.core.models import SmsMessage
# The outbox phone (core.sms_outbox): part of this module's interface; send_sms keeps texts in it.
from cowin_kit.core.sms_outbox import OutboxPhone, OutboxText, outbox, outbox_phone  # noqa: F401
from cowin_kit.profiles import get_profile  # core imports no domain at import time

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
    return get_profile().default_locale


class SmsDeliveryError(Exception):
    """The provider did not accept the message after every retry."""


def _deliver_outbox(message: SmsMessage, text: str) -> None:
    message.status = "held"


def _deliver_log(message: SmsMessage, text: str) -> None:
    # What was sent, not to whom or what it said: a log is kept and shipped far more widely
    # than the database, and texts name the person (and carry OTPs and secret codes). Read the
    # texts with the outbox backend (demo page, `cowin-kit sms outbox`).
    log.info("SMS %s (%s, %s): %d characters", message.id or "(new)", message.purpose,
             message.locale, len(message.body or ""))
    message.status = "sent"


def _deliver_http(message: SmsMessage, text: str) -> None:
    """POST {to, text, purpose} to SMS_HTTP_URL; retry with back-off on 5xx and timeouts."""
    config = current_app.config
    url = config.get("SMS_HTTP_URL")
    if not url:
        raise SmsDeliveryError("SMS_BACKEND is http but SMS_HTTP_URL is not set")
    retries = int(config.get("SMS_HTTP_RETRIES", 3))
    backoff = float(config.get("SMS_HTTP_BACKOFF", 0.5))
    timeout = float(config.get("SMS_HTTP_TIMEOUT", 5))
    payload = json.dumps({"to": message.mobile, "text": text,
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


#: A backend delivers ``text`` (the whole message) for the record ``message`` and sets its status.
BACKENDS: dict[str, Callable[[SmsMessage, str], None]] = {
    "outbox": _deliver_outbox,
    "log": _deliver_log,
    "http": _deliver_http,
}


#: Backends that reach the outside world (delivered after the commit, off the request thread).
REMOTE = {"http"}
QUEUED_KEY = "cowin_kit.sms.queued"


def _backend() -> tuple[str, Callable[[SmsMessage, str], None]]:
    backend = str(current_app.config.get("SMS_BACKEND") or "outbox")
    deliver = BACKENDS.get(backend)
    if deliver is None:
        raise ValueError(f"unknown SMS_BACKEND {backend!r}; use one of {', '.join(BACKENDS)}")
    return backend, deliver


def _attempt(deliver: Callable[[SmsMessage, str], None], message: SmsMessage,
             text: str | None = None) -> None:
    """Deliver ``text`` (default: the recorded body); a failure is recorded, not raised."""
    try:
        deliver(message, message.body if text is None else text)
    except SmsDeliveryError as exc:
        message.status = "failed"
        message.error = str(exc)
        # The message's id and purpose, never its mobile number (not even masked).
        log.warning("SMS %s (%s) not delivered: %s", message.id or "(new)", message.purpose, exc)
    SMS_COUNT.labels(message.purpose, message.status).inc()


def _new_message(mobile_e164: str, body: str, purpose: str, locale: str):
    backend, deliver = _backend()
    return SmsMessage(mobile=mobile_e164, body=body, purpose=purpose, locale=locale,
                      backend=backend, status="queued", attempts=0), deliver


def send_sms(mobile_e164: str, body: str, *, purpose: str, locale: str,
             stored_body: str | None = None) -> SmsMessage:
    """Deliver one SMS now and record it; commits. A failed delivery is recorded, not raised.

    ``stored_body`` is what the record keeps instead of ``body`` when the text carries a secret
    (the OTP): the gateway gets ``body``, the database never does."""
    message, deliver = _new_message(mobile_e164, body if stored_body is None else stored_body,
                                    purpose, locale)
    _attempt(deliver, message, body)
    db.session.add(message)
    db.session.commit()
    if purpose == "otp":
        OTP_COUNT.labels("failed" if message.status == "failed" else "sent").inc()
    if message.backend == "outbox" and body != message.body:
        outbox_phone().keep(message.id, body)
    return message


def queue_sms(mobile_e164: str, body: str, *, purpose: str, locale: str) -> SmsMessage:
    """Record one SMS in the caller's transaction; it goes out only if that transaction commits.

    Does not commit. With a remote backend the message is delivered in the background after
    the commit; with a local one it is final at once."""
    message, deliver = _new_message(mobile_e164, body, purpose, locale)
    if message.backend not in REMOTE:
        _attempt(deliver, message)
    db.session.add(message)
    if message.status == "queued":
        db.session.info.setdefault(QUEUED_KEY, []).append(message)
    return message


# -- background delivery -----------------------------------------------------------------------

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_pending: set[Future] = set()


def _executor() -> ThreadPoolExecutor:
    """The process's delivery threads, made on first use (after gunicorn has forked)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = int(current_app.config.get("SMS_DELIVERY_THREADS", 4))
            _pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                       thread_name_prefix="cowin-kit-sms")
        return _pool


def _after_commit(session) -> None:
    messages = session.info.pop(QUEUED_KEY, None)
    if not messages:
        return
    ids = [identity[0] for identity in (sa.inspect(m).identity for m in messages) if identity]
    if ids:
        app = current_app._get_current_object()
        future = _executor().submit(_deliver_in_background, app, ids)
        _pending.add(future)
        future.add_done_callback(_pending.discard)


def _after_rollback(session) -> None:
    session.info.pop(QUEUED_KEY, None)


def install() -> None:
    """Hand queued messages to the delivery threads when their transaction commits (idempotent)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _waiting(stale_before: dt.datetime | None):
    """Messages free to take: ``queued`` ones, and with ``stale_before`` also those a deliverer
    took (``sending``) before that moment and never finished — a stopped process; a live one
    is done within the provider's timeouts and retries, far below the cut-off."""
    table = SmsMessage.__table__
    waiting = table.c.status == "queued"
    if stale_before is not None:
        waiting = sa.or_(waiting, sa.and_(table.c.status == "sending",
                                          table.c.claimed_at < stale_before))
    return waiting


def _claim(message_id: int, stale_before: dt.datetime | None = None) -> SmsMessage | None:
    """Take one message for delivery: an atomic compare-and-set that stamps ``claimed_at``, so
    two deliverers never send the same message."""
    table = SmsMessage.__table__
    taken = db.session.execute(table.update()
                               .where(table.c.id == message_id, _waiting(stale_before))
                               .values(status="sending", claimed_at=utcnow()))
    db.session.commit()
    if taken.rowcount != 1:
        return None
    message = db.session.get(SmsMessage, message_id)
    db.session.expunge(message)
    db.session.close()  # no connection is held while the provider answers
    return message


def deliver_queued(ids, stale_before: dt.datetime | None = None) -> list[SmsMessage]:
    """Deliver the given queued messages, each with the backend it was recorded for (which sets
    its final status); record each outcome."""
    done = []
    for message_id in ids:
        message = _claim(message_id, stale_before)
        if message is None:
            continue
        _attempt(BACKENDS[message.backend], message)  # notifications: the record is the text
        db.session.execute(SmsMessage.__table__.update()
                           .where(SmsMessage.__table__.c.id == message.id)
                           .values(status=message.status, attempts=message.attempts,
                                   error=message.error))
        db.session.commit()
        done.append(message)
    return done


def _deliver_in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver_queued(ids)
        except Exception:  # noqa: BLE001 - a background thread has no one else to tell
            log.exception("SMS delivery of messages %s failed; `cowin-kit sms deliver` retries", ids)
        finally:
            db.session.remove()


def wait_for_deliveries(timeout: float | None = None) -> bool:
    """Wait for this process's background deliveries; True when none is left."""
    remaining = wait(list(_pending), timeout=timeout).not_done
    return not remaining


def stranded(stale_before: dt.datetime, limit: int = 1000) -> list[int]:
    """Ids of messages a stopped process left undelivered (oldest first)."""
    table = SmsMessage.__table__
    return list(db.session.scalars(
        sa.select(table.c.id).where(
            table.c.backend.in_(REMOTE), table.c.created_at < stale_before,
            _waiting(stale_before))
        .order_by(table.c.id).limit(limit)))


# -- retention -------------------------------------------------------------------------------------

#: Statuses after which nothing more happens to a message (``queued``/``sending`` still wait).
FINISHED = ("sent", "held", "failed")


def purge_finished(older_than: dt.datetime, batch: int = 5000) -> int:
    """Delete finished messages created before ``older_than`` (in batches, each committed, so no
    long lock on a large table); return how many. Texts still waiting to go out are kept."""
    table = SmsMessage.__table__
    total = 0
    while True:
        ids = sa.select(table.c.id).where(table.c.status.in_(FINISHED),
                                          table.c.created_at < older_than).limit(batch)
        # (a derived table: MySQL-style "IN (... LIMIT)" is refused by some databases)
        deleted = db.session.execute(table.delete().where(
            table.c.id.in_(sa.select(ids.subquery().c.id)))).rowcount
        db.session.commit()
        total += deleted
        if deleted < batch:
            break
    outbox_phone().prune()
    return total
