// ExceptionGroup.split(), subgroup() and derive(): Python's except* tools.
import assert from "node:assert/strict";
import { CancelledError, ExceptionGroup } from "../mod.ts";

const t = new TypeError("t");
const r = new RangeError("r");
const c = new CancelledError("c");
const nested = new ExceptionGroup("inner", [r, c]);
const eg = new ExceptionGroup("outer", [t, nested]);

Deno.test("ExceptionGroup.split() keeps the nesting and the message", () => {
  const [match, rest] = eg.split(RangeError);
  assert.ok(match !== null && rest !== null);
  assert.equal(match.rawMessage, "outer");
  assert.equal(match.exceptions.length, 1);
  const inner = match.exceptions[0] as ExceptionGroup;
  assert.equal(inner.rawMessage, "inner");
  assert.deepEqual(inner.exceptions, [r]);
  assert.equal(rest.exceptions[0], t);
  assert.deepEqual((rest.exceptions[1] as ExceptionGroup).exceptions, [c]);
});

Deno.test("ExceptionGroup.split() takes classes, arrays of classes and predicates", () => {
  assert.deepEqual(eg.split([TypeError, CancelledError])[1]?.exceptions, [
    new ExceptionGroup("inner", [r]),
  ]);
  const [m] = eg.split((e) => e instanceof Error && e.message === "c");
  assert.deepEqual(
    (m?.exceptions[0] as ExceptionGroup).exceptions,
    [c],
  );
  assert.deepEqual(eg.split(Error), [eg, null]);
  assert.deepEqual(eg.split(SyntaxError), [null, eg]);
  assert.equal(eg.split(SyntaxError)[1], eg);
  assert.equal(eg.subgroup((e) => e instanceof Error), eg);
  assert.throws(() => eg.split(42 as never), TypeError);
});

Deno.test("ExceptionGroup.subgroup() gives the match or null; derive() keeps message and cause", () => {
  assert.equal(eg.subgroup(SyntaxError), null);
  assert.equal(eg.subgroup(ExceptionGroup), eg);
  assert.equal(eg.subgroup(TypeError)?.exceptions[0], t);
  const withCause = new ExceptionGroup("x", [t]);
  withCause.cause = "why";
  const d = withCause.derive([r]);
  assert.equal(d.rawMessage, "x");
  assert.equal(d.cause, "why");
  assert.equal(d.message, "x (1 sub-exception)");
});
