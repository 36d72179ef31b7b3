// The OSError family (PEP 3151): which class each errno gets, the
// hierarchy as instanceof sees it, and the Deno error classes beneath.
import assert from "node:assert/strict";
import {
  BlockingIOError,
  BrokenPipeError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  errno,
  FileExistsError,
  FileNotFoundError,
  gaierror,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
  TimeoutError,
} from "../mod.ts";
import { _isOSError, _osError } from "../transports/os_errors.ts";

Deno.test("_osError() gives each errno its Python class, with errno, strerror and Python's message", () => {
  const cases: [number, string, unknown][] = [
    [errno.EAGAIN, "BlockingIOError", BlockingIOError],
    [errno.EINPROGRESS, "BlockingIOError", BlockingIOError],
    [errno.EALREADY, "BlockingIOError", BlockingIOError],
    [errno.ECHILD, "ChildProcessError", ChildProcessError],
    [errno.EPIPE, "BrokenPipeError", BrokenPipeError],
    [errno.ESHUTDOWN, "BrokenPipeError", BrokenPipeError],
    [errno.ECONNABORTED, "ConnectionAbortedError", ConnectionAbortedError],
    [errno.ECONNREFUSED, "ConnectionRefusedError", ConnectionRefusedError],
    [errno.ECONNRESET, "ConnectionResetError", ConnectionResetError],
    [errno.EEXIST, "FileExistsError", FileExistsError],
    [errno.ENOENT, "FileNotFoundError", FileNotFoundError],
    [errno.EINTR, "InterruptedError", InterruptedError],
    [errno.EISDIR, "IsADirectoryError", IsADirectoryError],
    [errno.ENOTDIR, "NotADirectoryError", NotADirectoryError],
    [errno.EACCES, "PermissionError", PermissionError],
    [errno.EPERM, "PermissionError", PermissionError],
    [errno.ESRCH, "ProcessLookupError", ProcessLookupError],
    [errno.ETIMEDOUT, "TimeoutError", TimeoutError],
    [errno.EINVAL, "OSError", OSError],
    [errno.EADDRINUSE, "OSError", OSError],
  ];
  for (const [code, name, cls] of cases) {
    const e = _osError(code, "the message") as Error & {
      errno: number;
      strerror: string;
    };
    assert.ok(e instanceof (cls as typeof Error), `${code} -> ${name}`);
    assert.ok(e instanceof OSError, `${name} is an OSError`);
    assert.equal(e.name, name);
    assert.equal(e.errno, code);
    assert.equal(e.strerror, "the message");
    assert.equal(e.message, `[Errno ${code}] the message`);
  }
});

Deno.test("OSError classes are also the matching Deno.errors classes", () => {
  const pairs: [number, unknown][] = [
    [errno.EAGAIN, Deno.errors.WouldBlock],
    [errno.EINTR, Deno.errors.Interrupted],
    [errno.EPIPE, Deno.errors.BrokenPipe],
    [errno.ECONNABORTED, Deno.errors.ConnectionAborted],
    [errno.ECONNREFUSED, Deno.errors.ConnectionRefused],
    [errno.ECONNRESET, Deno.errors.ConnectionReset],
    [errno.EEXIST, Deno.errors.AlreadyExists],
    [errno.ENOENT, Deno.errors.NotFound],
    [errno.EISDIR, Deno.errors.IsADirectory],
    [errno.ENOTDIR, Deno.errors.NotADirectory],
    [errno.EACCES, Deno.errors.PermissionDenied],
    [errno.EADDRINUSE, Deno.errors.AddrInUse],
    [errno.EADDRNOTAVAIL, Deno.errors.AddrNotAvailable],
    [errno.ENOTCONN, Deno.errors.NotConnected],
    [errno.ENETUNREACH, Deno.errors.NetworkUnreachable],
    [errno.EBADF, Deno.errors.BadResource],
  ];
  for (const [code, cls] of pairs) {
    assert.ok(_osError(code, "m") instanceof (cls as typeof Error), `${code}`);
  }
});

Deno.test("ConnectionError covers the four connection errors and nothing else", () => {
  for (
    const code of [
      errno.EPIPE,
      errno.ECONNABORTED,
      errno.ECONNREFUSED,
      errno.ECONNRESET,
    ]
  ) {
    assert.ok(_osError(code, "m") instanceof ConnectionError);
  }
  for (const code of [errno.EAGAIN, errno.ENOENT, errno.EINVAL]) {
    assert.equal(_osError(code, "m") instanceof ConnectionError, false);
  }
  assert.equal(new Error("x") instanceof OSError, false);
  assert.equal(new Deno.errors.ConnectionReset("x") instanceof OSError, false);
});

Deno.test("OSError and its subclasses are constructible as in Python", () => {
  const e = new OSError(errno.EINVAL, "Invalid argument");
  assert.equal(String(e), "OSError: [Errno 22] Invalid argument");
  assert.equal(new OSError().message, "");
  assert.equal(new OSError(null, "just text").message, "just text");
  const c = new ConnectionError(errno.ECONNRESET, "reset");
  assert.equal(c.name, "ConnectionError");
  assert.ok(c instanceof OSError);
  const b = new BlockingIOError(errno.EAGAIN, "again", { cause: 1 });
  assert.equal(b.cause, 1);
  assert.equal(b.errno, errno.EAGAIN);
  const g = new gaierror(-2, "Name or service not known");
  assert.ok(g instanceof OSError && g instanceof Deno.errors.NotFound);
  assert.equal(g.message, "[Errno -2] Name or service not known");
});

Deno.test("_isOSError() is true for the OSError family and Deno's errors only", () => {
  assert.ok(_isOSError(_osError(errno.EINVAL, "m")));
  assert.ok(_isOSError(new Deno.errors.BrokenPipe("x")));
  assert.ok(_isOSError(_osError(errno.ETIMEDOUT, "m")));
  assert.equal(_isOSError(new TypeError("x")), false);
  assert.equal(_isOSError(new TimeoutError("plain asyncio timeout")), false);
  assert.equal(_isOSError("string"), false);
});
