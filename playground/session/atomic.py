"""Atomic file writes: a file is either fully replaced or left as it was.

The data go to a temporary file in the target's directory (so the final rename stays on one
file system), are flushed to disk, and then `os.replace` swaps the file in. A crash or an
error half-way leaves the old file intact and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
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


def read_json_file(path, error: type[Exception]):
    """The parsed JSON of ``path``; every problem raises ``error`` with a message naming the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"{path}: cannot read the file ({err})") from None
    except json.JSONDecodeError as err:
        raise error(f"{path}, line {err.lineno}: not valid JSON ({err.msg})") from None
