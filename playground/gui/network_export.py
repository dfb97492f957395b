"""File > Export network…: the network on screen, at its newest weights, as ONNX, NPZ, safetensors or JSON.

The formats are those of playground.session.export (the dialog's filter chooses one; a name
without a suffix gets the chosen filter's). The window's own state is read, not changed.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtWidgets import QFileDialog

from playground.session.export import save_network

from . import file_actions

FILTERS = (
    ("ONNX model (*.onnx)", ".onnx"),
    ("NumPy arrays (*.npz)", ".npz"),
    ("safetensors for PyTorch (*.safetensors)", ".safetensors"),
    ("nn-playground network (*.json)", ".json"),
)


def ask_network_path(window, proposed: str) -> str | None:
    """The file to write, or None when the person cancels."""
    path, chosen = QFileDialog.getSaveFileName(window, "Export network", os.path.join(window._last_dir, proposed),
                                               ";;".join(f for f, _ in FILTERS))
    if not path:
        return None
    if not os.path.splitext(path)[1]:
        path += dict(FILTERS).get(chosen, ".onnx")
    window._last_dir = os.path.dirname(path)
    return path


def current_network(window):
    """(network at its newest weights, input features, raw inputs, trained?) of the window, or None."""
    experiment = window._experiment
    if experiment is None or window._net_template is None:
        return None
    net = window._net_template.copy()
    snapshot = window._last_snapshot
    if snapshot is not None:
        net.w[:] = snapshot.weights
    initial = net.copy().initialize(seed=experiment.config.network.seed, scale=net.init_scale)
    trained = not np.array_equal(net.w, initial.w)  # trained here, or restored from a session
    return net, experiment.features, experiment.dataset.n_inputs, trained


def export_network(window, path: str | None = None) -> bool:
    found = current_network(window)
    if found is None:
        file_actions.show_problem(window, "Nothing to export",
                                  "There is no network yet: draw or generate some training points first.")
        return False
    net, features, raw_inputs, trained = found
    path = path or ask_network_path(window, window.files._proposed_name(".onnx"))
    if not path:
        return False
    try:
        save_network(net, path, features, raw_inputs=raw_inputs)
    except (OSError, ValueError) as err:  # ValueError: a suffix that names no format
        file_actions.show_problem(window, "Cannot export the network", f"{path}: {err.strerror or err}"
                                  if isinstance(err, OSError) else str(err))
        return False
    state = "" if trained else " (untrained: its initial weights)"
    window.show_notice(f"Exported the network {'-'.join(map(str, net.sizes))}{state} to {path}")
    return True
