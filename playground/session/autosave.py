"""Crash-safe snapshots of the document and their recovery (Qt-free).

While the app runs it keeps one autosave file per process in its data folder,
``autosave-<pid>.nnp.json``: an ordinary session file (points, split, config, weights, curves;
see document.py) whose ``extra.autosave`` says when it was written, by which process and for
which session file. A clean exit removes it; a file left by a process that no longer runs is
what an unclean exit (kill -9, power loss) left behind, and the next start offers it back.
Files of processes that still run belong to another open window and are left alone (unless
the file is from an earlier boot: then that process id was merely given out again).

Writing 100,000 points as JSON takes a few hundred milliseconds of pure C calls that hold the
GIL, so ``iter_session_json`` encodes the big arrays in slices: a writer thread then gives the
GUI thread the interpreter back between slices instead of freezing it for the whole file.
Files are written atomically (atomic.py): a kill during the write leaves the previous file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import numpy as np

from .atomic import atomic_write_text
from .document import Document, Session, SessionFileError, load_session, session_document

AUTOSAVE_PREFIX = "autosave-"
AUTOSAVE_SUFFIX = ".nnp.json"
CHUNK = 2000  # values per json.dumps call: a few milliseconds each
_NAME = re.compile(re.escape(AUTOSAVE_PREFIX) + r"([0-9]+)" + re.escape(AUTOSAVE_SUFFIX) + "$")


def autosave_path(folder, pid: int | None = None) -> Path:
    return Path(folder) / f"{AUTOSAVE_PREFIX}{os.getpid() if pid is None else pid}{AUTOSAVE_SUFFIX}"


def boot_id() -> str | None:
    """This boot's id (Linux): after a power loss the old process ids mean nothing."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (signal 0 checks without sending anything)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, under another user
    except OSError:
        return False
    return True


# ---------------------------------------------------------------------- writing
def _finite_or_none(values) -> list:
    return [v if math.isfinite(v) else None for v in values]


def _chunks(values, finite: bool) -> Iterator[str]:
    array = np.asarray(values)
    yield "["
    for start in range(0, array.shape[0], CHUNK):
        part = array[start:start + CHUNK].tolist()
        if not finite:
            part = _finite_or_none(part)
        text = json.dumps(part, allow_nan=False)[1:-1]
        yield text if start == 0 else "," + text
    yield "]"


def iter_session_json(document: Document, weights=None, history=None, extra: dict | None = None) -> Iterator[str]:
    """The text of ``save_session(document, weights, history, extra)``, in pieces.

    The small parts come from ``session_document`` itself (so the format has one definition);
    the large arrays are swapped for placeholders and encoded slice by slice.
    """
    token = uuid.uuid4().hex
    arrays: dict[str, tuple] = {}

    def hold(values, finite=True) -> str:
        key = f"@{token}:{len(arrays)}@"
        arrays[key] = (values, finite)
        return key

    d = document.dataset
    empty = Document(d.subset(np.zeros(0, dtype=int)), np.zeros(0, dtype=np.int8), document.config)
    header = session_document(empty, None, None, extra)
    header["dataset"].update(name=d.name, n_classes=d.n_classes, X=hold(d.X), t=hold(d.t))
    header["parts"] = hold(document.parts)
    if weights is not None:
        header["weights"] = hold(np.asarray(weights, dtype=float))
    if history is not None:
        header["history"] = {key: hold(np.asarray(getattr(history, key), dtype=float), finite=False)
                             for key in ("train_error", "val_error", "test_error")}
    text = json.dumps(header, allow_nan=False)
    pieces = re.split(f'"(@{token}:[0-9]+@)"', text)
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            yield piece
        else:
            yield from _chunks(*arrays[piece])
    yield "\n"


class Cancelled(Exception):
    """The autosave was abandoned half-way (the app is closing)."""


def write_autosave(folder, document: Document, weights=None, history=None, session_path: str | None = None,
                   now: datetime | None = None, pid: int | None = None, cancelled=lambda: False) -> Path:
    """Write this process's autosave file atomically; ``cancelled()`` is asked between slices."""
    pid = os.getpid() if pid is None else pid
    now = datetime.now() if now is None else now
    meta = {"autosave": {"saved_at": now.isoformat(timespec="seconds"), "pid": pid, "boot": boot_id(),
                         "session_path": session_path}}
    parts = []
    for piece in iter_session_json(document, weights, history, meta):
        if cancelled():
            raise Cancelled()
        parts.append(piece)
    path = autosave_path(folder, pid)
    os.makedirs(folder, exist_ok=True)
    atomic_write_text(path, "".join(parts))
    return path


def remove_autosave(folder, pid: int | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(autosave_path(folder, pid))


# ---------------------------------------------------------------------- recovery
@dataclass(frozen=True)
class Recoverable:
    """An autosave left by a process that no longer runs."""

    path: Path
    pid: int
    saved_at: datetime
    session_path: str | None
    session: Session


def find_recoverable(folder) -> list[Recoverable]:
    """Autosaves of processes that have ended, newest first.

    Files of running processes (other windows) and files that cannot be read are skipped;
    the latter stay on disk untouched rather than being deleted unseen.
    """
    found = []
    this_boot = boot_id()
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        match = _NAME.match(name)
        if match is None:
            continue
        pid = int(match.group(1))
        if pid == os.getpid():
            continue
        alive = pid_alive(pid)
        if alive and (this_boot is None or not _mentions_another_boot(Path(folder) / name, this_boot)):
            continue  # another window's (the usual case: its file is not even read)
        path = Path(folder) / name
        try:
            session = load_session(path)
            meta = session.extra.get("autosave") or {}
            saved_at = datetime.fromisoformat(str(meta.get("saved_at")))
        except (SessionFileError, ValueError, TypeError, AttributeError, RecursionError):
            continue
        if alive and meta.get("boot") in (None, this_boot):
            continue
        session_path = meta.get("session_path")
        found.append(Recoverable(path, pid, saved_at, session_path if isinstance(session_path, str) else None,
                                 replace(session, extra={k: v for k, v in session.extra.items() if k != "autosave"})))
    found.sort(key=lambda r: r.saved_at, reverse=True)
    return found


def _mentions_another_boot(path: Path, this_boot: str) -> bool:
    """Whether the file was written before this boot (a process id reused since): a cheap text check."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.path.getsize(path) - 4096))  # "extra" is the last entry of the file
            tail = fh.read().decode("utf-8", "replace")
    except OSError:
        return False
    return '"boot": "' in tail and f'"boot": "{this_boot}"' not in tail


def describe_time(saved_at: datetime, now: datetime | None = None) -> str:
    """'14:02 today', '09:15 yesterday' or '14:02 on 3 November 2026'."""
    now = datetime.now() if now is None else now
    clock = saved_at.strftime("%H:%M")
    if saved_at.date() == now.date():
        return f"{clock} today"
    if saved_at.date() == (now - timedelta(days=1)).date():
        return f"{clock} yesterday"
    return f"{clock} on {saved_at.day} {saved_at.strftime('%B %Y')}"
