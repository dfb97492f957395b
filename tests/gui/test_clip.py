"""Clips: File > Record clip... records the data view (or the window) while training into an
animated GIF with the frames asked for, encoded off the GUI thread and written atomically."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QObject, Slot
from widget_lifetime import delete_widgets_at_a_safe_point as _delete_widgets
from widget_lifetime import shown_main_window

from playground.gui import clips
from playground.gui.background import live_workers
from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import Document

delete_widgets_at_a_safe_point = pytest.fixture(autouse=True)(_delete_widgets)


def spiral_document(n=120):
    return Document.generated(ExperimentConfig(data=DataConfig(generator="spiral", n_points=n, noise=0.05, seed=1)))


def gif_frames(path) -> tuple[tuple[int, int], list[int]]:
    """(size, duration of each frame in ms) of an animated GIF, read with Pillow."""
    with Image.open(path) as image:
        durations = []
        for i in range(image.n_frames):
            image.seek(i)
            durations.append(image.info["duration"])
        return image.size, durations


class Written(QObject):
    """Records the recorder's sigWritten on the GUI thread (pytest-qt must not wait on worker signals)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    @Slot(str, int)
    def record(self, path, frames):
        self.calls.append((path, frames))


def start_from_the_menu(window, monkeypatch, path, fps, seconds, target="data"):
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(path), ""))
    window.record_clip_action.trigger()
    dialog = window._clip_dialog
    assert dialog.isVisible()
    dialog.target_combo.setCurrentIndex(dialog.target_combo.findData(target))
    dialog.fps_spin.setValue(fps)
    dialog.seconds_spin.setValue(seconds)
    written = Written()
    clips.recorder_of(window).sigWritten.connect(written.record)
    dialog.accept()
    return written


def test_palette_frames_become_a_looping_gif_with_every_frame():
    rng = np.random.default_rng(0)
    frames = [clips.palette_frame(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)) for _ in range(5)]
    told = []
    path_data = clips.encode_gif(frames, 100, lambda done, total: told.append((done, total)))
    assert told == [(1, 5), (2, 5), (3, 5), (4, 5)]  # as Pillow takes each frame after the first
    import io

    with Image.open(io.BytesIO(path_data)) as image:
        assert image.n_frames == 5 and image.size == (40, 30) and image.info["loop"] == 0
    wide = clips.palette_frame(np.zeros((100, 2 * clips.MAX_WIDTH, 3), dtype=np.uint8))
    assert wide.size == (clips.MAX_WIDTH, 50) and wide.mode == "P"


def test_a_clip_recorded_while_training_has_the_frames_asked_for(qtbot, tmp_path, monkeypatch):
    window = shown_main_window(qtbot, tmp_path, spiral_document())
    qtbot.waitUntil(lambda: window.data_view.last_frame is not None, timeout=8000)
    window.play(True)
    target = tmp_path / "training"  # the suffix is added
    written = start_from_the_menu(window, monkeypatch, target, fps=10, seconds=0.6)
    recorder = window.clip_recorder
    assert recorder.recording() and "recording" in recorder.label.text()
    qtbot.waitUntil(lambda: len(written.calls) > 0, timeout=10000)  # it stops by itself at the length limit
    window.play(False)
    assert written.calls == [(str(target) + ".gif", 6)]
    assert recorder.frames_grabbed == 6 and not recorder.busy()
    size, durations = gif_frames(str(target) + ".gif")
    view = window.data_view.size()
    assert size == (view.width(), view.height())
    # Pillow merges a frame identical to the one before it, adding up the durations: the length is exact.
    assert sum(durations) == 600 and 2 <= len(durations) <= 6
    assert "Recorded a clip of 6 frames" in window.statusBar().currentMessage()
    assert not [w for w in live_workers() if w.thread.objectName() == "clip encoder"]
    window.controller.shutdown()


def test_stop_recording_ends_the_clip_early_and_closing_the_window_writes_it(qtbot, tmp_path, monkeypatch):
    from playground.gui.background import FRAME_INTERVAL, FULL_SPEED_FRAME_INTERVAL
    window = shown_main_window(qtbot, tmp_path, spiral_document())
    written = start_from_the_menu(window, monkeypatch, tmp_path / "short.gif", fps=20, seconds=30, target="window")
    recorder = window.clip_recorder
    worker = window.controller.worker
    # while it records, full speed keeps 30 frames a second (a clip of 30 would repeat every other one)
    qtbot.waitUntil(lambda: worker.full_speed_interval == FRAME_INTERVAL, timeout=3000)
    qtbot.waitUntil(lambda: recorder.frames_grabbed >= 3, timeout=5000)
    window.stop_clip_action.trigger()
    assert not recorder.recording()
    qtbot.waitUntil(lambda: worker.full_speed_interval == FULL_SPEED_FRAME_INTERVAL, timeout=3000)
    qtbot.waitUntil(lambda: len(written.calls) > 0, timeout=10000)
    grabbed = recorder.frames_grabbed
    size, durations = gif_frames(tmp_path / "short.gif")
    scale = min(1.0, clips.MAX_WIDTH / window.width())  # a wide window is shrunk to MAX_WIDTH
    assert sum(durations) == grabbed * 50
    assert size == (round(window.width() * scale), round(window.height() * scale))

    start_from_the_menu(window, monkeypatch, tmp_path / "closing.gif", fps=20, seconds=30)
    qtbot.waitUntil(lambda: recorder.frames_grabbed >= 2, timeout=5000)
    window.close()  # the clip so far is written before the window goes; no thread is left
    assert not recorder.busy()
    _, durations = gif_frames(tmp_path / "closing.gif")
    assert sum(durations) == recorder.frames_grabbed * 50
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no temporary file left behind


def test_a_recording_stops_before_its_frames_outgrow_the_memory_limit(qtbot, tmp_path, monkeypatch):
    window = shown_main_window(qtbot, tmp_path, spiral_document())
    window.stop_clip_action.trigger()
    assert "No clip is being recorded" in window.statusBar().currentMessage()
    view = window.data_view
    monkeypatch.setattr(clips, "MAX_CLIP_BYTES", int(3.5 * clips.frame_bytes(view.width(), view.height())))
    written = start_from_the_menu(window, monkeypatch, tmp_path / "big.gif", fps=20, seconds=30)
    qtbot.waitUntil(lambda: len(written.calls) > 0, timeout=10000)
    recorder = window.clip_recorder
    assert recorder.memory_stop and recorder.frames_grabbed == 3
    assert "would not fit in memory" in window.banner_label.text()
    assert sum(gif_frames(tmp_path / "big.gif")[1]) == 3 * 50


def test_clip_settings_out_of_range_are_refused_in_plain_words():
    with pytest.raises(ValueError, match="clip frames a second"):
        clips.ClipSettings(fps=0)
    with pytest.raises(ValueError, match="clip length"):
        clips.ClipSettings(seconds=3600)
    with pytest.raises(ValueError, match="data view"):
        clips.ClipSettings(target="loss")
