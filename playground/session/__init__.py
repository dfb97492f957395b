"""Qt-free application state: experiment configs, data files, network files.

The GUI and the CLI both build on this layer; it never imports Qt.
"""

from .atomic import atomic_write_bytes, atomic_write_text
from .config import ConfigError, DataConfig, ExperimentConfig, NetworkConfig
from .controller import Built, Change, Rebuild, Refused, SessionController
from .datafile import DataFileError, read_csv, write_csv
from .experiment import Experiment, matched_output, output_mismatch, prepare
from .export import NETWORK_SUFFIXES, save_network  # by suffix: .json .npz .onnx .safetensors
from .messages import excerpt
from .network_io import (
    MAX_WEIGHTS, NetworkFileError, load_network, network_from_document, read_network_file,
)

__all__ = [
    "Built",
    "Change",
    "ConfigError",
    "DataConfig",
    "DataFileError",
    "Experiment",
    "ExperimentConfig",
    "MAX_WEIGHTS",
    "NETWORK_SUFFIXES",
    "NetworkConfig",
    "NetworkFileError",
    "Rebuild",
    "Refused",
    "SessionController",
    "atomic_write_bytes",
    "atomic_write_text",
    "excerpt",
    "load_network",
    "matched_output",
    "network_from_document",
    "output_mismatch",
    "prepare",
    "read_csv",
    "read_network_file",
    "save_network",
    "write_csv",
]
