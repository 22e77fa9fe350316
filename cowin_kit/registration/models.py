"""A beneficiary: a person registered under a citizen account (or as a walk-in)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cowin_kit.core.db import db, utcnow


class Beneficiary(db.Model):
    __tablename__ = "beneficiary"
    __table_args__ = (
        # The same identity document cannot be registered twice.
        sa.UniqueConstraint("id_doc_type", "id_hash"),
        sa.CheckConstraint("gender IN ('M', 'F', 'O')", name="gender"),
        # Due lists (reporting/due.py) read these instead of running the schedule engine per
        # person: the national list in date order, an area's list by where people live.
        sa.Index("ix_beneficiary_next_due", "next_due_booster", "next_due_from", "id"),
        sa.Index("ix_beneficiary_area_next_due", "area_id", "next_due_booster", "next_due_from"),
        # Reminders (reminders/selection.py): the people whose window ended in the last days.
        sa.Index("ix_beneficiary_next_due_until", "next_due_until", "id"),
        # Routine due lists and reminders read the stored next routine date (registration/
        # children.py keeps it), never the schedule engine over everyone.
        sa.Index("ix_beneficiary_next_routine_due", "next_routine_due", "id"),
        # Routine reports (reporting/routine_reports.py): the children born in a year or month.
        sa.Index("ix_beneficiary_birth_cohort", "birth_date", "area_id"),
        sa.CheckConstraint("guardian IN ('mother', 'father', 'guardian')", name="guardian"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_id: Mapped[str] = mapped_column(sa.String(14), unique=True)  # 14 digits
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizen_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    birth_year: Mapped[int] = mapped_column()
    birth_date: Mapped[dt.date | None] = mapped_column()
    gender: Mapped[str] = mapped_column(sa.String(1))
    # The identity document: all three NULL for a child registered without one (migration
    # 0022, docs/citizen-accounts.md "Children and pregnancies") until one is attached.
    id_doc_type: Mapped[str | None] = mapped_column(sa.String(32))  # identity_documents[].id
    id_hash: Mapped[str | None] = mapped_column(sa.String(64))  # keyed HMAC-SHA256, hex
    id_masked: Mapped[str | None] = mapped_column(sa.String(64))
    groups: Mapped[list] = mapped_column(default=list)  # priority groups from the profile
    comorbidity: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(sa.String(16))  # preferred language
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"), index=True)
    registered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))  # walk-ins
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # For travel: the passport's number and the name exactly as printed in it (Latin letters),
    # used for the EU DCC's fn/gn/fnt/gnt and shown on the certificate (migration 0006).
    passport_number: Mapped[str | None] = mapped_column(sa.String(20))
    passport_surname: Mapped[str | None] = mapped_column(sa.String(80))
    passport_given_names: Mapped[str | None] = mapped_column(sa.String(80))

    # The next dose, kept by the schedule engine in the transaction of every change to the
    # person's doses or to the facts it depends on (registration/next_due.py); all NULL before
    # the first dose and once the schedule is complete. ``cowin-kit reports rebuild-due``
    # recomputes them (after bulk loads or a change to the profile's schedules).
    next_dose_number: Mapped[int | None] = mapped_column()
    next_due_booster: Mapped[bool | None] = mapped_column()
    next_due_from: Mapped[dt.date | None] = mapped_column()  # first day it may be given
    next_due_until: Mapped[dt.date | None] = mapped_column()  # end of the recommended window
    next_due_product: Mapped[str | None] = mapped_column(sa.String(200))  # allowed, comma-joined
    last_dose_vaccine: Mapped[str | None] = mapped_column(sa.String(32))
    last_dose_on: Mapped[dt.date | None] = mapped_column()
    # A child registered under a parent's or guardian's account: the mother's record (a person
    # of the same account) and who the account holder is to the child.
    mother_id: Mapped[int | None] = mapped_column(sa.ForeignKey("beneficiary.id"))
    guardian: Mapped[str | None] = mapped_column(sa.String(16))
    # The routine schedule's next dose (profiles/routine.py), kept with every routine dose or
    # pregnancy recorded: the earliest due date of any antigen, and when it becomes overdue.
    next_routine_due: Mapped[dt.date | None] = mapped_column()
    next_routine_overdue: Mapped[dt.date | None] = mapped_column()


class Pregnancy(db.Model):
    """A woman's pregnancy, for the routine schedule's pregnancy programmes (Td)."""

    __tablename__ = "pregnancy"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id", ondelete="CASCADE"),
                                                index=True)
    start: Mapped[dt.date] = mapped_column()  # first day of the last menstrual period
    expected_delivery: Mapped[dt.date] = mapped_column()
    week_at_registration: Mapped[int] = mapped_column()
    ended_on: Mapped[dt.date | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RoutineDose(db.Model):
    """A routine immunisation dose (a product of the profile's routine.yaml) given to a person."""

    __tablename__ = "routine_dose"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    product: Mapped[str] = mapped_column(sa.String(32))  # routine.yaml products[].id
    given_on: Mapped[dt.date] = mapped_column()
    lot: Mapped[str] = mapped_column(sa.String(32), default="")
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"))
    vaccinator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RoutineDue(db.Model):
    """A person's next routine dose of one antigen in one programme (issue #19: due and overdue
    lists per antigen), kept by registration/routine_rows.py with every routine dose or
    pregnancy recorded; ``cowin-kit reports rebuild-due`` recomputes them. Only open doses
    (due, upcoming or overdue, still given) have a row; a complete series has none."""

    __tablename__ = "routine_due"
    __table_args__ = (
        # Due and overdue lists of one antigen (reporting/routine_due.py), in date order.
        sa.Index("ix_routine_due_antigen_due", "antigen", "due_on", "beneficiary_id"),
        sa.Index("ix_routine_due_antigen_overdue", "antigen", "overdue_on", "beneficiary_id"),
        # Every antigen's lists, and the overdue reminders' window (reminders/selection.py).
        sa.Index("ix_routine_due_due", "due_on", "beneficiary_id"),
        sa.Index("ix_routine_due_overdue", "overdue_on", "beneficiary_id"),
        # An area's lists: its people's rows (the person's area, copied: no join to beneficiary).
        sa.Index("ix_routine_due_area_due", "area_id", "due_on", "beneficiary_id"),
        sa.Index("ix_routine_due_area_overdue", "area_id", "overdue_on", "beneficiary_id"),
        # The daily refresh (registration/routine_refresh.py): rows whose last day has passed.
        sa.Index("ix_routine_due_last_day", "last_day", "beneficiary_id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beneficiary.id", ondelete="CASCADE"), primary_key=True)
    programme: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    antigen: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    dose_number: Mapped[int] = mapped_column()  # 1-based position in the series
    dose_name: Mapped[str | None] = mapped_column(sa.String(60))  # routine.yaml (MR-1)
    due_on: Mapped[dt.date] = mapped_column()  # recommended date
    overdue_on: Mapped[dt.date] = mapped_column()  # overdue from this day
    last_day: Mapped[dt.date | None] = mapped_column()  # last day it is given (None: no limit)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"))  # the person's
