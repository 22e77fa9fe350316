"""Benchmark: throughput as kit instances are added on one machine, the production shape in
small: several gunicorn instances behind nginx, PgBouncer (transaction mode) in front of the
primary, public reads from a streaming replica, Redis for the shared caches and limits.

Start the replica and PgBouncer first (the same way .ci/checks/scale.sh does; ports given
below), then:

    .venv/bin/python tests/benchmarks/bench_scale_out.py --replica 127.0.0.1:5433 \\
        --pgbouncer 127.0.0.1:6432 [--redis redis://127.0.0.1:6379/3] [--instances 1,2,3,4]
        [--seconds 8] [--connections 32]

For each instance count it starts that many gunicorn instances (1 worker x 8 threads each,
as a pod with one CPU), an nginx in front (least_conn, keep-alive upstreams), and loads the
public district availability (gzip) and the national dashboard through nginx. Each answer is
cached for its TTL (availability 5 s, dashboard 30 s) in Redis, so the database work is one
rebuild per TTL per key; the load measures what the web tier can serve. Prints one line per
instance count. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from bench_availability import (GZ, bench_app, free_port, gunicorn, load_average,  # noqa: E402
                                machine, migrate, scratch_database, seed_district)
from sqlalchemy.engine import make_url  # noqa: E402


@contextmanager
def nginx(ports: list[int]):
    """nginx on a free loopback port, balancing over the gunicorn ``ports``."""
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="cowin-kit-nginx-"))
    upstream = "\n".join(f"    server 127.0.0.1:{p};" for p in ports)
    (work / "nginx.conf").write_text(f"""
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  upstream kit {{
    least_conn;
{upstream}
    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://kit;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_read_timeout 65s;
    }}
  }}
}}
""")
    proc = subprocess.Popen(["/usr/sbin/nginx", "-p", str(work), "-c", str(work / "nginx.conf"),
                             "-g", "daemon off;"])
    try:
        time.sleep(0.5)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def on(server: str, url: str) -> str:
    host, port = server.split(":")
    return make_url(url).set(host=host, port=int(port)).render_as_string(hide_password=False)


def main() -> None:
    from loadgen import run_load

    parser = argparse.ArgumentParser()
    parser.add_argument("--replica", required=True, help="host:port of the streaming replica")
    parser.add_argument("--pgbouncer", required=True, help="host:port of PgBouncer")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--instances", default="1,2,3,4")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    counts = [int(n) for n in args.instances.split(",")]

    with scratch_database() as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        migrate(app)
        seeded = seed_district(app)
        env = {"COWIN_KIT_DATABASE_URL": on(args.pgbouncer, url),
               "COWIN_KIT_DATABASE_POOLER": "pgbouncer",
               "COWIN_KIT_DATABASE_REPLICA_URL": on(args.replica, url),
               "COWIN_KIT_REDIS_URL": args.redis,
               "COWIN_KIT_RATE_LIMIT_PUBLIC": "100000000 per minute",
               "COWIN_KIT_DB_POOL_SIZE": "4", "COWIN_KIT_DB_MAX_OVERFLOW": "4"}
        day = seeded["today"].strftime("%d-%m-%Y")
        paths = {
            "availability (gzip)": (f"/api/v2/appointment/sessions/public/calendarByDistrict"
                                    f"?district_id={seeded['cowin_district_id']}&date={day}", GZ),
            "dashboard": ("/dashboard", GZ),
        }
        print(f"machine: {machine()}; load average before: {load_average()}")
        print(f"{'instances':>9} | " + " | ".join(f"{name:>28}" for name in paths))
        for count in counts:
            with ExitStack() as stack:
                ports = [stack.enter_context(gunicorn(url, instance, workers=1, threads=8,
                                                      extra_env=env)) for _ in range(count)]
                front = stack.enter_context(nginx(ports))
                cells = []
                for path, headers in paths.values():
                    run_load("127.0.0.1", front, path, headers=headers, seconds=1,
                             connections=args.connections)  # warm caches and connections
                    result = run_load("127.0.0.1", front, path, headers=headers,
                                      seconds=args.seconds, connections=args.connections)
                    bad = {s: n for s, n in result["statuses"].items() if s != 200}
                    cells.append(f"{result['rps']:8.0f} req/s p99 {result['p99_ms']:6.0f} ms"
                                 + (f" {bad}" if bad else ""))
                print(f"{count:>9} | " + " | ".join(f"{c:>28}" for c in cells)
                      + f"   (load {load_average()})", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
