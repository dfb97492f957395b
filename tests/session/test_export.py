"""Network export by suffix: ONNX run in onnxruntime against net.forward, exact NPZ/JSON round
trips, and the safetensors layout of the equivalent torch.nn.Sequential checked with numpy alone."""

import json
import struct
import zipfile

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from playground.core import ACTIVATION_NAMES, MLP
from playground.core.datasets import FEATURES, map_features
from playground.session import NetworkFileError, load_network, read_network_file, save_network
from playground.session.export import ONNX_IR_VERSION, ONNX_OPSET

RNG = np.random.default_rng(0)
X2 = RNG.normal(scale=2.0, size=(64, 2))  # wide enough to reach every activation's tails
TOL = dict(rtol=1e-4, atol=1e-5)  # float32 graph against the float64 network


def _onnx_run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": np.asarray(X, dtype=np.float32)}), [o.name for o in session.get_outputs()]


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_onnx_matches_forward_for_every_activation(tmp_path, activation):
    net = MLP([2, 6, 5, 1], hidden=activation, output="linear", seed=3)
    net.w[:] *= 2.0  # larger weights: pre-activations reach |a| > 5, where the approximations would show
    path = tmp_path / "net.onnx"
    save_network(net, path)
    (y,), names = _onnx_run(path, X2)
    assert names == ["y"]
    np.testing.assert_allclose(y, net.forward(X2), **TOL)


def test_onnx_softplus_stays_finite_for_large_pre_activations(tmp_path):
    net = MLP([1, 1, 1], hidden="softplus", output="linear", seed=0)
    net.weights[0][:] = 100.0
    save_network(net, tmp_path / "s.onnx")
    X = np.array([[-2.0], [0.0], [1.0], [2.0]])  # a = 200: e^a is inf in float32, softplus(a) = a is not
    (y,), _ = _onnx_run(tmp_path / "s.onnx", X)
    np.testing.assert_allclose(y, net.forward(X), **TOL)


@pytest.mark.parametrize("output, n_out", [("linear", 2), ("sigmoid", 1), ("sigmoid", 3), ("softmax", 4)])
def test_onnx_matches_forward_for_every_head(tmp_path, output, n_out):
    net = MLP([2, 7, n_out], hidden=["tanh"], output=output, seed=1)
    save_network(net, tmp_path / "h.onnx")
    (y,), _ = _onnx_run(tmp_path / "h.onnx", X2)
    assert y.shape == (len(X2), n_out)
    np.testing.assert_allclose(y, net.forward(X2), **TOL)


@pytest.mark.parametrize("sigma_floor", [0.0, 0.3])  # sigma = floor + e^s (core/heads.py)
def test_onnx_mixture_density_outputs(tmp_path, sigma_floor):
    net = MLP([1, 8, 2], hidden="tanh", output="mdn", n_components=3, seed=2, sigma_floor=sigma_floor)  # L = 2
    save_network(net, tmp_path / "mdn.onnx")
    X = X2[:, :1]
    outputs, names = _onnx_run(tmp_path / "mdn.onnx", X)
    assert names == ["pi", "mu", "sigma"]
    pi, mu, sigma = net.forward(X)
    assert outputs[1].shape == (len(X), 3, 2)  # (N, K, L)
    for got, want in zip(outputs, (pi, mu, sigma)):
        np.testing.assert_allclose(got, want, **TOL)


@pytest.mark.parametrize("feature", FEATURES)
def test_onnx_takes_raw_inputs_with_each_feature_map_in_the_graph(tmp_path, feature):
    features = ("x1", feature) if feature != "x1" else ("x1",)
    net = MLP([len(features), 5, 1], hidden="tanh", output="sigmoid", seed=4)
    save_network(net, tmp_path / "f.onnx", features=features, raw_inputs=2)
    (y,), _ = _onnx_run(tmp_path / "f.onnx", X2)  # the raw points, as drawn
    np.testing.assert_allclose(y, net.forward(map_features(X2, features)), **TOL)


def test_onnx_all_features_at_once_and_the_fewest_raw_inputs(tmp_path):
    features = tuple(reversed(FEATURES))
    net = MLP([len(features), 4, 2], hidden="swish", output="softmax", seed=5)
    save_network(net, tmp_path / "all.onnx", features=features)
    (y,), _ = _onnx_run(tmp_path / "all.onnx", X2)
    np.testing.assert_allclose(y, net.forward(map_features(X2, features)), **TOL)
    one = MLP([2, 3, 1], hidden="sin", seed=0)
    save_network(one, tmp_path / "one.onnx", features=("x1", "sin(x1)"))  # needs x1 only
    model = onnx.load(tmp_path / "one.onnx")
    assert model.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 1


def test_onnx_file_declares_its_versions_and_passes_the_checker(tmp_path):
    save_network(MLP([2, 3, 1], seed=0), tmp_path / "v.onnx", features=("x1", "x2"))
    model = onnx.load(tmp_path / "v.onnx")
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == ONNX_IR_VERSION
    assert [(o.domain, o.version) for o in model.opset_import] == [("", ONNX_OPSET)]
    weights = {t.name: t.data_type for t in model.graph.initializer if t.name[0] in "Wb"}
    assert weights == {"W1": onnx.TensorProto.FLOAT, "b1": onnx.TensorProto.FLOAT,
                       "W2": onnx.TensorProto.FLOAT, "b2": onnx.TensorProto.FLOAT}
    assert json.loads({p.key: p.value for p in model.metadata_props}["features"]) == ["x1", "x2"]


@pytest.mark.parametrize("suffix", [".json", ".npz", ".NPZ"])
def test_json_and_npz_round_trips_are_exact(tmp_path, suffix):
    net = MLP([2, 5, 4, 2], hidden=["elu", "gaussian"], output="mdn", n_components=2, seed=7, init="gaussian")
    net.w[:] += RNG.normal(size=net.n_params) * 1e-3  # digits that a float32 or short repr would lose
    path = tmp_path / f"net{suffix}"
    save_network(net, path, features=("x1*x2", "sin(x1)"))
    back, features = read_network_file(path)
    assert np.array_equal(back.w, net.w) and back.w.dtype == np.float64
    assert (back.sizes, back.hidden_names, back.output, back.n_components) == \
           (net.sizes, net.hidden_names, net.output, net.n_components)
    assert features == ("x1*x2", "sin(x1)")
    for part, want in zip(back.forward(X2), net.forward(X2)):
        assert np.array_equal(part, want)


def test_npz_opens_without_pickle_and_holds_each_layer(tmp_path):
    net = MLP([2, 3, 1], seed=0)
    save_network(net, tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz", allow_pickle=False) as f:
        assert json.loads(str(f["header"]))["sizes"] == [2, 3, 1]
        assert np.array_equal(f["W1"], net.weights[0]) and np.array_equal(f["b2"], net.biases[1])


def test_npz_with_bad_content_is_refused_in_words(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(NetworkFileError, match="not an NPZ file"):
        load_network(bad)
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(NetworkFileError, match="needs the arrays 'header' and 'w'"):
        load_network(tmp_path / "other.npz")
    np.savez(tmp_path / "obj.npz", header=np.array(["x", None], dtype=object), w=np.zeros(3))
    with pytest.raises(NetworkFileError, match="does not read"):
        load_network(tmp_path / "obj.npz")
    save_network(MLP([2, 3, 1], seed=0), tmp_path / "ok.npz")
    with zipfile.ZipFile(tmp_path / "ok.npz") as z:
        header = z.read("header.npy")
    with zipfile.ZipFile(tmp_path / "short.npz", "w") as z:  # the 2-3-1 network has 13 weights, this file 3
        z.writestr("header.npy", header)
        with z.open("w.npy", "w") as f:
            np.lib.format.write_array(f, np.zeros(3))
    with pytest.raises(NetworkFileError, match="has 13 weights but the file holds 3"):
        load_network(tmp_path / "short.npz")


@pytest.mark.parametrize("suffix", [".onnx", ".safetensors"])
def test_exports_for_other_programs_are_not_read_back_as_text(tmp_path, suffix):
    save_network(MLP([2, 1], seed=0), tmp_path / f"n{suffix}")
    with pytest.raises(NetworkFileError, match="exports for other programs; nn-playground reads networks back "
                                               r"from \.json and \.npz"):
        load_network(tmp_path / f"n{suffix}")


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(NetworkFileError, match=r"end it in \.json, \.npz, \.onnx or \.safetensors"):
        save_network(MLP([2, 1], seed=0), tmp_path / "net.txt")
    assert not (tmp_path / "net.txt").exists()


def _read_safetensors(path):
    """Header and arrays of a safetensors file, read with numpy alone (the format: an 8-byte
    little-endian header length, a JSON header, then the raw tensor bytes)."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    arrays = {}
    for key, info in header.items():
        assert info["dtype"] == "F32"
        start, end = info["data_offsets"]
        arrays[key] = np.frombuffer(body[start:end], dtype="<f4").reshape(info["shape"])
    return arrays, metadata


def test_safetensors_has_the_sequential_layout(tmp_path):
    net = MLP([2, 6, 4, 3], hidden=["relu", "sin"], output="softmax", seed=8)
    save_network(net, tmp_path / "n.safetensors", features=("x1", "x2"))
    arrays, meta = _read_safetensors(tmp_path / "n.safetensors")
    assert sorted(arrays) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    assert arrays["0.weight"].shape == (6, 2) and arrays["2.weight"].shape == (4, 6) and arrays["4.bias"].shape == (3,)
    assert json.loads(meta["sequential"]) == ["Linear(2, 6)", "ReLU()", "Linear(6, 4)",
                                              "Sin()  # not in torch.nn: forward(a) = torch.sin(a)",
                                              "Linear(4, 3)", "Softmax(dim=1)"]
    assert json.loads(meta["activations"]) == ["relu", "sin"] and meta["output"] == "softmax"
    # the Sequential's forward pass, as torch computes it (x W^T + b), gives net.forward
    h = X2
    for index, act in ((0, lambda a: np.maximum(a, 0)), (2, np.sin), (4, None)):
        h = h @ arrays[f"{index}.weight"].T.astype(float) + arrays[f"{index}.bias"]
        if act is not None:
            h = act(h)
    h = np.exp(h - h.max(axis=1, keepdims=True))
    np.testing.assert_allclose(h / h.sum(axis=1, keepdims=True), net.forward(X2), **TOL)


def test_safetensors_of_a_mixture_density_net_says_what_the_outputs_are(tmp_path):
    net = MLP([1, 3, 1], hidden="tanh", output="mdn", n_components=2, seed=0)
    save_network(net, tmp_path / "m.safetensors")
    arrays, meta = _read_safetensors(tmp_path / "m.safetensors")
    assert arrays["2.weight"].shape == (6, 3)  # K (L + 2) = 2 * 3 outputs
    assert "sigma = 0.01 + exp(s)" in meta["outputs"]
    assert json.loads(meta["sequential"]) == ["Linear(1, 3)", "Tanh()", "Linear(3, 6)"]
