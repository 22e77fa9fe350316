"""Prometheus metrics of the running kit: requests, bookings, doses, OTPs, texts, caches, pools.

The metric objects live here, in the shared kernel, so every domain can count without importing
the web layer; ``cowin_kit.web.metrics`` serves them at ``/metrics`` with the signing-key gauges
and the values computed at scrape time (SMS queue).

Under gunicorn every worker is its own process. With ``PROMETHEUS_MULTIPROC_DIR`` set before
prometheus-client is imported (deploy/gunicorn.conf.py sets it to a fresh folder per master and
marks dead workers with ``child_exit``), each worker writes its values to memory-mapped files in
that folder and the worker answering a scrape adds up every worker's files
(``prometheus_client.multiprocess``): counters and histograms are summed, pool gauges are summed
over the live workers. Without it (tests, ``cowin-kit demo``) the values are this process's.

Labels never carry personal data or ids: requests are labelled by route *rule*
(``/desk/beneficiary/<ref>``), never by the path a client sent.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics, values

# No "<name>_created" series next to every counter: they double the output and no dashboard or
# alert of the kit reads them.
disable_created_metrics()

#: True when values go to PROMETHEUS_MULTIPROC_DIR (decided by prometheus-client at its import).
MULTIPROCESS = values.ValueClass is not values.MutexValue

#: Request durations: fast public reads (ms) to slow exports (tens of seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter(
    "cowin_kit_http_requests_total", "HTTP requests answered, by route rule, method and status.",
    ["route", "method", "status"], registry=None)
LATENCY = Histogram(
    "cowin_kit_http_request_duration_seconds",
    "Time from receiving a request to its last byte, by route rule and method.",
    ["route", "method"], buckets=LATENCY_BUCKETS, registry=None)
IN_FLIGHT = Gauge(
    "cowin_kit_http_requests_in_flight", "Requests being answered now (all workers).",
    registry=None, multiprocess_mode="livesum")

EVENTS = Counter(
    "cowin_kit_events_total",
    "Committed audited actions (appointment.book, dose.record, beneficiary.view, ...).",
    ["action", "outcome"], registry=None)
APPOINTMENT_ACTIONS = ("book", "reschedule", "cancel")
APPOINTMENTS = Counter(
    "cowin_kit_appointments_total", "Appointments booked, rescheduled or cancelled (committed).",
    ["action"], registry=None)
DOSES = Counter(
    "cowin_kit_doses_recorded_total", "Doses recorded at a desk (committed), by vaccine product.",
    ["vaccine"], registry=None)
OTPS = Counter(
    "cowin_kit_otp_sent_total", "One-time passwords sent, by the gateway's outcome.",
    ["outcome"], registry=None)
SMS = Counter(
    "cowin_kit_sms_total", "Texts handed to the SMS backend, by purpose and resulting status.",
    ["purpose", "status"], registry=None)

CACHE = Counter(
    "cowin_kit_cache_requests_total",
    "Look-ups of the availability caches: hit (fresh entry), stale (served while another "
    "caller rebuilds) or miss (computed from the database).",
    ["cache", "result"], registry=None)

DB_POOL = Gauge(
    "cowin_kit_db_pool_connections",
    "SQLAlchemy pool connections of the web workers, by database and state "
    "(checked_out: in use; idle: open and waiting; overflow: beyond pool_size).",
    ["database", "state"], registry=None, multiprocess_mode="livesum")
DB_POOL_SIZE = Gauge(
    "cowin_kit_db_pool_size",
    "Configured pool_size + max_overflow per worker, summed over the live workers: the most "
    "connections these workers may open.",
    ["database"], registry=None, multiprocess_mode="livesum")
DB_CHECKOUTS = Counter(
    "cowin_kit_db_pool_checkouts_total", "Connections taken from the pool.", ["database"],
    registry=None)

#: Everything above, for a registry outside multiprocess mode.
ALL = (REQUESTS, LATENCY, IN_FLIGHT, EVENTS, APPOINTMENTS, DOSES, OTPS, SMS, CACHE, DB_POOL,
       DB_POOL_SIZE, DB_CHECKOUTS)


#: The labelled cache series, looked up once (a ready hit counts one per request).
_CACHE_SERIES: dict[tuple[str, str], object] = {}


def count_cache(cache: str, result: str) -> None:
    series = _CACHE_SERIES.get((cache, result))
    if series is None:
        series = _CACHE_SERIES.setdefault((cache, result), CACHE.labels(cache, result))
    series.inc()


def watch_pool(engine, database: str) -> None:
    """Follow ``engine``'s pool: connections in use, idle and in overflow, updated at each
    checkout and checkin (the gauges of a dead worker vanish with it: ``livesum``)."""
    from sqlalchemy import event
    from sqlalchemy.pool import QueuePool

    pool = engine.pool
    if getattr(pool, "_cowin_kit_watched", False):
        return
    pool._cowin_kit_watched = True
    if isinstance(pool, QueuePool):
        DB_POOL_SIZE.labels(database).set(pool.size() + max(pool._max_overflow, 0))

    def update(*_args) -> None:
        if not isinstance(pool, QueuePool):
            return
        DB_POOL.labels(database, "checked_out").set(pool.checkedout())
        DB_POOL.labels(database, "idle").set(pool.checkedin())
        DB_POOL.labels(database, "overflow").set(max(pool.overflow(), 0))

    def checkout(*_args) -> None:
        DB_CHECKOUTS.labels(database).inc()
        update()

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", update)
    event.listen(pool, "close", update)
