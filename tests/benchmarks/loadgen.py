"""An asyncio HTTP/1.1 load generator: every connection opened first, then closed-loop
keep-alive GETs (or one request per connection for a race), in one process and one thread.

    from loadgen import run_load, measure_overhead
    result = run_load("127.0.0.1", port, "/healthz", seconds=5, connections=16, headers={})

Its own cost is measured, not guessed: ``measure_overhead`` runs it against a minimal asyncio
server that answers a fixed response of the same size with no work, and every run reports the
generator's CPU seconds per request (``resource.getrusage``), so what it takes from the two
shared cores can be subtracted or compared.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import time


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read one response (Content-Length framed, or none for 1xx/204/304); (status, body size)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    if length and status not in (204, 304):
        await reader.readexactly(length)
    return status, length


def _request(host: str, port: int, path: str, headers: dict[str, str], method: str = "GET",
             body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Client(asyncio.BufferedProtocol):
    """One keep-alive connection in a closed loop: a request, its whole response, the next.

    Responses are received into one preallocated buffer and only counted (headers parsed,
    body bytes skipped), so a 500 kB answer costs the generator little more than the kernel's
    copy."""

    BUFFER = 1 << 20

    def __init__(self, request: bytes, stop_at: float, results: dict, done: asyncio.Future):
        self.request, self.stop_at, self.results, self.done = request, stop_at, results, done
        self.buffer = bytearray(self.BUFFER)
        self.view = memoryview(self.buffer)
        self.head = bytearray()
        self.remaining = -1  # -1: reading the head
        self.started = 0.0
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def go(self) -> None:
        self.started = time.perf_counter()
        self.transport.write(self.request)

    def get_buffer(self, sizehint: int):
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        if self.remaining < 0:
            if self.head:
                self.head += self.view[:nbytes]
                data, size = self.head, len(self.head)
            else:  # usually the whole head is in this read: find it without copying
                data, size = self.buffer, nbytes
            end = data.find(b"\r\n\r\n", 0, size)
            if end < 0:
                if not self.head:
                    self.head += self.view[:nbytes]
                return
            lines = bytes(data[:end]).split(b"\r\n")
            status = int(lines[0][9:12])
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                    break
            if status in (204, 304):
                length = 0
            self.status = status
            self.remaining = length - (size - end - 4)
            self.head.clear()
        else:
            self.remaining -= nbytes
        if self.remaining == 0:
            self.remaining = -1
            now = time.perf_counter()
            self.results["latencies"].append(now - self.started)
            statuses = self.results["statuses"]
            statuses[self.status] = statuses.get(self.status, 0) + 1
            if time.monotonic() < self.stop_at:
                self.go()
            elif not self.done.done():
                self.results["open"] -= 1
                if self.results["open"] == 0:
                    self.done.set_result(None)

    def connection_lost(self, exc) -> None:
        if self.remaining != -1 or time.monotonic() < self.stop_at:
            self.results["errors"] += 1
            self.results["open"] -= 1
            if self.results["open"] == 0 and not self.done.done():
                self.done.set_result(None)


async def _load(host, port, path, seconds, connections, headers) -> dict:
    loop = asyncio.get_running_loop()
    request = _request(host, port, path, headers)
    results = {"latencies": [], "statuses": {}, "errors": 0, "open": connections}
    done = loop.create_future()
    # All sockets first: the measurement starts with every connection established.
    clients = []
    for _ in range(connections):
        _, client = await loop.create_connection(
            lambda: _Client(request, float("inf"), results, done), host, port)
        clients.append(client)
    cpu = _cpu()
    began = time.monotonic()
    for client in clients:
        client.stop_at = began + seconds
        client.go()
    await done
    elapsed = time.monotonic() - began
    cpu = _cpu() - cpu
    for client in clients:
        client.transport.close()
    latencies = sorted(results["latencies"])
    n = len(latencies)
    return {"requests": n, "rps": n / elapsed, "statuses": results["statuses"],
            "errors": results["errors"],
            "p50_ms": latencies[n // 2] * 1000 if n else None,
            "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else None,
            "client_cpu_us": cpu / n * 1e6 if n else None,
            "tool": f"asyncio ({connections} connections)"}


def run_load(host: str, port: int, path: str, *, seconds: float, connections: int,
             headers: dict[str, str] | None = None) -> dict:
    """Closed-loop keep-alive load on one path for ``seconds``; rates, latencies, own CPU."""
    return asyncio.run(_load(host, port, path, seconds, connections, dict(headers or {})))


async def _race(host, port, requests: list[tuple[str, str, dict, bytes]]) -> list[tuple]:
    """One connection per request, all opened first, all requests written at once."""
    conns = [await asyncio.open_connection(host, port) for _ in requests]
    results: list[tuple] = []
    start = time.perf_counter()

    async def one(conn, req):
        reader, writer = conn
        method, path, headers, body = req
        writer.write(_request(host, port, path, {**headers, "Connection": "close"}, method, body))
        try:
            status, _ = await _read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            status = 0
        results.append((status, time.perf_counter() - start))
        writer.close()

    await asyncio.gather(*(one(c, r) for c, r in zip(conns, requests)))
    return results


def run_race(host: str, port: int, requests: list[tuple[str, str, dict, bytes]]) -> list[tuple]:
    """Send every request at once on its own connection: [(status, seconds after start)]."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < len(requests) + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, len(requests) + 1000), hard))
    return asyncio.run(_race(host, port, requests))


# -- the generator's own overhead --------------------------------------------------------------

def _null_server(port_queue, body_size: int) -> None:
    async def handle(reader, writer):
        response = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(body_size).encode() + b"\r\n\r\n" + b"x" * body_size)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(response)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
        port_queue.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def measure_overhead(seconds: float, connections: int, body_size: int) -> dict:
    """The generator against a server that does nothing (a fixed answer of ``body_size``
    bytes, asyncio, another process): the most it can send here, and its CPU per request."""
    queue = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=_null_server,
                                                          args=(queue, body_size), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=30)
        return run_load("127.0.0.1", port, "/", seconds=seconds, connections=connections)
    finally:
        server.terminate()
        server.join(5)
