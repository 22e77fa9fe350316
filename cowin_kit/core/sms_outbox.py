"""The outbox backend's "phone": the demo's and the tests' stand-in for a person's phone. A text
recorded redacted (an OTP) is kept whole in ``OutboxPhone`` (files in the instance folder that
expire with the OTP); ``outbox`` lists what the outbox backend held, for the demo page and
``cowin-kit sms outbox``. Sending is in ``core.sms``."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from cowin_kit.core.db import db
from cowin_kit.core.models import SmsMessage


class OutboxPhone:
    """Whole texts the outbox backend "delivered" whose record is redacted (OTPs), one file per
    message (mode 0600) in the instance folder, gone once the OTP has expired. The outbox is the
    demo's and the tests' stand-in for a phone on this machine: the web process and
    ``cowin-kit sms outbox`` both read it; nothing of it is in the database."""

    def __init__(self, folder: str | Path, ttl_seconds: float) -> None:
        self.folder = Path(folder)
        self.ttl = ttl_seconds

    def _path(self, message_id: int) -> Path:
        return self.folder / f"{int(message_id)}.txt"

    def keep(self, message_id: int, text: str) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.prune()
        tmp = self.folder / f".{int(message_id)}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        tmp.replace(self._path(message_id))

    def read(self, message_id: int) -> str | None:
        path = self._path(message_id)
        try:
            if time.time() - path.stat().st_mtime < self.ttl:
                return path.read_text(encoding="utf-8")
            path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
        return None

    def prune(self) -> int:
        """Delete the expired texts; return how many."""
        removed = 0
        now = time.time()
        for path in self.folder.glob("*.txt") if self.folder.is_dir() else ():
            try:
                if now - path.stat().st_mtime >= self.ttl:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed


def outbox_phone(app: Flask | None = None) -> OutboxPhone:
    """The outbox phone of this instance (its texts live as long as an OTP is valid)."""
    app = app or current_app._get_current_object()
    return OutboxPhone(Path(app.instance_path) / "sms-outbox",
                       float(app.config.get("OTP_VALID_SECONDS", 180)))


@dataclass(frozen=True)
class OutboxText:
    """A message as the outbox phone received it (read-only; never written back)."""

    id: int
    created_at: dt.datetime
    mobile: str
    purpose: str
    locale: str
    body: str
    status: str


def outbox(mobile_e164: str | None = None, limit: int = 20) -> list[OutboxText]:
    """Return the newest messages held by the outbox backend, optionally for one mobile; a
    redacted text reads whole while the phone still has it."""
    query = db.select(SmsMessage).where(SmsMessage.backend == "outbox")
    if mobile_e164:
        query = query.where(SmsMessage.mobile == mobile_e164)
    query = query.order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(limit)
    phone = outbox_phone()
    return [OutboxText(m.id, m.created_at, m.mobile, m.purpose, m.locale,
                       phone.read(m.id) or m.body, m.status)
            for m in db.session.scalars(query)]
