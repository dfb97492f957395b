"""``nn-playground --self-test``: does this installation train, draw and export?

It trains a small network for a few epochs, fits the Kernels dock's SVM (scikit-learn, whose
imports reach far into scipy: a build that leaves them out fails here), draws every view
offscreen, writes PNG, SVG, ONNX, a GIF clip (Pillow) and a session to a temporary folder and
checks each file: the PNG's pixel size, the SVG as XML with paths, the GIF's frames, the ONNX
model in onnxruntime against ``net.forward`` when onnxruntime is installed (else
``onnx.checker``), the session read back with its weights. One line is printed; the exit code is
0, or 1 with the name of each check that failed. Only the app's own dependencies are imported, so
the frozen binary runs it as a source install does.
"""

from __future__ import annotations

import os
import tempfile
import time
import xml.etree.ElementTree as ET

import numpy as np

SIZE = (400, 300)
EPOCHS = 20
# The Sweeps view draws a sweep it runs in the process pool: a small one proves the pool and the
# drawing (the default, 360 fits, took 29 of the self-test's 42 s, twice).
DOCK_SETTINGS = {"sweeps": {"units": 3, "starts": 2, "epochs": 40}}
SVG_NS = "{http://www.w3.org/2000/svg}"


def _config(output: str | None = None):
    """The experiment the self-test trains; ``output="mdn"``: a small mixture density network on the
    inverse problem, for the views that draw only such a network."""
    from playground.session import DataConfig, ExperimentConfig, NetworkConfig

    if output == "mdn":
        return ExperimentConfig(data=DataConfig(generator="inverse_problem", n_points=60, seed=0),
                                network=NetworkConfig(hidden=(5,), output="mdn", n_components=3, seed=0),
                                epochs=EPOCHS)
    return ExperimentConfig(data=DataConfig(generator="spiral", n_points=80, noise=0.05, seed=0,
                                            features=("x1", "x2", "sin(x1)")),
                            network=NetworkConfig(hidden=(6, 6), activation="tanh", seed=0), epochs=EPOCHS)


def check_png(path: str, size: tuple[int, int]) -> None:
    from playground.gui.render import image_size

    got = image_size(path)
    if got != tuple(size):
        raise ValueError(f"{got[0]}x{got[1]} pixels, not {size[0]}x{size[1]}")


def check_svg(path: str) -> None:
    root = ET.parse(path).getroot()
    if root.tag != f"{SVG_NS}svg":
        raise ValueError(f"the root element is {root.tag}, not svg")
    if not any(True for _ in root.iter(f"{SVG_NS}path")):
        raise ValueError("no <path> elements")


def check_onnx(path: str, net, X, features) -> str:
    """'onnxruntime' when the model ran and matched, 'onnx.checker' when only checked."""
    import onnx

    from playground.core.datasets import map_features

    onnx.checker.check_model(onnx.load(path), full_check=True)
    try:
        import onnxruntime
    except ImportError:
        return "onnx.checker"
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"x": X.astype(np.float32)})
    want = net.forward(map_features(X, features) if features else X)
    if not np.allclose(y, want, rtol=1e-4, atol=1e-5):
        raise ValueError(f"outputs differ from the network's by up to {np.max(np.abs(y - want)):.3g}")
    return "onnxruntime"


def check_svm(X, labels) -> None:
    """The Kernels dock's SVM (core/kernels.SVM on scikit-learn's SVC) fits the training points."""
    from playground.core.kernels import SVM

    accuracy = float(np.mean(SVM().fit(X, labels).predict(X) == labels))
    if accuracy < 0.9:
        raise ValueError(f"it classifies only {accuracy:.0%} of the points it was fitted to")


def check_gif(path: str, frames: int = 3, size: tuple[int, int] = (64, 48)) -> None:
    """A clip as File > Record clip writes it (gui/clips.py, Pillow): ``frames`` frames read back."""
    from PIL import Image

    from playground.gui.clips import encode_gif, palette_frame
    from playground.session.atomic import atomic_write_bytes

    w, h = size
    ramp = np.linspace(0, 255, w * h * 3).reshape(h, w, 3).astype(np.uint8)
    atomic_write_bytes(path, encode_gif([palette_frame(np.roll(ramp, 7 * i, axis=1)) for i in range(frames)], 100))
    with Image.open(path) as clip:
        if clip.format != "GIF" or clip.n_frames != frames or clip.size != size:
            raise ValueError(f"a {clip.format} of {clip.n_frames} frames of {clip.size[0]}x{clip.size[1]} pixels, "
                             f"not a GIF of {frames} of {w}x{h}")


def check_session(path: str, document, weights) -> None:
    from playground.session.document import load_session

    session = load_session(path)
    if session.document.dataset.n != document.dataset.n or not np.array_equal(session.weights, weights):
        raise ValueError("the points or the weights read back differ from those written")


def _start_qt():
    from playground.gui.render import offscreen_application  # an import PyInstaller's analysis sees

    return offscreen_application()


def run_self_test(out=print) -> int:
    start = time.perf_counter()
    failed: list[str] = []
    done: list[str] = []

    def attempt(name: str, check):
        try:
            result = check()
            done.append(name)
            return result
        except Exception as err:  # each failure is named in the one line, the others still run
            failed.append(f"{name} ({type(err).__name__}: {str(err)[:120]})")
            return None

    from playground.session import prepare
    from playground.session.document import Document, save_session
    from playground.session.export import save_network

    def train(output=None):
        experiment = prepare(_config(output))
        return experiment, experiment.make_trainer().advance(EPOCHS)

    trained = attempt("training", train)
    if trained is None:
        out(f"self-test FAILED: {'; '.join(failed)}")
        return 1
    experiment, snap = trained
    net = experiment.net.copy()
    net.w[:] = snap.weights
    split = experiment.split
    parts = np.zeros(experiment.dataset.n, dtype=np.int8)
    parts[split.val_idx], parts[split.test_idx] = 1, 2
    document = Document(experiment.dataset, parts, experiment.config)

    with tempfile.TemporaryDirectory(prefix="nn-playground-self-test-") as folder:
        app = attempt("Qt offscreen", _start_qt)
        if app is not None:
            from playground.gui.render import VIEW_NAMES, render_figure
            from playground.gui.views import VIEWS

            needs = {spec.name: spec.output for spec in VIEWS}
            others = {}  # output head -> (experiment, snapshot, document) for the views that draw only it
            for name in VIEW_NAMES:
                drawn = (experiment, snap, document)
                if needs.get(name) is not None:
                    head = needs[name]
                    if head not in others:
                        made = attempt(f"training a {head} network", lambda: train(head))
                        others[head] = None if made is None else (
                            made[0], made[1], Document(made[0].dataset, np.zeros(made[0].dataset.n, np.int8),
                                                       made[0].config))
                    if others[head] is None:
                        continue
                    drawn = others[head]
                for suffix, check in ((".png", lambda p: check_png(p, SIZE)), (".svg", check_svg)):
                    path = os.path.join(folder, name + suffix)
                    attempt(f"{name} view {suffix[1:].upper()}",
                            lambda: (render_figure(name, drawn[0], drawn[2], drawn[0].net, drawn[1], path, SIZE,
                                                   view_settings=DOCK_SETTINGS), check(path)))
            gif_path = os.path.join(folder, "clip.gif")
            attempt("GIF clip", lambda: check_gif(gif_path))
        onnx_path = os.path.join(folder, "network.onnx")
        runner = attempt("ONNX", lambda: (save_network(net, onnx_path, experiment.features),
                                          check_onnx(onnx_path, net, split.train.X, experiment.features))[1])
        attempt("SVM", lambda: check_svm(split.train.X, split.train.t))
        session_path = os.path.join(folder, "session.nnp.json")
        attempt("session", lambda: (save_session(session_path, document, snap.weights, snap.history),
                                    check_session(session_path, document, snap.weights)))
    seconds = time.perf_counter() - start
    if failed:
        out(f"self-test FAILED: {'; '.join(failed)} ({len(done)} checks passed, {seconds:.1f} s)")
        return 1
    out(f"self-test passed: trained {EPOCHS} epochs, drew {len(VIEW_NAMES)} views as PNG and SVG, wrote a GIF, "
        f"ONNX checked with {runner}, SVM fitted, session reloaded ({len(done)} checks, {seconds:.1f} s)")
    return 0
