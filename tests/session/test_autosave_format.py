"""Autosave files: the session format written in slices, one file per process, recovery of ended ones."""

import json
import os
import subprocess
import sys
from datetime import datetime

import numpy as np
import pytest

from playground.core.training import History
from playground.session import autosave
from playground.session.autosave import (
    autosave_path, describe_time, find_recoverable, iter_session_json, remove_autosave, write_autosave,
)
from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import Document, load_session, session_document


def spiral(n=50):
    return Document.generated(ExperimentConfig(data=DataConfig(generator="spiral", n_points=n, seed=3)))


def history(n=7):
    train = np.linspace(1, 0.1, n)
    val = train + 0.1
    val[2] = np.nan  # a set absent at some epochs is stored as null
    return History(np.arange(n), train, val, np.full(n, np.nan))


def ended_pid() -> int:
    """The id of a process that has certainly ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_sliced_encoding_is_the_session_format(monkeypatch):
    monkeypatch.setattr(autosave, "CHUNK", 7)  # many slices, odd boundaries
    doc, weights, hist = spiral(53), np.random.default_rng(0).normal(size=41), history(23)
    extra = {"autosave": {"pid": 5}}
    text = "".join(iter_session_json(doc, weights, hist, extra))
    assert json.loads(text) == json.loads(json.dumps(session_document(doc, weights, hist, extra)))


def test_the_sliced_encoding_of_an_empty_regression_drawing():
    from playground.session.document import empty_dataset

    doc = Document.with_new_dataset(empty_dataset("regression"), ExperimentConfig())
    text = "".join(iter_session_json(doc))
    assert json.loads(text) == json.loads(json.dumps(session_document(doc)))


def test_an_autosave_of_an_ended_process_is_found_with_its_time_and_reads_back(tmp_path):
    doc, weights, hist = spiral(), np.arange(5.0), history()
    pid = ended_pid()
    when = datetime(2026, 3, 4, 14, 2, 9)
    path = write_autosave(tmp_path, doc, weights, hist, session_path="/x/lesson.nnp.json", now=when, pid=pid)
    assert path == autosave_path(tmp_path, pid) and path.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    [found] = find_recoverable(tmp_path)
    assert (found.pid, found.saved_at, found.session_path) == (pid, when, "/x/lesson.nnp.json")
    np.testing.assert_array_equal(found.session.document.dataset.X, doc.dataset.X)
    np.testing.assert_array_equal(found.session.document.parts, doc.parts)
    np.testing.assert_array_equal(found.session.weights, weights)
    np.testing.assert_array_equal(found.session.history.val_error, hist.val_error)
    assert "autosave" not in found.session.extra
    # an ordinary session file too
    assert load_session(path).document.dataset.n == doc.dataset.n


def test_autosaves_of_running_processes_are_not_offered(tmp_path):
    write_autosave(tmp_path, spiral(), pid=os.getpid())  # this process
    write_autosave(tmp_path, spiral(), pid=os.getppid())  # another running one (another window)
    assert find_recoverable(tmp_path) == []
    assert len(os.listdir(tmp_path)) == 2  # and nothing is deleted


def test_a_file_from_before_a_reboot_is_offered_though_its_process_id_runs_again(tmp_path, monkeypatch):
    monkeypatch.setattr(autosave, "boot_id", lambda: "the-boot-before")
    write_autosave(tmp_path, spiral(), pid=os.getppid())
    monkeypatch.setattr(autosave, "boot_id", lambda: "this-boot")
    assert [f.pid for f in find_recoverable(tmp_path)] == [os.getppid()]


def test_newest_first_and_unreadable_files_are_skipped_not_deleted(tmp_path):
    older, newer = ended_pid(), ended_pid()
    write_autosave(tmp_path, spiral(), now=datetime(2026, 1, 1, 9, 0), pid=older)
    write_autosave(tmp_path, spiral(20), now=datetime(2026, 1, 2, 9, 0), pid=newer)
    broken = autosave_path(tmp_path, 999_999_999)
    broken.write_text("{not json")
    found = find_recoverable(tmp_path)
    assert [f.pid for f in found] == [newer, older]
    assert broken.exists()


def test_a_clean_exit_removes_only_its_own_file(tmp_path):
    write_autosave(tmp_path, spiral())
    other = write_autosave(tmp_path, spiral(), pid=os.getppid())
    remove_autosave(tmp_path)
    remove_autosave(tmp_path)  # twice is fine
    assert not autosave_path(tmp_path).exists() and other.exists()


def test_a_cancelled_write_leaves_the_previous_file(tmp_path):
    first = write_autosave(tmp_path, spiral(30))
    with pytest.raises(autosave.Cancelled):
        write_autosave(tmp_path, spiral(60), cancelled=lambda: True)
    assert load_session(first).document.dataset.n == 30


@pytest.mark.parametrize("saved, text", [
    (datetime(2026, 5, 6, 14, 2), "14:02 today"),
    (datetime(2026, 5, 5, 23, 59), "23:59 yesterday"),
    (datetime(2026, 4, 3, 8, 5), "08:05 on 3 April 2026"),
])
def test_the_time_is_said_plainly(saved, text):
    assert describe_time(saved, now=datetime(2026, 5, 6, 18, 30)) == text
