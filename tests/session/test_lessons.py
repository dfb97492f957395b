"""Lesson files: every one loads, trains headless briefly, and names only controls and views that exist."""

import json
import re

import pytest

from playground.session.experiment import prepare
from playground.session.lessons import CONTROLS, VIEWS, LessonError, lesson_paths, load_lesson, parse_lesson

PATHS = lesson_paths()


def test_the_lessons_of_this_build_are_there():
    names = [p.name for p in PATHS]
    assert len(names) >= 14  # issue 15's list
    figures = " ".join(load_lesson(p).figure for p in PATHS)
    for cited in ("fig. 5.3", "fig. 5.4", "5.9", "5.10", "fig. 5.11", "fig. 5.12", "5.1.1", "section 5.4", "5.5.7",
                  "5.19-5.21", "5.22-5.23", "seed 002", "seed 004", "4.1.7"):
        assert cited in figures, cited
    assert "5.5.3" in figures or "5.5.4" in figures


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_each_lesson_loads_and_trains_briefly(path):
    lesson = load_lesson(path)
    trainer = prepare(lesson.experiment).make_trainer()
    trainer.advance(20)
    snapshot = trainer.snapshot()
    assert snapshot.epoch == 20 and snapshot.history.train_error[-1] < snapshot.history.train_error[0]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_each_narrative_names_controls_and_views_that_exist_and_are_unlocked(path):
    lesson = load_lesson(path)
    assert lesson.steps and "PRML" in lesson.figure
    for step in lesson.steps:
        assert set(step.controls) <= set(CONTROLS) and set(step.views) <= set(lesson.views) <= set(VIEWS)
        if lesson.unlocked is not None:
            assert set(step.controls) <= set(lesson.unlocked)
    # the text cites PRML numbers: an equation (5.56), a figure or a section
    assert any(re.search(r"5\.\d", step.text) for step in lesson.steps)


def _good():
    return json.loads(PATHS[0].read_text())


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["experiment"]["training"].update(lr=-1), "experiment.training.lr: must be a positive number, got -1"),
    (lambda d: d.update(versio=1), "unknown key 'versio' in the top level (did you mean 'version'?)"),
    (lambda d: d.update(version=2), "version: this build reads lesson version 1"),
    (lambda d: d.update(unlocked=["ply"]), "unlocked: unknown control 'ply' (did you mean 'play'?)"),
    (lambda d: d["steps"][0].update(controls=["l2"]), "steps[0].controls: 'l2' is locked by this lesson"),
    (lambda d: d["steps"][1].update(views=["hessian"]), "steps[1].views: 'hessian' is not among the lesson's views"),
    (lambda d: d.update(pace=0), "pace: must be"),
    (lambda d: d.update(steps=[]), "steps: must be a non-empty list"),
    (lambda d: d["view_settings"].update(hidden_units="yes"), "view_settings.hidden_units: must be true or false"),
    (lambda d: d["view_settings"].update(sweeps={"units": 3}), "view_settings.sweeps: the sweeps dock is not among"),
    (lambda d: d.update(views=["data", "sweeps"]) or d["view_settings"].update(sweeps={"starts": 0}),
     "view_settings.sweeps.starts: must be"),
    (lambda d: d.update(views=["data", "sweeps"]) or d["view_settings"].update(sweeps={"start": 3}),
     "unknown key 'start' in view_settings.sweeps (did you mean 'starts'?)"),
    (lambda d: d.update(views=["data", "kernels"]) or d["view_settings"].update(kernels={"bootstrap": "net"}),
     "view_settings.kernels.bootstrap: unknown bootstrap 'net'"),
    (lambda d: d.update(views=["data", "prior"]) or d["view_settings"].update(prior={"w1": -1}),
     "view_settings.prior.w1: must be"),
    (lambda d: d.update(figure_view="mdn"), "figure_view: 'mdn' is not among the lesson's views"),
])
def test_bad_lessons_are_refused_with_the_key_path(edit, message):
    raw = _good()
    edit(raw)
    with pytest.raises(LessonError) as err:
        parse_lesson(raw)
    assert message in str(err.value)


def test_a_bad_lesson_file_names_the_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{ not json")
    with pytest.raises(LessonError, match="bad.json, line 1: not valid JSON"):
        load_lesson(path)
    raw = _good()
    raw["experiment"]["network"]["hidden"] = [0]
    path.write_text(json.dumps(raw))
    with pytest.raises(LessonError, match=r"bad.json: experiment.network"):
        load_lesson(path)


def test_the_command_line_trains_a_lessons_experiment(tmp_path, capsys):
    from playground.cli import main

    out = tmp_path / "run"
    assert main(["train", str(PATHS[0]), "--out", str(out), "--epochs", "5", "--quiet"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["final"]["epoch"] == 5 and metrics["data"]["name"] == "square"  # the fig. 5.3 lesson's data
    assert metrics["network"].startswith("1-3-1 tanh")
    bad = tmp_path / "bad.json"
    raw = _good()
    raw["pace"] = 0
    bad.write_text(json.dumps(raw))
    assert main(["train", str(bad), "--out", str(out)]) == 2
    assert "bad.json: pace: must be" in capsys.readouterr().err


def test_a_lesson_names_the_dock_settings_and_the_figure_it_renders():
    raw = _good()
    raw["views"] += ["sweeps", "kernels"]
    raw["view_settings"] = {"sweeps": {"units": 10, "starts": 5}, "kernels": {"sigma": 0.2, "bootstrap": "none"}}
    raw["figure_view"] = "kernels"
    lesson = parse_lesson(raw)
    assert lesson.view_settings["sweeps"] == {"units": 10, "starts": 5}
    assert lesson.view_settings["kernels"] == {"sigma": 0.2, "bootstrap": "none"}
    assert lesson.figure_view == "kernels" and parse_lesson(_good()).figure_view == "data"
