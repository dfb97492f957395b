"""File > Export network…: the network the window trains, written in the format the dialog chose."""

import numpy as np
import onnxruntime as ort
import pytest
from test_main_window import empty_document, make_window, spiral_document, wait_frame

from playground.gui import file_actions
from playground.session import read_network_file


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
    assert "Exported the network 2-8-8-1 to" in window.statusBar().currentMessage()  # not "(untrained ...)"

    _answer(monkeypatch, tmp_path / "net.onnx")
    window.export_network_action.trigger()
    X = window.model.document.dataset.X
    (y,) = ort.InferenceSession(str(tmp_path / "net.onnx")).run(None, {"x": X.astype(np.float32)})
    np.testing.assert_allclose(y, net.forward(X), rtol=1e-4, atol=1e-5)


def test_export_network_of_an_opened_session_writes_its_saved_weights(qtbot, tmp_path, monkeypatch, problems):
    from playground.session import prepare
    from playground.session.document import save_session

    document = spiral_document(30)
    net = prepare(document.config, dataset=document.dataset, split=document.split()).net
    saved = net.w + 0.25  # weights no initialisation gives
    save_session(tmp_path / "s.nnp.json", document, saved)
    window = make_window(qtbot, tmp_path, empty_document())
    window.open_session(str(tmp_path / "s.nnp.json"))
    qtbot.waitUntil(lambda: window._experiment is not None and window._last_snapshot is not None)
    _answer(monkeypatch, tmp_path / "s.npz")
    window.export_network_action.trigger()
    assert np.array_equal(read_network_file(tmp_path / "s.npz")[0].w, saved)
    assert "untrained" not in window.statusBar().currentMessage()


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
    _answer(monkeypatch, tmp_path / "fresh.json")
    other.export_network_action.trigger()
    assert "(untrained: its initial weights)" in other.statusBar().currentMessage()
    assert (tmp_path / "fresh.json").exists()
