"""File > New / Open / Save / Import / Export, unsaved-change prompts and autosave, for the main window.

The window keeps only thin methods that call into ``FileActions`` (the menu is the table in
gui/actions/files.py). The questions the app asks
(save changes? restore the autosave?) and the message it shows for a file it cannot use are one
function each, so tests and later lessons can answer or capture them.
"""

from __future__ import annotations

import gc
import os
import stat
import threading
import time
from dataclasses import replace

import numpy as np
import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, QTimer, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from playground.session import ConfigError, DataFileError
from playground.session.autosave import (
    Cancelled, describe_time, find_recoverable, remove_autosave, write_autosave,
)
from playground.session.datafile import read_csv, write_csv
from playground.session.document import Document, SessionFileError, load_session, save_session

SESSION_FILTER = "nn-playground sessions (*.nnp.json *.json)"
CSV_FILTER = "CSV data (*.csv)"
SESSION_SUFFIX = ".nnp.json"
AUTOSAVE_DELAY_MS = 1000  # "shortly after" an edit, so a stroke in progress is not written twice
AUTOSAVE_INTERVAL_S = 10.0  # at most one autosave this often
TRAINING_AUTOSAVE_MS = 60_000  # trained weights alone are worth a snapshot now and then
MAX_DRAWN_INPUTS = 2
MAX_COORDINATE = 1e12  # beyond this the plot's float arithmetic breaks down ("Cannot set range")


# ---------------------------------------------------------------------- the questions and the message
def ask_save_changes(parent, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    box = QMessageBox(QMessageBox.Warning, "Unsaved changes", f"Save the changes to {name}?",
                      QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, parent)
    box.setInformativeText("Your changes are lost if you don't save them.")
    box.setDefaultButton(QMessageBox.Save)
    answer = box.exec()
    return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(QMessageBox.StandardButton(answer),
                                                                          "cancel")


def ask_restore(parent, when: str, name: str) -> str:
    """'restore', 'discard', or 'keep' when the box is closed otherwise (asked again next start)."""
    box = QMessageBox(QMessageBox.Question, "Restore unsaved work",
                      f"nn-playground did not close properly last time.\n\nRestore the drawing ({name}) "
                      f"autosaved at {when}?", QMessageBox.NoButton, parent)
    restore = box.addButton("Restore", QMessageBox.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.DestructiveRole)
    box.setDefaultButton(restore)
    box.exec()
    return {restore: "restore", discard: "discard"}.get(box.clickedButton(), "keep")


def show_problem(parent, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def autosave_folder() -> str:
    """The app's data folder (QStandardPaths.AppDataLocation), e.g. ~/.local/share/nn-playground/nn-playground."""
    return QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)


# ---------------------------------------------------------------------- checks in plain words
def input_file_problem(path: str) -> str | None:
    """Why ``path`` cannot be read as a file, or None (a FIFO would block the reader forever)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{path}: there is no such file."
    except OSError as err:
        return f"{path}: the file cannot be read ({err.strerror or err})."
    if stat.S_ISDIR(info.st_mode):
        return f"{path} is a folder, not a file."
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file (a pipe or a device); choose a saved file."
    if not os.access(path, os.R_OK):
        return f"{path}: you have no permission to read this file."
    return None


def drawable_problem(document: Document) -> str | None:
    """Why the app cannot show and train these data, or None."""
    d = document.dataset
    if d.n_inputs > MAX_DRAWN_INPUTS:
        return (f"These data have {d.n_inputs} inputs; the app draws and trains 1-D or 2-D data only. "
                "Train data with more inputs with the command line: nn-playground train.")
    values = [d.X] if d.kind == "classification" else [d.X, d.t]
    largest = max((float(np.max(np.abs(v))) for v in values if v.size), default=0.0)
    if not np.isfinite(largest) or largest > MAX_COORDINATE:
        return (f"These data have coordinates as large as {largest:.3g}; the app draws values between "
                f"-{MAX_COORDINATE:.0e} and {MAX_COORDINATE:.0e}. Rescale the data first.")
    return None


def _plain(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) <= 300 else text[:300] + "…"


# ---------------------------------------------------------------------- autosave
class Autosaver(QObject):
    """Writes the window's document to its autosave file a moment after changes, at most every 10 s.

    The encoding and the write run on a Python thread on immutable data (the document and the
    snapshot are never changed after they are made), in slices, so the GUI thread stays free.
    """

    def __init__(self, window, folder: str):
        super().__init__(window)
        self.window = window
        self.folder = folder
        self.error: str | None = None
        self.writes = 0
        self._last_start = -1e9
        self._written = None  # (document, snapshot) of the last write
        self._thread: threading.Thread | None = None
        self._closing = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._write_now)
        self._training_timer = QTimer(self, interval=TRAINING_AUTOSAVE_MS)
        self._training_timer.timeout.connect(self.schedule)
        self._training_timer.start()
        window.model.sigDocumentChanged.connect(self.schedule)
        window.model.undo_stack.indexChanged.connect(self.schedule)

    def _state(self):
        return self.window.model.document, self.window._last_snapshot

    @Slot()
    def schedule(self, *args) -> None:
        if self._closing or not shiboken6.isValid(self.window) or self._timer.isActive():
            return
        wait = max(AUTOSAVE_DELAY_MS / 1000, AUTOSAVE_INTERVAL_S - (time.monotonic() - self._last_start))
        self._timer.start(int(1000 * wait))

    @Slot()
    def _write_now(self) -> None:
        if self._closing:
            return
        if self._thread is not None and self._thread.is_alive():
            self._timer.start(500)
            return
        if self.error:  # the last write failed (disk full, folder not writable): say so, keep trying
            self.window.show_notice(self.error)
            self.error = None
        state = self._state()
        if self._written is not None and all(a is b for a, b in zip(state, self._written)):
            return
        if self._written is None and not self.window.files.is_modified():
            return  # nothing worth keeping yet
        document, _ = state
        weights, history = self.window.files.weights_and_history()
        session_path = self.window.session_path
        self._written = state
        self._last_start = time.monotonic()
        self._thread = threading.Thread(target=self._write, args=(document, weights, history, session_path),
                                        name="autosave", daemon=True)
        self._thread.start()

    def _write(self, document, weights, history, session_path) -> None:
        # The slices allocate many small lists, which sets off full garbage collections (50-70 ms
        # in the app's process, during which every thread stops). Those lists are freed by
        # reference counting, so pausing the collector for the write leaves no garbage behind.
        collecting = gc.isenabled()
        gc.disable()
        try:
            write_autosave(self.folder, document, weights, history, session_path,
                           cancelled=lambda: self._closing)
            self.writes += 1
            self.error = None
        except Cancelled:
            pass
        except (OSError, ValueError) as err:
            self.error = f"Autosave failed: {_plain(err)}"
        finally:
            if collecting:
                gc.enable()

    def wait(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def forget(self) -> None:
        """The document was saved, opened or discarded: an older snapshot would only mislead."""
        self._timer.stop()
        self.wait()
        self._written = None
        try:
            remove_autosave(self.folder)
        except OSError:
            pass

    def remove(self) -> None:
        """A clean exit: stop writing and delete this process's autosave."""
        self._closing = True
        self._timer.stop()
        self._training_timer.stop()
        self.wait()
        try:
            remove_autosave(self.folder)
        except OSError:
            pass


# ---------------------------------------------------------------------- the file actions
class FileActions(QObject):
    def __init__(self, window, autosave_dir: str | None = None):
        super().__init__(window)
        self.window = window
        self.model = window.model
        self._saved_config = self.model.document.config
        self._force_modified = False
        self._saved_history = None  # curves of an opened session, shown until training resumes
        self.autosaver = Autosaver(window, autosave_dir) if autosave_dir else None
        self.model.undo_stack.cleanChanged.connect(self.update_title)
        self.model.sigDocumentChanged.connect(self.update_title)
        self.model.sigDocumentChanged.connect(self._document_changed)
        self.update_title()

    @Slot(object, object)
    def _document_changed(self, new, old) -> None:
        if new.dataset is not old.dataset:
            self._saved_history = None  # the opened curves belong to the opened points

    # ------------------------------------------------------------------ modified state
    def is_modified(self) -> bool:
        """The drawing or the configuration changed since the last open or save (weights alone don't count)."""
        return (self._force_modified or not self.model.undo_stack.isClean()
                or self.model.document.config != self._saved_config)

    def mark_saved(self) -> None:
        """The document now matches its file (saved or opened) or is new: nothing unsaved."""
        if self.autosaver is not None:
            self.autosaver.forget()
        self.model.undo_stack.setClean()
        self._saved_config = self.model.document.config
        self._force_modified = False
        self.update_title()

    def display_name(self) -> str:
        path = self.window.session_path
        return os.path.basename(path) if path else "untitled"

    @Slot()
    def update_title(self, *args) -> None:
        if not shiboken6.isValid(self.window):
            return  # the undo stack says 'clean' once more while the window is being destroyed
        self.window.setWindowTitle(f"nn-playground — {self.display_name()}[*]")
        self.window.setWindowModified(self.is_modified())

    def may_discard(self) -> bool:
        """Ask to save unsaved changes; False when the person cancels (or the save fails)."""
        if not self.is_modified():
            return True
        answer = ask_save_changes(self.window, self.display_name())
        if answer == "save":
            return self.save_session()
        return answer == "discard"

    # ------------------------------------------------------------------ curves
    def weights_and_history(self):
        """What a session file stores: the newest weights and curves (the opened ones before training resumes)."""
        snap = self.window._last_snapshot
        weights = None if snap is None else snap.weights
        history = self.history_to_show(snap)
        if weights is None and self.window._restored_weights is not None:
            weights = self.window._restored_weights
        return weights, history

    def history_to_show(self, snap):
        """The snapshot's curves, or the opened session's until the trainer has gone past epoch 0."""
        if self._saved_history is not None and (snap is None or snap.epoch == 0):
            return self._saved_history
        self._saved_history = None
        return None if snap is None else snap.history

    # ------------------------------------------------------------------ dialogs
    def _ask_path(self, save: bool, caption: str, filters: str, suffix: str, proposed: str = "") -> str | None:
        start = os.path.join(self.window._last_dir, proposed) if proposed else self.window._last_dir
        if save:
            path, _ = QFileDialog.getSaveFileName(self.window, caption, start, filters)
        else:
            path, _ = QFileDialog.getOpenFileName(self.window, caption, start, filters)
        if not path:
            return None
        if save and not os.path.splitext(path)[1]:
            path += suffix
        self.window._last_dir = os.path.dirname(path)
        return path

    def _proposed_name(self, suffix: str) -> str:
        path = self.window.session_path
        if path and suffix == SESSION_SUFFIX:
            return os.path.basename(path)
        name = self.model.document.dataset.name or "drawing"
        safe = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in name).strip(" .") or "drawing"
        return safe + suffix

    # ------------------------------------------------------------------ sessions
    def new_drawing(self) -> bool:
        if not self.may_discard():
            return False
        self._saved_history = None
        return True

    def open_session(self, path: str | None = None) -> bool:
        if not self.may_discard():
            return False
        path = path or self._ask_path(False, "Open session", SESSION_FILTER, SESSION_SUFFIX)
        if not path:
            return False
        session = self._read(path, load_session, lambda session: session.document,
                             "is not a session this version can read", "Cannot open the session")
        if session is None:
            return False
        self.load(session, path, f"Opened {os.path.basename(path)}.")
        return True

    def _read(self, path: str, read, document_of, unreadable: str, title: str):
        """``read(path)``, or None after saying in a dialog why not: not a regular file, a reader's
        refusal in its own words, anything else it raised, or data the window cannot draw."""
        problem = input_file_problem(path)
        result = None
        if problem is None:
            try:
                result = read(path)
            except (SessionFileError, ConfigError, DataFileError) as err:
                problem = _plain(err)
            except (RecursionError, MemoryError, OSError, ValueError, TypeError, KeyError, AttributeError,
                    IndexError) as err:
                problem = f"{path} {unreadable} ({_plain(err)})."
        if problem is None:
            problem = drawable_problem(document_of(result))
        if problem is not None:
            show_problem(self.window, title, problem)
            return None
        return result

    def load(self, session, path: str | None, message: str, modified: bool = False) -> None:
        """Show an opened (or restored) session: points, settings, weights, and its curves."""
        w = self.window
        w.session_path = path
        w._restored_weights = session.weights
        note = " ".join(session.notes)  # what could not be restored (weights that do not fit, ...)
        w._schedule_rebuild(reset=True, message=message)
        self.model.reset(session.document)
        self._saved_history = session.history if session.history is not None and len(session.history) else None
        w.zoom_to_data()
        self.mark_saved()
        self._force_modified = modified
        self.update_title()
        if self._saved_history is not None:
            w.loss_plot.render(self._saved_history)
        if note:
            w.show_notice(f"{os.path.basename(path) if path else 'The session'}: {note}", banner=True)

    def save_session(self) -> bool:
        if self.window.session_path is None:
            return self.save_session_as()
        return self.write_session(self.window.session_path)

    def save_session_as(self, path: str | None = None) -> bool:
        path = path or self._ask_path(True, "Save session", SESSION_FILTER, SESSION_SUFFIX,
                                      self._proposed_name(SESSION_SUFFIX))
        return bool(path) and self.write_session(path)

    def write_session(self, path: str) -> bool:
        weights, history = self.weights_and_history()
        try:
            save_session(path, self.model.document, weights, history)
        except (OSError, ValueError) as err:
            show_problem(self.window, "Cannot save the session", f"{path}: {_plain(err)}")
            return False
        self.window.session_path = path
        self.mark_saved()
        self.window.show_notice(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ CSV
    def import_csv(self, path: str | None = None) -> bool:
        path = path or self._ask_path(False, "Import CSV", CSV_FILTER, ".csv")
        if not path:
            return False
        config = replace(self.model.document.config, data=replace(self.model.document.config.data, features=None))
        document = self._read(path, lambda p: Document.with_new_dataset(read_csv(p), config), lambda doc: doc,
                              "cannot be read as CSV data", "Cannot import the file")
        if document is None:
            return False
        name = os.path.basename(path)
        self._saved_history = None
        self.window._schedule_rebuild(reset=True, message=f"Imported {document.dataset.n} points from {name}.")
        self.model.edit(document, f"Import {name}")
        self.window.zoom_to_data()
        return True

    def export_csv(self, path: str | None = None) -> bool:
        path = path or self._ask_path(True, "Export CSV", CSV_FILTER, ".csv", self._proposed_name(".csv"))
        if not path:
            return False
        dataset = self.model.document.dataset
        try:
            write_csv(dataset, path)
        except (OSError, ValueError) as err:
            show_problem(self.window, "Cannot export", f"{path}: {_plain(err)}")
            return False
        self.window.show_notice(f"Exported {dataset.n} points to {path}")
        return True

    # ------------------------------------------------------------------ start and close
    def offer_recovery(self) -> bool:
        """After an unclean exit: offer the newest autosave of an ended process (the others are kept)."""
        if self.autosaver is None:
            return False
        found = find_recoverable(self.autosaver.folder)
        if not found:
            return False
        newest = found[0]
        name = os.path.basename(newest.session_path) if newest.session_path else newest.session.document.dataset.name
        answer = ask_restore(self.window, describe_time(newest.saved_at), name)
        restored = answer == "restore" and drawable_problem(newest.session.document) is None
        if restored:
            self.load(newest.session, newest.session_path, f"Restored the drawing autosaved at "
                      f"{describe_time(newest.saved_at)}.", modified=True)
            self.autosaver.schedule()  # it lives on in this process's autosave
        if answer in ("restore", "discard"):  # handled: restored into this window (and its autosave), or discarded
            try:
                os.unlink(newest.path)
            except OSError:
                pass
        return restored

    def may_close(self) -> bool:
        """Closing the window: ask about unsaved changes; on the way out remove the autosave."""
        if not self.may_discard():
            return False
        if self.autosaver is not None:
            self.autosaver.remove()
        return True
