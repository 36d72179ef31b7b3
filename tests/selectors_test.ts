// The selectors over libc (CPython's test_selectors.py): register, modify,
// unregister, select with and without waiting, wake-ups, closing, on both
// EpollSelector and PollSelector.
import assert from "node:assert/strict";
import {
  type BaseSelector,
  DefaultSelector,
  EpollSelector,
  errno,
  EVENT_READ,
  EVENT_WRITE,
  OSError,
  PollSelector,
  RuntimeError,
  SelectorKey,
  type Socket,
  socketpair,
} from "../mod.ts";
import { SELECTOR } from "./_loops.ts";

const KINDS: [string, () => BaseSelector][] = [
  ["EpollSelector", () => new EpollSelector()],
  ["PollSelector", () => new PollSelector()],
];

/** Runs `body` once per selector class, with a socket pair. */
function forEachSelector(
  name: string,
  body: (
    make: () => BaseSelector,
    a: Socket,
    b: Socket,
  ) => Promise<void> | void,
) {
  for (const [cls, make] of KINDS) {
    Deno.test({
      name: `${cls}: ${name}`,
      ignore: !SELECTOR.available,
      async fn() {
        const [a, b] = socketpair();
        try {
          await body(make, a, b);
        } finally {
          a.close();
          b.close();
        }
      },
    });
  }
}

forEachSelector(
  "register() returns a key; getKey() and getMap() find it",
  (make, a) => {
    using sel = make();
    const key = sel.register(a, EVENT_READ, "data");
    assert.ok(key instanceof SelectorKey);
    assert.equal(key.fileobj, a);
    assert.equal(key.fd, a.fileno());
    assert.equal(key.events, EVENT_READ);
    assert.equal(key.data, "data");
    assert.equal(sel.getKey(a), key);
    assert.equal(sel.getKey(a.fileno()), key);
    assert.equal(sel.getMap().get(a.fileno()), key);
    assert.equal(sel.getMap().size, 1);
    assert.equal(String(key), `SelectorKey(fd=${a.fileno()}, events=1)`);
  },
);

forEachSelector(
  "register() rejects bad events, bad objects and a second registration",
  (make, a) => {
    using sel = make();
    for (const bad of [0, 4, 1.5]) {
      assert.throws(() => sel.register(a, bad as number), RangeError);
    }
    assert.throws(() => sel.register(a, "1" as unknown as number), TypeError);
    assert.throws(() => sel.register(-1, EVENT_READ), RangeError);
    assert.throws(
      () => sel.register({} as unknown as number, EVENT_READ),
      TypeError,
    );
    sel.register(a, EVENT_READ);
    assert.throws(() => sel.register(a.fileno(), EVENT_WRITE), {
      name: "RangeError",
      message: /is already registered/,
    });
    assert.throws(() => sel.getKey(12345), RangeError);
    assert.throws(() => sel.unregister(12345), RangeError);
  },
);

Deno.test({
  name: "EpollSelector.register() of a closed descriptor is an OSError (EBADF)",
  ignore: !SELECTOR.available,
  fn() {
    using sel = new EpollSelector();
    const [x, y] = socketpair();
    const fd = x.fileno();
    x.close();
    y.close();
    assert.throws(
      () => sel.register(fd, EVENT_READ),
      (e) => e instanceof OSError && e.errno === errno.EBADF,
    );
    assert.equal(sel.getMap().size, 0);
  },
});

forEachSelector(
  "select(0) reports what is ready now, masked by the registered events",
  async (make, a, b) => {
    using sel = make();
    sel.register(a, EVENT_READ, "a");
    assert.deepEqual(await sel.select(0), []);
    b.send(new Uint8Array([1]));
    const ready = await sel.select(0);
    assert.deepEqual(ready.map(([k, e]) => [k.data, e]), [["a", EVENT_READ]]);
    sel.modify(a, EVENT_READ | EVENT_WRITE, "both");
    const both = await sel.select(0);
    assert.deepEqual(both.map(([k, e]) => [k.data, e]), [[
      "both",
      EVENT_READ | EVENT_WRITE,
    ]]);
    sel.modify(a, EVENT_WRITE, "w");
    assert.deepEqual(
      (await sel.select(0)).map(([k, e]) => [k.data, e]),
      [["w", EVENT_WRITE]],
    );
    assert.deepEqual(
      sel.selectNow().map(([k, e]) => [k.data, e]),
      [["w", EVENT_WRITE]],
    );
  },
);

forEachSelector(
  "modify() with the same events changes only the data",
  (make, a) => {
    using sel = make();
    sel.register(a, EVENT_READ, 1);
    const key = sel.modify(a, EVENT_READ, 2);
    assert.equal(key.data, 2);
    assert.equal(sel.getKey(a).data, 2);
    assert.throws(() => sel.modify(a, 0), RangeError);
  },
);

forEachSelector(
  "unregister() returns the key and stops the reports",
  async (make, a, b) => {
    using sel = make();
    const key = sel.register(a, EVENT_READ);
    b.send(new Uint8Array([1]));
    assert.equal((await sel.select(0)).length, 1);
    assert.equal(sel.unregister(a), key);
    assert.equal(sel.getMap().size, 0);
    assert.deepEqual(await sel.select(0), []);
  },
);

forEachSelector(
  "select(timeout) waits on its own thread until a descriptor is ready",
  async (make, a, b) => {
    using sel = make();
    sel.register(a, EVENT_READ, "a");
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const timer = setTimeout(() => b.send(new Uint8Array([1])), 30);
    try {
      const t0 = performance.now();
      const ready = await sel.select(5);
      const waited = performance.now() - t0;
      assert.deepEqual(ready.map(([k]) => k.data), ["a"]);
      assert.ok(waited >= 20 && waited < 4000, `waited ${waited} ms`);
      assert.ok(ticks >= 3, `the JavaScript thread ran ${ticks} timer ticks`);
    } finally {
      clearInterval(ticker);
      clearTimeout(timer);
    }
  },
);

forEachSelector(
  "select(timeout) returns an empty list when the time is up",
  async (make, a) => {
    using sel = make();
    sel.register(a, EVENT_READ);
    const t0 = performance.now();
    assert.deepEqual(await sel.select(0.02), []);
    const waited = performance.now() - t0;
    assert.ok(waited >= 19, `returned after ${waited} ms`);
  },
);

forEachSelector(
  "wakeup() ends a wait in flight at once; a wake-up before select() is not lost",
  async (make, a) => {
    using sel = make();
    sel.register(a, EVENT_READ);
    const timer = setTimeout(() => sel.wakeup(), 10);
    try {
      const t0 = performance.now();
      assert.deepEqual(await sel.select(null), []);
      assert.ok(performance.now() - t0 < 2000);
    } finally {
      clearTimeout(timer);
    }
    sel.wakeup();
    const t1 = performance.now();
    assert.deepEqual(await sel.select(10), []);
    assert.ok(performance.now() - t1 < 2000, "the early wake-up was kept");
  },
);

forEachSelector(
  "a second select() while one waits rejects with RuntimeError",
  async (make, a) => {
    using sel = make();
    sel.register(a, EVENT_READ);
    const first = sel.select(null);
    await assert.rejects(sel.select(0), {
      name: "RuntimeError",
      message: "select() is already waiting on this selector",
    });
    sel.wakeup();
    assert.deepEqual(await first, []);
    await assert.rejects(sel.select("1" as never), TypeError);
  },
);

forEachSelector(
  "close() during a wait wakes it; a closed selector rejects and throws RuntimeError",
  async (make, a) => {
    const sel = make();
    sel.register(a, EVENT_READ);
    const waiting = sel.select(null);
    sel.close();
    assert.deepEqual(await waiting, []);
    assert.equal(sel.getMap().size, 0);
    await assert.rejects(sel.select(0), RuntimeError);
    assert.throws(() => sel.register(a, EVENT_READ), RuntimeError);
    assert.throws(() => sel.selectNow(), RuntimeError);
    sel.close();
  },
);

forEachSelector(
  "a hang-up reports the descriptor as readable and writable (masked)",
  async (make, a, b) => {
    using sel = make();
    sel.register(a, EVENT_READ);
    b.close();
    const [[key, events]] = await sel.select(1);
    assert.equal(key.fd, a.fileno());
    assert.equal(events, EVENT_READ);
    assert.equal(a.recv(10).length, 0);
  },
);

forEachSelector(
  "objects with fileno() register by their descriptor",
  async (make, a, b) => {
    using sel = make();
    const wrapper = { fileno: () => a.fileno() };
    sel.register(wrapper, EVENT_WRITE);
    const [[key]] = await sel.select(0);
    assert.equal(key.fileobj, wrapper);
    assert.equal(sel.getKey(a).fileobj, wrapper);
    sel.unregister(a.fileno());
    void b;
  },
);

forEachSelector(
  "registering while a select() waits is seen by that wait or wakes it",
  async (make, a, b) => {
    using sel = make();
    const [c, d] = socketpair();
    try {
      sel.register(c, EVENT_READ, "c");
      const waiting = sel.select(5);
      sel.register(a, EVENT_READ, "a");
      b.send(new Uint8Array([1]));
      let ready = await waiting;
      if (ready.length === 0) ready = await sel.select(5);
      assert.deepEqual(ready.map(([k]) => k.data), ["a"]);
    } finally {
      c.close();
      d.close();
    }
  },
);

Deno.test({
  name: "DefaultSelector is EpollSelector on Linux",
  ignore: !SELECTOR.available,
  fn() {
    assert.equal(DefaultSelector, EpollSelector);
    using sel = new DefaultSelector();
    assert.ok(sel instanceof EpollSelector);
    assert.ok(sel.fileno() >= 0);
  },
});
