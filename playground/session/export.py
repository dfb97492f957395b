"""Network files by suffix: .json, .npz, .onnx and .safetensors (design.md, "Public API").

- ``.json``: the versioned network document of session/network_io.py (exact round trip).
- ``.npz``: the same document as a JSON text array ``header`` and the float64 weights ``w``,
  plus each layer as ``W1, b1, W2, ...`` (fan_in, fan_out) for numpy users; no object arrays,
  so ``np.load(path, allow_pickle=False)`` reads it, and ``load_network`` reads it back exactly.
- ``.onnx``: a float32 graph y(x, w) (PRML 5.9 with the hidden activations of this network).
  Input ``x`` takes the raw inputs (N, D); the feature maps (x1^2, sin(x1), ...) are nodes of the
  graph, so a program feeds the same points it would draw. Output ``y`` (N, K) after the output
  activation, or ``pi`` (N, K), ``mu`` (N, K, L), ``sigma`` (N, K) for a mixture density network
  (PRML 5.150-5.152).
- ``.safetensors``: the tensors of the equivalent ``torch.nn.Sequential`` (Linear layers at the
  even indices, activation modules at the odd ones: ``0.weight`` (out, in), ``0.bias``, ``2.weight``,
  ...), float32 like torch's default, and in the metadata the module list, the activations and
  what the outputs mean, so that a student can rebuild the model in PyTorch and load the weights.

Every file is written atomically (session/atomic.py).
"""

from __future__ import annotations

import io
import json
import os

import numpy as np

from playground.core import MLP
from playground.core.activations import ELU_ALPHA, LEAKY_SLOPE
from playground.core.datasets import map_features

from .atomic import atomic_write_bytes
from .network_io import NetworkFileError, network_document
from .network_io import save_network as save_network_json

NETWORK_SUFFIXES = (".json", ".npz", ".onnx", ".safetensors")
ONNX_OPSET = 17  # Softmax over one axis (opset >= 13), Split with sizes as an input; every onnxruntime >= 1.13
ONNX_IR_VERSION = 8  # the IR of opset 17: newer runtimes load older IR, never the other way round
PRODUCER = "nn-playground"

# What the activations are called in torch.nn; sin and gaussian have no module there.
TORCH_MODULES = {
    "linear": "Identity()",
    "sigmoid": "Sigmoid()",
    "tanh": "Tanh()",
    "relu": "ReLU()",
    "leaky_relu": f"LeakyReLU(negative_slope={LEAKY_SLOPE})",
    "elu": f"ELU(alpha={ELU_ALPHA})",
    "softplus": "Softplus()",
    "swish": "SiLU()",
    "sin": "Sin()  # not in torch.nn: forward(a) = torch.sin(a)",
    "gaussian": "Gaussian()  # not in torch.nn: forward(a) = torch.exp(-a * a)",
}


def network_format(path) -> str:
    """The suffix of ``path`` that names a network format; NetworkFileError for any other."""
    name = os.fspath(path).lower()
    for suffix in NETWORK_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise NetworkFileError(f"{path}: cannot tell the format from the name; end it in "
                           f"{', '.join(NETWORK_SUFFIXES[:-1])} or {NETWORK_SUFFIXES[-1]}")


def save_network(net: MLP, path: str | os.PathLike, features=None, raw_inputs: int | None = None) -> None:
    """Write ``net`` to ``path`` in the format its suffix names (see the module docstring).

    ``features``: the input feature maps the network was trained on (None: the raw inputs).
    ``raw_inputs``: how many raw input columns the ONNX graph's ``x`` has (1 or 2; by default
    the fewest the features need). NetworkFileError for an unknown suffix, OSError if the file
    cannot be written.
    """
    fmt = network_format(path)
    if fmt == ".json":
        save_network_json(net, path, features)
    elif fmt == ".npz":
        atomic_write_bytes(path, npz_bytes(net, features))
    elif fmt == ".onnx":
        atomic_write_bytes(path, onnx_model(net, features, raw_inputs).SerializeToString())
    else:
        atomic_write_bytes(path, safetensors_bytes(net, features))


# ---------------------------------------------------------------------- npz
def npz_bytes(net: MLP, features=None) -> bytes:
    header = network_document(net, features)
    del header["weights"]  # they are the array "w"
    arrays = {"header": np.array(json.dumps(header)), "w": np.array(net.w, dtype=np.float64)}
    for layer, (W, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{layer}"], arrays[f"b{layer}"] = np.array(W), np.array(b)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


# ---------------------------------------------------------------------- onnx
def _needed_inputs(features) -> int:
    """The raw input columns the feature maps read: 2 if any reads x2, else 1."""
    probe = np.zeros((1, 2))
    try:
        map_features(probe[:, :1], features)
        return 1
    except ValueError:
        map_features(probe, features)  # an unknown feature raises here, with its name
        return 2


def onnx_model(net: MLP, features=None, raw_inputs: int | None = None):
    """The ONNX ModelProto of ``net`` (float32), with the feature maps as its first nodes."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers = [], []
    counter = iter(range(10**9))

    def node(op: str, inputs: list, outputs: int | list = 1, **attributes) -> list[str]:
        names = outputs if isinstance(outputs, list) else [f"{op.lower()}_{next(counter)}" for _ in range(outputs)]
        nodes.append(helper.make_node(op, inputs, names, **attributes))
        return names

    def constant(name: str, value, dtype=np.float32) -> str:
        if name not in {t.name for t in initializers}:  # asked for again: the same tensor
            initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    if features is None:
        n_raw = net.sizes[0] if raw_inputs is None else int(raw_inputs)
        if n_raw != net.sizes[0]:
            raise ValueError(f"the network takes {net.sizes[0]} raw inputs, not {n_raw}")
        h = "x"
    else:
        needed = _needed_inputs(features)
        n_raw = needed if raw_inputs is None else int(raw_inputs)
        if not needed <= n_raw <= 2:
            raise ValueError(f"the features {', '.join(features)} need {needed} raw input(s); got {n_raw}")
        h = _feature_nodes(list(features), node, constant)

    for layer in range(net.n_layers):
        W = constant(f"W{layer + 1}", net.weights[layer])
        b = constant(f"b{layer + 1}", net.biases[layer])
        (h,) = node("Gemm", [h, W, b])  # a = z W + b (PRML 5.2 / 5.4, weights as (fan_in, fan_out))
        if layer < net.n_layers - 1:
            h = _activation_nodes(net.activations[layer].name, h, node)

    K = net.layer_sizes[-1] if net.output != "mdn" else net.n_components
    if net.output == "mdn":
        L = net.sizes[-1]
        sizes = constant("mdn_split", [K, K * L, K], np.int64)
        logits, mu_flat, log_sigma = node("Split", [h, sizes], 3, axis=1)  # [pi logits | means | s]
        node("Softmax", [logits], ["pi"], axis=1)  # (5.150)
        node("Reshape", [mu_flat, constant("mu_shape", [-1, K, L], np.int64)], ["mu"])  # (5.152)
        floor = float(net.sigma_floor or 0.0)
        if floor > 0:  # sigma = floor + e^s keeps a component from collapsing (core/heads.py)
            (spread,) = node("Exp", [log_sigma])
            node("Add", [spread, constant("sigma_floor", [floor])], ["sigma"])
        else:
            node("Exp", [log_sigma], ["sigma"])  # (5.151)
        outputs = [helper.make_tensor_value_info("pi", TensorProto.FLOAT, ["N", K]),
                   helper.make_tensor_value_info("mu", TensorProto.FLOAT, ["N", K, L]),
                   helper.make_tensor_value_info("sigma", TensorProto.FLOAT, ["N", K])]
    else:
        op = {"linear": "Identity", "sigmoid": "Sigmoid", "softmax": "Softmax"}[net.output]
        node(op, [h], ["y"], **({"axis": 1} if op == "Softmax" else {}))
        outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", K])]

    graph = helper.make_graph(nodes, "nn_playground_mlp",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", n_raw])],
                              outputs, initializers)
    model = helper.make_model(graph, producer_name=PRODUCER,
                              opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    model.ir_version = ONNX_IR_VERSION
    model.doc_string = f"{net.describe()}; input x: raw inputs, features {list(features) if features else 'none'}"
    helper.set_model_props(model, {"features": json.dumps(None if features is None else list(features)),
                                   "network": net.describe()})
    onnx.checker.check_model(model, full_check=True)
    return model


def _feature_nodes(features: list[str], node, constant) -> str:
    """The feature columns of the raw x (N, D) as one (N, F) tensor (datasets._FEATURE_MAPS)."""
    def column(i: int) -> str:
        return node("Slice", ["x", constant(f"start_{i}", [i], np.int64), constant(f"end_{i}", [i + 1], np.int64),
                              constant(f"axis_{i}", [1], np.int64)])[0]

    x1 = x2 = None
    columns = []
    for name in features:
        if "x1" in name and x1 is None:
            x1 = column(0)
        if "x2" in name and x2 is None:
            x2 = column(1)
        if name in ("x1", "x2"):
            columns.append(x1 if name == "x1" else x2)
        elif name in ("x1^2", "x2^2"):
            v = x1 if name == "x1^2" else x2
            columns.append(node("Mul", [v, v])[0])
        elif name == "x1*x2":
            columns.append(node("Mul", [x1, x2])[0])
        elif name in ("sin(x1)", "sin(x2)"):
            columns.append(node("Sin", [x1 if name == "sin(x1)" else x2])[0])
        else:
            raise ValueError(f"the feature {name!r} has no ONNX form here")
    return columns[0] if len(columns) == 1 else node("Concat", columns, axis=1)[0]


def _activation_nodes(name: str, a: str, node) -> str:
    """h(a) as ONNX nodes (core/activations.py)."""
    if name == "linear":
        return a
    simple = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "sin": "Sin", "softplus": "Softplus"}
    if name in simple:
        return node(simple[name], [a])[0]
    if name == "leaky_relu":
        return node("LeakyRelu", [a], alpha=LEAKY_SLOPE)[0]
    if name == "elu":
        return node("Elu", [a], alpha=ELU_ALPHA)[0]
    if name == "swish":
        return node("Mul", [a, node("Sigmoid", [a])[0]])[0]
    if name == "gaussian":  # exp(-a^2)
        return node("Exp", [node("Neg", [node("Mul", [a, a])[0]])[0]])[0]
    raise ValueError(f"the activation {name!r} has no ONNX form here")


# ---------------------------------------------------------------------- safetensors
def sequential_modules(net: MLP) -> list[str]:
    """The torch.nn.Sequential equivalent of ``net``, one module text per index."""
    modules = []
    for layer in range(net.n_layers):
        fan_in, fan_out = net.weights[layer].shape
        modules.append(f"Linear({fan_in}, {fan_out})")
        if layer < net.n_layers - 1:
            modules.append(TORCH_MODULES[net.activations[layer].name])
    if net.output == "sigmoid":
        modules.append("Sigmoid()")
    elif net.output == "softmax":
        modules.append("Softmax(dim=1)")
    return modules


def safetensors_tensors(net: MLP) -> dict[str, np.ndarray]:
    """``{"0.weight": (out, in), "0.bias": (out,), "2.weight": ...}``: Linear layers sit at every
    other index of the Sequential because each hidden activation module takes an index too."""
    return {key: value for layer in range(net.n_layers)
            for key, value in ((f"{2 * layer}.weight", np.ascontiguousarray(net.weights[layer].T, dtype=np.float32)),
                               (f"{2 * layer}.bias", np.ascontiguousarray(net.biases[layer], dtype=np.float32)))}


def safetensors_metadata(net: MLP, features=None) -> dict[str, str]:
    meta = {
        "format": "nn-playground-network",
        "producer": PRODUCER,
        "sequential": json.dumps(sequential_modules(net)),
        "activations": json.dumps(net.hidden_names),
        "output": net.output,
        "features": json.dumps(None if features is None else list(features)),
        "network": net.describe(),
    }
    if net.output == "mdn":
        K, L = net.n_components, net.sizes[-1]
        meta["outputs"] = (f"the last layer's {K * (L + 2)} outputs are [pi logits ({K}) | means ({K} x {L}, "
                           f"component-major) | s ({K})]: pi = softmax, sigma = {float(net.sigma_floor or 0.0):g} + exp(s) "
                           f"(PRML 5.150-5.152, with a floor on sigma)")
    return meta


def safetensors_bytes(net: MLP, features=None) -> bytes:
    from safetensors.numpy import save

    return save(safetensors_tensors(net), metadata=safetensors_metadata(net, features))
