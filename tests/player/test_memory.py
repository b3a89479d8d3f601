"""The malloc arena cap keeps a player's memory flat: threads that take turns allocating frame
buffers (as decoders of successive clips do) and live on would each keep their own arena's
peak without it. Real glibc, real threads, RSS read from /proc."""

from __future__ import annotations

import subprocess
import sys

CHURN = """
import ctypes, sys, threading
from player.memory import limit_malloc_arenas

if sys.argv[1] == "capped":
    assert limit_malloc_arenas()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def rss_mb():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmRSS"))
    return int(line.split()[1]) / 1024

turn, done, kept = threading.Lock(), threading.Event(), []

def decoder():
    with turn:  # one burst of frame buffers at a time, 16 MB, all freed but the last
        frames = [libc.malloc(100_000) for _ in range(160)]
        for frame in frames:
            ctypes.memset(frame, 1, 100_000)
        for frame in frames[:-1]:
            libc.free(frame)
        kept.append(frames[-1])
    done.wait()  # the thread lives on, and so does its arena

start = rss_mb()
threads = [threading.Thread(target=decoder) for _ in range(12)]
for thread in threads:
    thread.start()
while len(kept) < len(threads):
    pass
print(rss_mb() - start)
done.set()
"""


def grown_mb(mode: str) -> float:
    run = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return float(run.stdout)


def test_capped_arenas_keep_rss_flat_where_free_ones_grow():
    capped, free = grown_mb("capped"), grown_mb("free")
    assert free > 3 * capped, f"RSS grew {capped:.0f} MB capped and {free:.0f} MB without the cap"
    assert capped < 4 * 16, f"capped, RSS grew {capped:.0f} MB for bursts of 16 MB"
