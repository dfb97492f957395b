"""Atomic file writes: a file is either fully replaced or left as it was.

The data go to a temporary file in the target's directory (so the final rename stays on one
file system), are flushed to disk, and then `os.replace` swaps the file in. A crash or an
error half-way leaves the old file intact and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import stat
import sys
import tempfile


def atomic_write_bytes(path, data: bytes) -> None:
    """Replace the file at `path` by `data` atomically (a symlink's target is replaced).

    An existing file keeps its permission bits; a new one gets the usual 0o666 & ~umask.
    """
    target = os.path.realpath(os.fspath(path))
    directory, basename = os.path.split(target)
    temporary = tempfile.NamedTemporaryFile(delete=False, dir=directory, prefix=f".{basename}.",
                                            suffix=".tmp")
    try:
        with temporary:
            temporary.write(data)
            temporary.flush()
            os.fsync(temporary.fileno())
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()  # tempfile creates 0o600; a new export should be shareable
        with contextlib.suppress(OSError):
            os.chmod(temporary.name, mode)
        os.replace(temporary.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary.name)
        raise
    _sync_directory(directory)


def atomic_write_text(path, text: str, encoding: str = "utf-8") -> None:
    """Replace the file at `path` by `text` atomically; line endings are written as given."""
    atomic_write_bytes(path, text.encode(encoding))


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, racing other threads)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    return 0o022


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); best effort, as not every system allows it."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


MAX_JSON_BYTES = 256 * 2**20  # a session of 100 000 points or a 5-million-weight network fits easily
MAX_JSON_DEPTH = 64  # our files nest 4 levels; 1000 levels would exhaust Python's recursion limit


def read_regular_file(path, max_bytes: int, fail) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``max_bytes``.

    A named pipe, device or socket would block ``open`` or ``read`` forever (or never end),
    so the file is opened without blocking and checked with ``fstat`` before anything is read.
    Every problem raises ``fail(message)``, a sentence in plain words.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail("this is a folder, not a file") from None
    except PermissionError:
        raise fail("permission denied: the file cannot be read") from None
    except (OSError, ValueError) as err:  # ValueError: a NUL character in the path
        raise fail(f"the file cannot be read: {getattr(err, 'strerror', None) or err}") from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise fail("this is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise fail("not a regular file (a named pipe, device or socket); give a saved file")
        if info.st_size > max_bytes:
            raise fail(f"the file is larger than {_megabytes(max_bytes)} ({_megabytes(info.st_size)})")
        chunks, size = [], 0
        while size <= max_bytes:  # the file may grow while it is read
            chunk = os.read(descriptor, min(max_bytes + 1 - size, 2**24))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise fail(f"the file cannot be read: {err.strerror or err}") from None
    finally:
        os.close(descriptor)
    if size > max_bytes:
        raise fail(f"the file is larger than {_megabytes(max_bytes)}")
    return b"".join(chunks)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} bytes"


def read_json_file(path, error: type[Exception], max_bytes: int = MAX_JSON_BYTES):
    """The parsed JSON of ``path``; every problem raises ``error`` with a message naming the file.

    Besides unreadable files and bad JSON this refuses non-regular files, files larger than
    ``max_bytes``, nesting deeper than MAX_JSON_DEPTH and numbers too long for Python to read.
    """
    def fail(message: str) -> Exception:
        return error(f"{path}: {message}")

    data = read_regular_file(path, max_bytes, fail)
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        raise fail(f"not UTF-8 text (byte {err.start} is 0x{data[err.start]:02x}); save the file as UTF-8") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise error(f"{path}, line {err.lineno}: not valid JSON ({err.msg})") from None
    except RecursionError:
        raise fail(f"the JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels of [ ] and {{ }})") from None
    except ValueError:  # an integer beyond Python's int-to-text limit (sys.get_int_max_str_digits)
        raise _too_long_number(text, fail) from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise fail(f"the JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels of [ ] and {{ }})")
    return value


def _too_long_number(text: str, fail) -> Exception:
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    match = re.search(r"[0-9]{%d,}" % max(limit, 1), text)
    if match is None:
        return fail("a number in the file cannot be read")
    line = text.count("\n", 0, match.start()) + 1
    return fail(f"line {line}: a number of {match.end() - match.start():,} digits is far too large")


def _depth_exceeds(value, limit: int) -> bool:
    """Whether JSON ``value`` nests more than ``limit`` containers (walked without recursion)."""
    level = [value] if isinstance(value, (list, dict)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        # one pass per level in C-speed iteration (a session of 100 000 points takes ~25 ms)
        items = itertools.chain.from_iterable(c.values() if type(c) is dict else c for c in level)
        level = [item for item in items if type(item) is list or type(item) is dict]
    return False
