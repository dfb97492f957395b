"""Clips: record the data view (or the whole window) while it trains, as an animated GIF.

The frames are grabbed on the GUI thread (the only thread that may paint widgets) by a timer at
the clip's frame rate, copied to numpy and handed to a :class:`GifEncoder` worker
(gui/background.py), which shrinks and quantises each one to a 256-colour palette as it comes
and, at the end, writes the GIF atomically (session/atomic.py). The recording stops by itself at
its length limit, on File > Stop recording, or when the window closes (the clip is written then).
The status bar shows how much is recorded, then how far the writing is.

Pillow merges a frame identical to the one before it into that one (its duration adds up), so a
clip of a paused network has fewer frames than were grabbed, but always the grabbed length.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QSpinBox,
)

from playground.core.params import FIGURE_PARAMETERS, check
from playground.session.atomic import atomic_write_bytes

from .background import Worker, start_worker
from .figures import render_image
from .panels.widgets import configure_box
from .plots.common import EventWatcher

DEFAULT_FPS = 10
DEFAULT_SECONDS = 15.0
MAX_WIDTH = 800  # frames wider than this are shrunk: a clip is for a slide or a web page, and held in memory
# The frames wait in memory, one byte a pixel, until the clip is written: 30 frames a second for a
# minute of a large window would be 1.4 GB. A recording stops when its frames would pass this.
MAX_CLIP_BYTES = 256 * 2**20


@dataclass(frozen=True)
class ClipSettings:
    """What to record: ``target`` "data" (the data view) or "window", frames a second, length limit."""

    target: str = "data"
    fps: int = DEFAULT_FPS
    seconds: float = DEFAULT_SECONDS

    def __post_init__(self):
        if self.target not in ("data", "window"):
            raise ValueError(f"a clip records the data view ('data') or the window ('window'), not {self.target!r}")
        check("clip frames a second", self.fps, FIGURE_PARAMETERS["clip_fps"])
        check("clip length (seconds)", self.seconds, FIGURE_PARAMETERS["clip_seconds"])

    @property
    def max_frames(self) -> int:
        return max(1, round(self.fps * self.seconds))

    @property
    def interval_ms(self) -> int:
        return round(1000 / self.fps)


def image_to_rgb(image: QImage) -> np.ndarray:
    """A QImage as an (h, w, 3) uint8 array (a copy: the QImage may be reused)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=h * stride).reshape(h, stride)
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


def encode_gif(frames: list[Image.Image], duration_ms: int, progress=None) -> bytes:
    """Palette frames as one looping animated GIF, ``duration_ms`` each; ``progress(done, total)``
    is told as Pillow takes each frame."""
    if not frames:
        raise ValueError("no frames were recorded")

    def rest():  # Pillow reads append_images lazily: each frame it takes is one step done
        for i, frame in enumerate(frames[1:], start=1):
            if progress is not None:
                progress(i, len(frames))
            yield frame

    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=rest(), duration=duration_ms, loop=0, disposal=1)
    return out.getvalue()


def frame_bytes(width: int, height: int, max_width: int = MAX_WIDTH) -> int:
    """Memory one recorded frame of a ``width`` x ``height`` widget takes (palette_frame's size)."""
    if width > max_width:
        width, height = max_width, max(1, round(height * max_width / width))
    return width * height


def palette_frame(rgb: np.ndarray, max_width: int = MAX_WIDTH) -> Image.Image:
    """One frame, shrunk to ``max_width`` and quantised to 256 colours (what a GIF holds)."""
    image = Image.fromarray(rgb, "RGB")
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))),
                             Image.Resampling.LANCZOS)
    return image.quantize(colors=256, method=Image.Quantize.FASTOCTREE)


class GifEncoder(Worker):
    """Quantises frames as they come ("frame"), writes the GIF on "finish" (path, duration_ms)."""

    title = "clip encoder"
    activity = "while writing the clip"

    sigProgress = Signal(int, int)  # frames written into the file so far, of all
    sigWritten = Signal(str, int)  # path, number of frames grabbed

    def __init__(self):
        super().__init__()
        self.frames: list[Image.Image] = []

    def _on_frame(self, rgb: np.ndarray) -> None:
        self.frames.append(palette_frame(rgb))

    def _on_finish(self, path: str, duration_ms: int) -> None:
        total = len(self.frames)
        self.sigProgress.emit(0, total)
        data = encode_gif(self.frames, duration_ms, self.sigProgress.emit)
        self.sigProgress.emit(total, total)
        atomic_write_bytes(path, data)
        self.frames = []
        self.sigWritten.emit(path, total)


class ClipRecorder(QObject):
    """One recording of ``window``: :meth:`start`, then :meth:`stop` (or the length limit)."""

    sigStateChanged = Signal(bool)  # recording or not
    sigWritten = Signal(str, int)  # path, frames grabbed

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.settings = ClipSettings()
        self.path: str | None = None
        self.frames_grabbed = 0
        self.memory_stop = False  # the last recording stopped at MAX_CLIP_BYTES
        self._handle = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._grab)
        self.label = QLabel()
        self.label.setObjectName("clip_status")
        self.label.setVisible(False)
        window.statusBar().addPermanentWidget(self.label)
        self._close_watcher = EventWatcher(window, QEvent.Type.Close, self._window_closing, self)

    def recording(self) -> bool:
        return self._timer.isActive()

    def busy(self) -> bool:
        """Recording, or still writing the last clip."""
        return self._handle is not None

    def start(self, path: str, settings: ClipSettings) -> None:
        if self.busy():
            raise RuntimeError("a clip is already being recorded or written")
        self.path, self.settings, self.frames_grabbed = os.fspath(path), settings, 0
        self.memory_stop = False
        encoder = GifEncoder()
        encoder.sigProgress.connect(self._progress)
        encoder.sigWritten.connect(self._written)
        encoder.sigErrored.connect(self._failed)
        self._handle = start_worker(encoder, "clip encoder")
        self._timer.start(settings.interval_ms)
        self._grab()  # the first frame now: the clip starts where the person pressed
        self.sigStateChanged.emit(True)

    def target_widget(self):
        return self.window.data_view if self.settings.target == "data" else self.window

    @Slot()
    def _grab(self) -> None:
        if self.frames_grabbed >= self.settings.max_frames:
            self.stop()
            return
        widget = self.target_widget()
        if (self.frames_grabbed + 1) * frame_bytes(widget.width(), widget.height()) > MAX_CLIP_BYTES:
            self.memory_stop = True
            self.stop()
            self.window.show_notice(f"Recording stopped after {self.frames_grabbed / self.settings.fps:.1f} s: a "
                                    f"longer clip of this size would not fit in memory ({MAX_CLIP_BYTES >> 20} MB). "
                                    "Record the data view, a smaller window or fewer frames a second.", banner=True)
            return
        self._handle.post("frame", image_to_rgb(render_image(widget, 1)))
        self.frames_grabbed += 1
        seconds = self.frames_grabbed / self.settings.fps
        self.label.setText(f"\u25cf recording {seconds:.1f} s of {self.settings.seconds:g} s")
        self.label.setVisible(True)
        if self.frames_grabbed >= self.settings.max_frames:
            self.stop()

    def stop(self) -> None:
        """Stop grabbing and write the clip (in the background); nothing when not recording."""
        if not self.recording():
            return
        self._timer.stop()
        self._handle.post("finish", self.path, self.settings.interval_ms)
        self.label.setText(f"writing the clip ({self.frames_grabbed} frames)\u2026")
        self.sigStateChanged.emit(False)

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        self.label.setText(f"writing the clip: {done} of {total} frames")

    @Slot(str, int)
    def _written(self, path: str, frames: int) -> None:
        self._end_worker()
        self.label.setVisible(False)
        self.window.show_notice(f"Recorded a clip of {frames} frames ({frames / self.settings.fps:.1f} s) to {path}")
        self.sigWritten.emit(path, frames)

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._timer.stop()
        self._end_worker()
        self.label.setVisible(False)
        self.sigStateChanged.emit(False)
        self.window.show_notice(f"The clip could not be written: {message}", banner=True)

    def _end_worker(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.stop()

    def _window_closing(self) -> None:
        """Write what was recorded before the window goes (the encoder finishes, then stops)."""
        self.stop()
        self._end_worker()


# ---------------------------------------------------------------------------- the menu's side
class ClipDialog(QDialog):
    """File > Record clip...: what to record, frames a second, length limit."""

    def __init__(self, parent=None, settings: ClipSettings | None = None):
        super().__init__(parent)
        settings = settings or ClipSettings()
        self.setWindowTitle("Record clip")
        self.target_combo = QComboBox(self)
        self.target_combo.addItem("Data view", "data")
        self.target_combo.addItem("Whole window", "window")
        self.target_combo.setCurrentIndex(self.target_combo.findData(settings.target))
        self.fps_spin = configure_box(QSpinBox(self), FIGURE_PARAMETERS["clip_fps"])
        self.fps_spin.setValue(settings.fps)
        self.fps_spin.setSuffix(" frames/s")
        self.seconds_spin = QDoubleSpinBox(self)
        self.seconds_spin.setDecimals(1)
        configure_box(self.seconds_spin, FIGURE_PARAMETERS["clip_seconds"])
        self.seconds_spin.setValue(settings.seconds)
        self.seconds_spin.setSuffix(" s at most")
        self.seconds_spin.setToolTip("Recording stops by itself after this long (File > Stop recording stops it sooner)")
        form = QFormLayout(self)
        form.addRow("Record", self.target_combo)
        form.addRow("Frame rate", self.fps_spin)
        form.addRow("Length", self.seconds_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def settings(self) -> ClipSettings:
        return ClipSettings(self.target_combo.currentData(), self.fps_spin.value(), self.seconds_spin.value())


def recorder_of(window) -> ClipRecorder:
    """The window's one recorder, made on first use."""
    recorder = getattr(window, "clip_recorder", None)
    if recorder is None:
        recorder = window.clip_recorder = ClipRecorder(window)
        recorder.sigStateChanged.connect(window.controller.set_recording)
    return recorder


def open_clip_dialog(window) -> ClipDialog | None:
    """File > Record clip...: the dialog; on OK, ask for the .gif file and start recording."""
    recorder = recorder_of(window)
    if recorder.busy():
        window.show_notice("A clip is already being recorded: File > Stop recording ends it.")
        return None
    dialog = ClipDialog(window, recorder.settings)
    window._clip_dialog = dialog  # tests drive the dialog the person sees
    dialog.accepted.connect(lambda: _ask_and_start(window, dialog.settings()))
    dialog.open()
    return dialog


def _ask_and_start(window, settings: ClipSettings) -> None:
    folder = getattr(window, "_last_dir", "") or os.getcwd()
    path, _ = QFileDialog.getSaveFileName(window, "Record clip", os.path.join(folder, "clip.gif"), "GIF clip (*.gif)")
    if not path:
        return
    if not path.lower().endswith(".gif"):
        path += ".gif"
    window._last_dir = os.path.dirname(path)
    recorder_of(window).start(path, settings)


def stop_recording(window) -> None:
    """File > Stop recording."""
    recorder = getattr(window, "clip_recorder", None)
    if recorder is None or not recorder.recording():
        window.show_notice("No clip is being recorded: File > Record clip… starts one.")
        return
    recorder.stop()
