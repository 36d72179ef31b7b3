/**
 * Short descriptions of values for messages and `toString()`s, in the
 * spirit of Python's `repr()`: `describe(fn)` is `fn.name` or "<anonymous>",
 * strings are quoted, objects name their class.
 *
 * @module
 */

/** A short, single-line description of any value for an error message. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "function":
      return value.name ? `${value.name}()` : "<anonymous function>";
    case "string":
      return JSON.stringify(
        value.length > 60 ? value.slice(0, 57) + "..." : value,
      );
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      const s = Object.prototype.toString.call(value);
      if (s === "[object Generator]") return "a generator object";
      if (s === "[object Promise]") return "a Promise";
      const own = (value as { toString?: unknown }).toString;
      if (typeof own === "function" && own !== Object.prototype.toString) {
        try {
          const text = String(value);
          if (text.length <= 120) return text;
        } catch { /* fall through */ }
      }
      if (!ctor?.name) return "an object";
      return `${/^[AEIOU]/.test(ctor.name) ? "an" : "a"} ${ctor.name} object`;
    }
    default:
      return String(value);
  }
}

/** The current stack without the first `skip` frames, or `null`. */
export function captureStack(skip = 2): string | null {
  const stack = new Error().stack;
  if (!stack) return null;
  const lines = stack.split("\n");
  return lines.slice(1 + skip).join("\n");
}
