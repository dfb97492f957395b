"""The export, render and self-test commands, and train from a session: files, exit codes, messages."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from playground.cli import main
from playground.core.datasets import map_features
from playground.gui.render import image_size
from playground.session import DataConfig, ExperimentConfig, NetworkConfig, load_network, prepare, read_network_file
from playground.session.document import Document, load_session, save_session

CONFIG = {
    "version": 1,
    "data": {"generator": "two_gaussians", "n_points": 60, "noise": 0.05, "seed": 2, "features": ["x1", "x2", "x1^2"]},
    "network": {"hidden": [5], "activation": "swish", "seed": 1},
    "training": {"optimizer": "adam", "lr": 0.05, "epochs": 10},
}


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(CONFIG))
    return path


def _session(tmp_path, trained=True, name="s.nnp.json"):
    """A session file as the app saves it: drawn points, their parts, trained weights."""
    config = ExperimentConfig(data=DataConfig(generator="moons", n_points=50, seed=0, features=("x1", "x2", "x1*x2")),
                              network=NetworkConfig(hidden=(4,), activation="sin", seed=0), epochs=5)
    document = Document.generated(config)
    experiment = prepare(config, dataset=document.dataset, split=document.split())
    snap = experiment.make_trainer().advance(15)
    path = tmp_path / name
    save_session(path, document, snap.weights if trained else None, snap.history)
    return path, snap.weights


def _fails(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's usage errors leave by SystemExit, as from the real command
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message in err, err
    return err


# ---------------------------------------------------------------------- export
def test_export_of_a_session_runs_in_onnxruntime_on_the_raw_points(tmp_path, capsys):
    session_path, weights = _session(tmp_path)
    out = tmp_path / "net.onnx"
    assert main(["export", str(session_path), "--to", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    session = load_session(session_path)
    X = session.document.dataset.X
    (y,) = ort.InferenceSession(str(out)).run(None, {"x": X.astype(np.float32)})
    net = prepare(session.document.config, dataset=session.document.dataset, split=session.document.split()).net
    net.w[:] = weights
    np.testing.assert_allclose(y, net.forward(map_features(X, ("x1", "x2", "x1*x2"))), rtol=1e-4, atol=1e-5)


def test_export_of_a_trained_network_file_to_npz_and_safetensors(tmp_path, config_path, capsys):
    assert main(["train", str(config_path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    network = tmp_path / "run" / "network.json"
    assert main(["export", str(network), "--to", str(tmp_path / "n.npz")]) == 0
    net, features = read_network_file(tmp_path / "n.npz")
    assert np.array_equal(net.w, load_network(network).w) and features == ("x1", "x2", "x1^2")
    assert main(["export", str(tmp_path / "n.npz"), "--to", str(tmp_path / "n.safetensors")]) == 0
    assert (tmp_path / "n.safetensors").stat().st_size > 8


@pytest.mark.parametrize("make_argv, message", [
    (lambda d, c: ["export", c, "--to", str(d / "n.onnx")], "is an experiment config and holds no trained weights"),
    (lambda d, c: ["export", str(d / "missing.json"), "--to", str(d / "n.onnx")], "missing.json: no such file"),
    (lambda d, c: ["export", c, "--to", str(d / "n.txt")], "end it in .json, .npz, .onnx or .safetensors"),
    (lambda d, c: ["export", c, "--to", str(d / "no" / "n.onnx")], "does not exist"),
    (lambda d, c: ["export", c], "the following arguments are required: --to"),
])
def test_export_refuses_bad_input_in_one_line(tmp_path, config_path, capsys, make_argv, message):
    _fails(capsys, make_argv(tmp_path, str(config_path)), message)
    assert not (tmp_path / "n.onnx").exists()


def test_export_of_a_session_without_weights_says_so(tmp_path, capsys):
    path, _ = _session(tmp_path, trained=False)
    _fails(capsys, ["export", str(path), "--to", str(tmp_path / "n.onnx")], "the session holds no trained weights")


# ---------------------------------------------------------------------- train from a session
def test_train_takes_a_session_as_its_config_source(tmp_path, capsys):
    path, _ = _session(tmp_path)
    assert main(["train", str(path), "--out", str(tmp_path / "run"), "--epochs", "3", "--quiet"]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    session = load_session(path)
    assert metrics["data"]["points"]["train"] == session.document.counts()[0]  # the session's own points and split
    assert read_network_file(tmp_path / "run" / "network.json")[1] == ("x1", "x2", "x1*x2")


def test_train_refuses_a_network_file_as_its_config(tmp_path, config_path, capsys):
    assert main(["train", str(config_path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    capsys.readouterr()
    _fails(capsys, ["train", str(tmp_path / "run" / "network.json"), "--out", str(tmp_path / "again")],
           "is a network file; this command needs an experiment config or a saved session")


# ---------------------------------------------------------------------- render
def test_render_writes_a_png_of_the_asked_size(tmp_path, config_path, capsys):
    out = tmp_path / "data.png"
    assert main(["render", str(config_path), "--out", str(out), "--epochs", "5", "--size", "640x480"]) == 0
    assert image_size(out) == (640, 480)
    assert "after epoch 5" in capsys.readouterr().out


def test_render_writes_an_svg_with_the_loss_curves(tmp_path, config_path):
    out = tmp_path / "loss.svg"
    assert main(["render", str(config_path), "--out", str(out), "--view", "loss", "--epochs", "8"]) == 0
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    paths = [p.get("d", "") for p in root.iter("{http://www.w3.org/2000/svg}path")]
    assert sum(d.count("L") == 8 for d in paths) == 3  # the training, validation and test curves, 9 points each


def test_render_svg_of_the_data_view_draws_each_point_as_a_circle(tmp_path, config_path):
    out = tmp_path / "data.svg"
    assert main(["render", str(config_path), "--out", str(out), "--epochs", "2"]) == 0
    root = ET.parse(out).getroot()
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == CONFIG["data"]["n_points"]  # not the symbol atlas pasted once per point
    assert len(list(root.iter("{http://www.w3.org/2000/svg}image"))) == 1  # the shading


def test_render_of_a_saved_session_draws_it_as_saved(tmp_path, capsys):
    path, _ = _session(tmp_path)
    out = tmp_path / "diagram.png"
    assert main(["render", str(path), "--out", str(out), "--view", "diagram", "--size", "400x300"]) == 0
    assert image_size(out) == (400, 300) and "after epoch 0" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--out", "f.gif"], "end the name in .png or .svg"),
    (["--out", "f.png", "--size", "big"], "argument --size: must be WIDTHxHEIGHT in pixels"),
    (["--out", "f.png", "--size", "100x100"], "from 300 to 8000 pixels, got 100x100"),
    (["--out", "f.png", "--view", "spectrum"], "argument --view: must be one of data, loss, diagram, weights, hessian"),
    (["--out", "f.png", "--epochs", "-1"], "argument --epochs: must be from 0 to"),
])
def test_render_refuses_bad_input_in_one_line(tmp_path, config_path, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    _fails(capsys, ["render", str(config_path), *extra], message)
    assert not any(tmp_path.glob("f.*"))


def test_render_of_data_with_three_inputs_offers_the_other_views(tmp_path, capsys):
    rows = "".join(f"{a},{b},{c},{int(a + b + c > 0)}\n" for a, b, c in np.random.default_rng(0).normal(size=(30, 3)))
    (tmp_path / "d3.csv").write_text("x1,x2,x3,label\n" + rows)
    path = tmp_path / "c3.json"
    path.write_text(json.dumps({"version": 1, "data": {"csv": "d3.csv"}, "network": {"hidden": [3]},
                                "training": {"epochs": 2}}))
    _fails(capsys, ["render", str(path), "--out", str(tmp_path / "f.png")],
           "these have 3; choose --view loss, diagram, weights, hessian")
    assert main(["render", str(path), "--out", str(tmp_path / "w.png"), "--view", "weights"]) == 0


def test_render_draws_the_mixture_density_panels_of_an_mdn_and_refuses_them_for_another_head(tmp_path, capsys):
    mdn = tmp_path / "mdn.json"
    mdn.write_text(json.dumps({"version": 1, "data": {"generator": "inverse_problem", "n_points": 60},
                               "network": {"hidden": [5], "output": "mdn", "n_components": 3},
                               "training": {"epochs": 3}}))
    assert main(["render", str(mdn), "--out", str(tmp_path / "mdn.png"), "--view", "mdn", "--size", "640x480"]) == 0
    assert image_size(tmp_path / "mdn.png") == (640, 480)
    capsys.readouterr()
    other = tmp_path / "sin.json"
    other.write_text(json.dumps({"version": 1, "data": {"generator": "sinusoid", "n_points": 30},
                                 "network": {"hidden": [4]}, "training": {"epochs": 2}}))
    _fails(capsys, ["render", str(other), "--out", str(tmp_path / "no.png"), "--view", "mdn"],
           'the mdn view draws only networks with output "mdn"; this one has output "linear"')
    assert not (tmp_path / "no.png").exists()


def test_render_of_a_bad_config_names_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**CONFIG, "network": {"hidden": [5], "activation": "sigmoidal"}}))
    _fails(capsys, ["render", str(bad), "--out", str(tmp_path / "f.png")], "network.activation")


# ---------------------------------------------------------------------- self-test
def test_self_test_passes_without_a_display_in_a_fresh_process():
    """As a user runs it: a new process, no DISPLAY and no QT_QPA_PLATFORM (it draws offscreen by itself)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    run = subprocess.run([sys.executable, "-m", "playground", "--self-test"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("\n") == 1 and run.stdout.startswith("self-test passed"), run.stdout
    from playground.gui.render import VIEW_NAMES  # every view of the table, and the data view
    assert (f"drew {len(VIEW_NAMES)} views as PNG and SVG, wrote a GIF, ONNX checked with onnxruntime, SVM fitted, "
            "session reloaded") in run.stdout
    assert run.stderr == ""


def test_self_test_names_what_failed(monkeypatch, capsys):
    monkeypatch.setattr("playground.gui.render.VIEW_NAMES", ("loss",))  # one view is enough to fail
    monkeypatch.setattr("playground.self_test.check_svg", lambda path: (_ for _ in ()).throw(ValueError("no paths")))
    assert main(["--self-test"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("self-test FAILED") and "loss view SVG (ValueError: no paths)" in out


def test_self_test_fails_where_a_build_left_out_what_scikit_learn_imports(monkeypatch, capsys):
    """A frozen build without scipy.stats (sklearn/utils/fixes.py imports it) could not fit the Kernels
    dock's SVM: the self-test names it (the spec's exclusions are checked in tests/test_packaging.py)."""
    monkeypatch.setattr("playground.gui.render.VIEW_NAMES", ("loss",))
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)  # put back after the test
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # as in such a build
    before = set(sys.modules)
    try:
        assert main(["--self-test"]) == 1
    finally:  # the parts of scikit-learn the failed import left behind: the next import starts afresh
        for name in set(sys.modules) - before:
            if name.startswith("sklearn"):
                del sys.modules[name]
    out = capsys.readouterr().out
    assert out.startswith("self-test FAILED: SVM (ModuleNotFoundError") and "scipy.stats" in out


def test_self_test_without_onnxruntime_checks_the_model_with_onnx_checker(monkeypatch, capsys):
    monkeypatch.setattr("playground.gui.render.VIEW_NAMES", ("weights",))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as in a build without it
    assert main(["--self-test"]) == 0
    assert "ONNX checked with onnx.checker" in capsys.readouterr().out


def test_render_of_a_diverging_run_still_draws_and_exits_3(tmp_path, capsys):
    config = {"version": 1, "data": {"generator": "spiral", "n_points": 200, "noise": 0.1, "seed": 0},
              "network": {"hidden": [8, 8], "activation": "tanh", "seed": 0},
              "training": {"optimizer": "gd", "lr": 100, "epochs": 200}}  # tests/test_cli_divergence.py's run
    path = tmp_path / "diverging.json"
    path.write_text(json.dumps(config))
    out = tmp_path / "d.png"
    assert main(["render", str(path), "--out", str(out), "--size", "300x300"]) == 3
    assert "Training diverged" in capsys.readouterr().err and image_size(out) == (300, 300)


@pytest.mark.parametrize("lesson", sorted(p.name for p in (Path(__file__).parents[1] / "resources" / "lessons").glob("*.json")))
def test_every_lesson_renders_headless(tmp_path, capsys, lesson):
    path = Path(__file__).parents[1] / "resources" / "lessons" / lesson
    out = tmp_path / "lesson.png"
    assert main(["render", str(path), "--out", str(out), "--epochs", "3", "--size", "400x300"]) == 0
    assert image_size(out) == (400, 300)
