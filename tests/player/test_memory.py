import ctypes
import threading

from player.memory import limit_malloc_arenas


def test_malloc_arenas_are_capped_on_glibc():
    assert limit_malloc_arenas() is True
    # threads still allocate and free normally under the cap
    done = []

    def work() -> None:
        buffers = [ctypes.create_string_buffer(1 << 20) for _ in range(8)]
        done.append(len(buffers))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done == [8] * 6
