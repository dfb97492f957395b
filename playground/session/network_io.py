"""Trained networks as versioned JSON files (architecture + flat weight vector), and their NPZ twin.

The file is ``MLP.to_dict()`` plus the input feature maps the network expects, so
``MLP.from_dict(json.load(f))`` or ``load_network(path)`` gives the network back.
Weights are written with repr precision: a save/load round trip is exact. A ``.npz`` file
(written by playground.session.export) holds the same document as a JSON text array
``header`` and the weights as the float64 array ``w``; it is read here with
``allow_pickle=False``, through the same checks.
"""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np

from playground.core import ACTIVATION_NAMES, HEAD_NAMES, INIT_NAMES, MLP
from playground.core.datasets import FEATURES
from playground.core.heads import make_head
from playground.core.mlp import NETWORK_FORMAT, NETWORK_FORMAT_VERSION

from .atomic import atomic_write_text, read_json_file, read_regular_file
from .messages import excerpt

MAX_WEIGHTS = 5_000_000  # 40 MB of float64; the GUI's largest network (8 x 256 units) has about 0.5 million
MAX_LAYERS = 64


class NetworkFileError(ValueError):
    """A network file that cannot be read; the message names the file and the problem."""


def network_document(net: MLP, features=None) -> dict:
    doc = net.to_dict()
    doc["features"] = None if features is None else list(features)
    return doc


def save_network(net: MLP, path: str | os.PathLike, features=None) -> None:
    atomic_write_text(path, json.dumps(network_document(net, features), indent=1) + "\n")


def read_network_file(path: str | os.PathLike) -> tuple[MLP, tuple[str, ...] | None]:
    """(network, input features) from a file written by ``save_network`` (.json, or .npz by its suffix)."""
    if os.fspath(path).lower().endswith((".onnx", ".safetensors")):
        raise NetworkFileError(f"{path}: ONNX and safetensors files are exports for other programs; "
                               "nn-playground reads networks back from .json and .npz files")
    doc = _read_npz(path) if os.fspath(path).lower().endswith(".npz") else read_json_file(path, NetworkFileError)
    try:
        return network_from_document(doc)
    except ValueError as err:
        raise NetworkFileError(f"{path}: {err}") from None


def network_from_document(doc) -> tuple[MLP, tuple[str, ...] | None]:
    """(network, input features) from a parsed network file; ValueError names the bad entry.

    Every entry is checked for its type before anything is built, and the size before any
    memory is taken: ``"sizes": "241"`` is not [2, 4, 1], 4.9 units or ``true`` are not counts.
    """
    if not isinstance(doc, dict) or doc.get("format") != NETWORK_FORMAT:
        raise ValueError(f"not an nn-playground network (expected \"format\": \"{NETWORK_FORMAT}\")")
    version = doc.get("version")
    if type(version) is not int or version != NETWORK_FORMAT_VERSION:
        raise ValueError(f"unsupported network format version {excerpt(version)} "
                         f"(this build reads {NETWORK_FORMAT_VERSION})")
    for key in ("sizes", "hidden", "output", "weights"):
        if key not in doc:
            raise ValueError(f"network file lacks the {key!r} entry")
    sizes = doc["sizes"]
    if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS + 1:
        raise ValueError(f"\"sizes\" must be a list of 2 to {MAX_LAYERS + 1} unit counts such as [2, 4, 1], "
                         f"got {excerpt(sizes)}")
    for i, units in enumerate(sizes):
        if type(units) is not int or not 1 <= units <= MAX_WEIGHTS:
            raise ValueError(f"\"sizes\"[{i}] must be a whole number of units from 1 to {MAX_WEIGHTS:,}, "
                             f"got {excerpt(units)}")
    hidden = doc["hidden"]
    names = [hidden] * (len(sizes) - 2) if isinstance(hidden, str) else hidden
    if not isinstance(names, list) or len(names) != len(sizes) - 2:
        raise ValueError(f"\"hidden\" must be an activation name or a list of {len(sizes) - 2} "
                         f"(one per hidden layer), got {excerpt(hidden)}")
    for i, name in enumerate(names):
        _check_choice(name, f"\"hidden\"[{i}]" if hidden is names else "\"hidden\"", ACTIVATION_NAMES)
    output = _check_choice(doc["output"], "\"output\"", HEAD_NAMES)
    n_components = doc.get("n_components")
    if n_components is not None and (type(n_components) is not int or not 1 <= n_components <= MAX_WEIGHTS):
        raise ValueError(f"\"n_components\" must be a whole number >= 1 or null, got {excerpt(n_components)}")
    _check_choice(doc.get("init", "xavier"), "\"init\"", INIT_NAMES)
    try:
        head_units = make_head(output, sizes[-1], n_components if output == "mdn" else None).n_units
    except ValueError as err:
        raise ValueError(f"\"output\": {err}") from None
    layer_sizes = sizes[:-1] + [head_units]
    n_weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]))
    if n_weights > MAX_WEIGHTS:
        raise ValueError(f"the network {'-'.join(map(str, sizes))} has {n_weights:,} weights; "
                         f"this build reads networks of at most {MAX_WEIGHTS:,}")
    weights = doc["weights"]
    if not isinstance(weights, list):
        raise ValueError(f"\"weights\" must be a list of numbers, got {excerpt(weights)}")
    if len(weights) != n_weights:
        raise ValueError(f"the network {'-'.join(map(str, sizes))} has {n_weights:,} weights "
                         f"but the file holds {len(weights):,}")
    if not set(map(type, weights)) <= {int, float}:  # true is not 1.0, "0.5" is not a number
        bad = next(w for w in weights if type(w) not in (int, float))
        raise ValueError(f"\"weights\" must be a list of numbers, got {excerpt(bad)} among them")
    try:
        w = np.array(weights, dtype=float)
    except OverflowError:  # an integer of hundreds of digits
        raise ValueError("\"weights\" holds a number far too large for a weight") from None
    if not np.all(np.isfinite(w)):
        raise ValueError("network weights contain NaN or infinity")
    features = _check_features(doc.get("features"), sizes[0])
    net = MLP.from_dict({**doc, "weights": w})
    return net, features


def _check_choice(value, where: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{where} must be one of {', '.join(choices)}; got {excerpt(value)}")
    return value


def _check_features(features, n_inputs: int) -> tuple[str, ...] | None:
    if features is None:
        return None
    if not isinstance(features, list) or not features:
        raise ValueError(f"\"features\" must be a list of feature names or null, got {excerpt(features)}")
    for name in features:
        _check_choice(name, "\"features\"", FEATURES)
    if len(set(features)) != len(features):
        raise ValueError("\"features\" lists a feature twice")
    if len(features) != n_inputs:
        raise ValueError(f"\"features\" names {len(features)} inputs but the network takes {n_inputs}")
    return tuple(features)


MAX_NPZ_BYTES = 8 * MAX_WEIGHTS + 2**20  # the weights as float64 plus the header


def _read_npz(path) -> dict:
    """The network document of an NPZ file, its weights as a list (checked as a JSON file's are)."""
    def fail(message: str) -> NetworkFileError:
        return NetworkFileError(f"{path}: {message}")

    data = read_regular_file(path, MAX_NPZ_BYTES, fail)
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
        if sum(m.file_size for m in members) > MAX_NPZ_BYTES:  # a compressed member could unpack to gigabytes
            raise fail("the arrays in the file are larger than any network this build reads")
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            if "header" not in arrays or "w" not in arrays:
                raise fail("not an nn-playground network (an NPZ file needs the arrays 'header' and 'w')")
            header, w = arrays["header"], arrays["w"]
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise fail(f"not an NPZ file ({err})") from None
    except ValueError as err:  # object arrays need pickle, which is never allowed
        raise fail(f"the NPZ file holds arrays this build does not read ({err})") from None
    if header.dtype.kind != "U" or header.ndim != 0:
        raise fail("the 'header' array must be one JSON text")
    try:
        doc = json.loads(str(header))
    except (json.JSONDecodeError, RecursionError) as err:
        raise fail(f"the header is not valid JSON ({err})") from None
    if w.dtype.kind not in "iuf" or w.ndim != 1:
        raise fail("the weights 'w' must be a flat array of numbers")
    if isinstance(doc, dict):
        doc["weights"] = w.astype(float).tolist()  # float64 -> Python floats: exact
    return doc


def load_network(path: str | os.PathLike) -> MLP:
    """The network stored in ``path`` (see ``save_network``)."""
    return read_network_file(path)[0]
