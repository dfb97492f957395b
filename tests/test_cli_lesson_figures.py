"""`nn-playground render LESSON` draws the lesson's figure: its figure_view, the Bayesian overlay, the layers' history."""

import json
from pathlib import Path

import numpy as np
import pytest

from playground.cli import main
from playground.gui.render import build_view, image_size
from playground.session.lessons import load_lesson
from playground.session.sources import read_source, source_experiment

LESSONS = Path(__file__).parents[1] / "resources" / "lessons"


def test_a_lesson_renders_the_view_it_names_unless_told(tmp_path, capsys):
    path = LESSONS / "13-mixture-density-network.json"
    assert load_lesson(path).figure_view == "mdn"
    out = tmp_path / "mdn.png"
    assert main(["render", str(path), "--out", str(out), "--epochs", "3", "--size", "400x300"]) == 0
    assert "the mdn view" in capsys.readouterr().out and image_size(out) == (400, 300)
    assert main(["render", str(path), "--out", str(out), "--epochs", "3", "--size", "400x300", "--view", "data"]) == 0
    assert "the data view" in capsys.readouterr().out


def _trained(name: str, epochs: int):
    experiment, document = source_experiment(read_source(LESSONS / name))
    trainer = experiment.make_trainer()
    earlier = [trainer.snapshot(), trainer.advance(epochs // 2)]
    return experiment, document, earlier, trainer.advance(epochs - epochs // 2)


def test_the_bayes_figure_is_the_data_view_with_the_moderated_contours(qapp):
    experiment, document, _, snap = _trained("14-bayesian-error-bars-and-evidence.json", 40)
    widget = build_view("bayes", experiment, document, experiment.net, snap, (400, 300))
    try:
        (overlay,) = widget._hosted  # the Bayesian dock's overlay, in the data view
        assert overlay.picture.kind == "classification2d" and set(overlay.levels_drawn) == {"moderated", "map"}
        x, _ = overlay.line("moderated boundary")
        assert x is not None and len(x) > 0  # the moderated decision boundary is drawn (PRML 5.190)
    finally:
        widget.close()
        widget.deleteLater()


def test_the_layers_figure_is_fed_every_earlier_frame(qapp):
    experiment, document, earlier, snap = _trained("15-initialisation.json", 20)
    widget = build_view("layers", experiment, document, experiment.net, snap, (400, 300), earlier)
    try:
        assert list(widget.epochs) == [0, 10, 20]  # one point of |dE/dW| per frame, as the window draws them
        assert widget.gradient_norms.shape == (3, experiment.net.n_layers)
        assert len(widget.histograms) == experiment.net.n_layers - 1
    finally:
        widget.close()
        widget.deleteLater()


def test_the_layers_figure_holds_all_three_plots_at_the_asked_size(tmp_path):
    """Three plots side by side are drawn whole (as File > Export figure draws them), not the largest one."""
    from PySide6.QtGui import QImage
    path = LESSONS / "15-initialisation.json"
    out = tmp_path / "layers.png"
    assert main(["render", str(path), "--out", str(out), "--epochs", "20", "--size", "400x300"]) == 0
    assert image_size(out) == (400, 300)
    image = QImage(str(out))
    background = image.pixel(2, 150)
    for top in (0, 100, 200):  # each third of the height has its plot's axes and text in it
        ink = sum(image.pixel(x, y) != background for x in range(0, 400, 2) for y in range(top, top + 100, 2))
        assert ink > 100, top
    svg = tmp_path / "layers.svg"
    assert main(["render", str(path), "--out", str(svg), "--epochs", "20"]) == 0
    text = svg.read_text()
    assert text.count("|dE/dW| of each layer") == 1 and "outputs z of each hidden layer" in text
    assert "saturated (tanh, sigmoid)" in text


def _drawn(curve):
    x, y = curve.getData()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))


def test_the_kernels_figure_holds_the_kernel_machines_fit_and_the_networks_curve(qapp):
    """The dock fits on a worker in the window; render fits it in place, with the lesson's sigma and lambda."""
    experiment, document, _, snap = _trained("16-kernels-and-bootstrap.json", 20)
    settings = load_lesson(LESSONS / "16-kernels-and-bootstrap.json").view_settings
    widget = build_view("kernels", experiment, document, experiment.net, snap, (400, 300), view_settings=settings)
    try:
        x, y = _drawn(widget.kernel_curve)
        assert len(x) > 10
        model = widget.kernel_model()  # fitted anew on the same points and settings
        np.testing.assert_allclose(y, model.predict(x[:, None]).ravel(), rtol=1e-6, atol=1e-9)
        if "sigma" in settings.get("kernels", {}):
            assert widget.settings().sigma == pytest.approx(settings["kernels"]["sigma"], rel=1e-6)
        xn, yn = _drawn(widget.network_curve)
        net = experiment.net.copy()
        net.w[:] = snap.weights
        np.testing.assert_allclose(yn, net.forward(xn[:, None]).ravel(), rtol=1e-5, atol=1e-6)
    finally:
        widget.close()
        widget.deleteLater()


def test_the_sweeps_figure_runs_the_lessons_sweep(qapp, tmp_path):
    raw = json.loads((LESSONS / "09-overfitting-and-the-sweep.json").read_text())
    raw["view_settings"]["sweeps"] = {"units": 2, "starts": 2, "epochs": 20}  # small: a test
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(raw))
    source = read_source(path)
    experiment, document = source_experiment(source)
    snap = experiment.make_trainer().snapshot()
    widget = build_view("sweeps", experiment, document, experiment.net, snap, (400, 300),
                        view_settings=source.view_settings)
    try:
        outcomes = widget.result.outcomes
        assert sorted((o.units, o.start) for o in outcomes) == [(1, 0), (1, 1), (2, 0), (2, 1)]
        assert all(o.epochs == 20 and np.isfinite(o.test_error) for o in outcomes)
    finally:
        widget.shutdown()  # its worker processes
        widget.close()
        widget.deleteLater()


def test_rendering_the_sweeps_figure_leaves_no_worker_process(qapp, tmp_path):
    import multiprocessing

    from playground.gui.render import render_figure

    experiment, document, _, snap = _trained("09-overfitting-and-the-sweep.json", 0)
    out = tmp_path / "sweeps.png"
    render_figure("sweeps", experiment, document, experiment.net, snap, str(out), (400, 300),
                  view_settings={"sweeps": {"units": 2, "starts": 1, "epochs": 10}})
    assert out.stat().st_size > 0
    assert multiprocessing.active_children() == []  # the dock's pool ended with the figure


def test_the_trajectory_figure_trains_both_runs(qapp):
    experiment, document, _, snap = _trained("03-early-stopping.json", 10)
    widget = build_view("trajectory", experiment, document, experiment.net, snap, (400, 300))
    try:
        stopped, decayed = widget.figure.paths
        assert len(stopped.weights) > 1 and len(decayed.weights) > 1 and stopped.label == "early stopping"
        x, _ = widget._paths["early stopping"].getData() if "early stopping" in widget._paths else (None, None)
        assert x is not None and len(x) == len(stopped.weights)  # drawn
    finally:
        widget.close()
        widget.deleteLater()
