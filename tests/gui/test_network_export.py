"""File > Export network…: the network the window trains, written in the format the dialog chose."""

import numpy as np
import onnxruntime as ort
import pytest

from playground.gui import file_actions
from playground.session import read_network_file
from test_main_window import empty_document, make_window, spiral_document, wait_frame


@pytest.fixture
def problems(monkeypatch):
    shown = []
    monkeypatch.setattr(file_actions, "show_problem", lambda parent, title, text: shown.append(text))
    return shown


def _answer(monkeypatch, path, chosen=""):
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(path), chosen))


def test_export_network_writes_the_trained_weights(qtbot, tmp_path, monkeypatch, problems):
    window = make_window(qtbot, tmp_path, spiral_document(40))
    window.step_action.trigger()  # one epoch: weights that are not the initial ones
    wait_frame(qtbot, window, lambda f: f.snapshot.epoch >= 1)
    weights = window._last_snapshot.weights.copy()
    _answer(monkeypatch, tmp_path / "net", chosen="NumPy arrays (*.npz)")  # no suffix: the chosen filter's
    window.export_network_action.trigger()
    net, features = read_network_file(tmp_path / "net.npz")
    assert np.array_equal(net.w, weights) and not problems
    assert "Exported the network 2-8-8-1 to" in window.statusBar().currentMessage()

    _answer(monkeypatch, tmp_path / "net.onnx")
    window.export_network_action.trigger()
    X = window.model.document.dataset.X
    (y,) = ort.InferenceSession(str(tmp_path / "net.onnx")).run(None, {"x": X.astype(np.float32)})
    np.testing.assert_allclose(y, net.forward(X), rtol=1e-4, atol=1e-5)


def test_export_network_refuses_in_words(qtbot, tmp_path, monkeypatch, problems):
    window = make_window(qtbot, tmp_path, empty_document())
    qtbot.wait(50)
    _answer(monkeypatch, tmp_path / "net.onnx")
    window.export_network_action.trigger()
    assert problems == ["There is no network yet: draw or generate some training points first."]
    assert not (tmp_path / "net.onnx").exists()
    other = make_window(qtbot, tmp_path, spiral_document(20))
    qtbot.waitUntil(lambda: other._experiment is not None)
    _answer(monkeypatch, tmp_path / "net.txt")
    other.export_network_action.trigger()
    assert "end it in .json, .npz, .onnx or .safetensors" in problems[-1]
