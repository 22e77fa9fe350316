"""Request ids made by the kit: random, 32 hex digits, never the same twice (threads taking
them at once, a forked child after its parent)."""

from __future__ import annotations

import os
import re
import threading

from cowin_kit.web.observe import _RequestIds


def test_ids_are_random_hex_and_unique_across_threads():
    ids = _RequestIds()
    seen: list[list[str]] = [[] for _ in range(8)]

    def take(mine):
        for _ in range(2_000):
            mine.append(ids())

    threads = [threading.Thread(target=take, args=(mine,)) for mine in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for mine in seen for i in mine]
    assert len(every) == 16_000 == len(set(every))
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in every)


def test_a_forked_child_does_not_reuse_its_parents_ids():
    ids = _RequestIds()
    ids()  # the parent now holds 255 unused ids
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send 300 ids back, then leave without running the test session
        try:
            os.write(write, "\n".join(ids() for _ in range(300)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split("\n"))
    os.waitpid(pid, 0)
    parent = {ids() for _ in range(300)}
    assert len(child) == 300 and not child & parent
