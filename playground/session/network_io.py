"""Trained networks as versioned JSON files (architecture + flat weight vector).

The file is ``MLP.to_dict()`` plus the input feature maps the network expects, so
``MLP.from_dict(json.load(f))`` or ``load_network(path)`` gives the network back.
Weights are written with repr precision: a save/load round trip is exact.
"""

from __future__ import annotations

import json
import os

from playground.core import MLP

from .atomic import atomic_write_text, read_json_file


class NetworkFileError(ValueError):
    """A network file that cannot be read; the message names the file and the problem."""


def network_document(net: MLP, features=None) -> dict:
    doc = net.to_dict()
    doc["features"] = None if features is None else list(features)
    return doc


def save_network(net: MLP, path: str | os.PathLike, features=None) -> None:
    atomic_write_text(path, json.dumps(network_document(net, features), indent=1) + "\n")


def read_network_file(path: str | os.PathLike) -> tuple[MLP, tuple[str, ...] | None]:
    """(network, input features) from a file written by ``save_network``."""
    doc = read_json_file(path, NetworkFileError)
    try:
        net = MLP.from_dict(doc)
    except ValueError as err:
        raise NetworkFileError(f"{path}: {err}") from None
    features = doc.get("features")
    if features is not None and (not isinstance(features, list) or not all(isinstance(f, str) for f in features)):
        raise NetworkFileError(f"{path}: \"features\" must be a list of feature names")
    return net, None if features is None else tuple(features)


def load_network(path: str | os.PathLike) -> MLP:
    """The network stored in ``path`` (see ``save_network``)."""
    return read_network_file(path)[0]
