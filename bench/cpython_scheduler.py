"""CPython asyncio counterparts of bench/scheduler.ts, for the same table.

Prints one JSON object: {name: ops_per_second}. Run by bench/run.ts when
python3 is available; N is scaled by the first argument (default 1.0).
"""
import asyncio
import json
import sys
import time

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0


def n_of(x):
    return max(1, int(x * SCALE))


async def call_soon_batch(n):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    left = [n]

    def cb():
        left[0] -= 1
        if left[0] == 0:
            done.set_result(None)

    for _ in range(n):
        loop.call_soon(cb)
    await done


async def call_soon_chain(n):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    left = [n]

    def cb():
        left[0] -= 1
        if left[0] == 0:
            done.set_result(None)
        else:
            loop.call_soon(cb)

    loop.call_soon(cb)
    await done


async def sleep0(n):
    for _ in range(n):
        await asyncio.sleep(0)


async def tasks_gather(n):
    async def f(i):
        return i

    await asyncio.gather(*[asyncio.create_task(f(i)) for i in range(n)])


async def future_roundtrip(n):
    loop = asyncio.get_running_loop()
    for i in range(n):
        f = loop.create_future()
        f.set_result(i)
        await f


async def future_call_soon(n):
    loop = asyncio.get_running_loop()
    for i in range(n):
        f = loop.create_future()
        loop.call_soon(f.set_result, i)
        await f


async def timers(n):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    left = [n]

    def cb():
        left[0] -= 1
        if left[0] == 0:
            done.set_result(None)

    for i in range(n):
        loop.call_later((i % 51) / 1000, cb)
    await done


async def queue_put_get(n):
    q = asyncio.Queue()

    async def producer():
        for i in range(n):
            q.put_nowait(i)
            if i % 64 == 0:
                await asyncio.sleep(0)

    async def consumer():
        for _ in range(n):
            await q.get()

    await asyncio.gather(producer(), consumer())


async def queue_handoff(n):
    q = asyncio.Queue(1)

    async def producer():
        for i in range(n):
            await q.put(i)

    async def consumer():
        for _ in range(n):
            await q.get()

    await asyncio.gather(producer(), consumer())


async def lock_uncontended(n):
    lock = asyncio.Lock()
    for _ in range(n):
        async with lock:
            pass


CASES = {
    "call_soon_batch": (call_soon_batch, 1_000_000),
    "call_soon_chain": (call_soon_chain, 1_000_000),
    "sleep0": (sleep0, 1_000_000),
    "tasks_gather": (tasks_gather, 100_000),
    "future_roundtrip": (future_roundtrip, 1_000_000),
    "future_call_soon": (future_call_soon, 200_000),
    "timers": (timers, 100_000),
    "queue_put_get": (queue_put_get, 1_000_000),
    "queue_handoff": (queue_handoff, 200_000),
    "lock_uncontended": (lock_uncontended, 1_000_000),
}


def main():
    only = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else None
    out = {}
    for name, (fn, n) in CASES.items():
        if only and name not in only:
            continue
        n = n_of(n)
        rates = []
        for _ in range(3):
            t0 = time.perf_counter()
            asyncio.run(fn(n))
            rates.append(n / (time.perf_counter() - t0))
        rates.sort()
        out[name] = rates[1]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
