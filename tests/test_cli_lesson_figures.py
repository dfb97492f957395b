"""`nn-playground render LESSON` draws the lesson's figure: its figure_view, the Bayesian overlay, the layers' history."""

from pathlib import Path

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
        x, _ = overlay.moderated_boundary.getData()
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
