"""Bad input through the session API: a clear error naming the field, never a traceback or a hang.

Issue 9, "Bad input": deep JSON, negative seeds, integers of hundreds of digits, named pipes,
sessions of the wrong shape, weights that do not fit, malformed network files, long echoes.
"""

import copy
import json
import os
import threading

import numpy as np
import pytest

from playground.core import MLP
from playground.session import (
    ConfigError, DataFileError, ExperimentConfig, NetworkFileError, excerpt, network_from_document, read_csv,
    read_network_file,
)
from playground.session import config as config_module
from playground.session.atomic import MAX_JSON_DEPTH
from playground.session.config import MAX_SEED
from playground.session.datafile import _parse_line_by_line, parse_csv
from playground.session.document import (
    Document, SessionFileError, load_session, parse_session, save_session, session_document,
)
from playground.session.network_io import MAX_WEIGHTS, network_document

CONFIG = {
    "version": 1,
    "data": {"generator": "two_gaussians", "n_points": 40, "seed": 1,
             "split": {"train": 0.7, "validation": 0.15, "test": 0.15, "seed": 0}},
    "network": {"hidden": [4], "seed": 0},
    "training": {"optimizer": "adam", "lr": 0.01, "epochs": 5, "seed": 0},
}


def config_with(mutate):
    raw = copy.deepcopy(CONFIG)
    mutate(raw)
    return raw


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def deep_json(levels=1000):
    return "[" * levels + "]" * levels


def session_raw():
    document = Document.generated(ExperimentConfig.from_dict(CONFIG))
    return json.loads(json.dumps(session_document(document)))


def network_raw():
    return json.loads(json.dumps(network_document(MLP([2, 4, 1], output="sigmoid", seed=0), ["x1", "x2"])))


def without_hanging(call, fifo):
    """``call()``'s exception; fails (instead of hanging) if the call blocks on the named pipe."""
    outcome = {}

    def target():
        try:
            call()
        except Exception as err:  # noqa: BLE001 - handed to the test
            outcome["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # release the blocked reader: open the writing end and close it
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail(f"reading the named pipe {fifo} blocked")
    assert "error" in outcome, "a named pipe was accepted as a file"
    return outcome["error"]


# ---------------------------------------------------------------------------- deep nesting
def test_deeply_nested_config_is_refused_cleanly(tmp_path):
    path = write(tmp_path, "deep.json", '{"version": 1, "data": ' + deep_json() + "}")
    with pytest.raises(ConfigError, match=r"deep\.json: the JSON is nested too deeply"):
        ExperimentConfig.load(path)


def test_nesting_just_beyond_the_limit_is_refused_too(tmp_path):
    # not deep enough for a RecursionError: the limit is checked on the parsed value
    path = write(tmp_path, "deep.json", '{"version": 1, "data": ' + deep_json(MAX_JSON_DEPTH) + "}")
    with pytest.raises(ConfigError, match="nested too deeply"):
        ExperimentConfig.load(path)


def test_deeply_nested_session_is_refused_cleanly(tmp_path):
    path = write(tmp_path, "deep.nnp.json", deep_json())
    with pytest.raises(SessionFileError, match="nested too deeply"):
        load_session(path)


def test_deeply_nested_network_file_is_refused_cleanly(tmp_path):
    raw = network_raw()
    text = json.dumps(raw).replace('"features": ["x1", "x2"]', '"features": ' + deep_json())
    with pytest.raises(NetworkFileError, match="nested too deeply"):
        read_network_file(write(tmp_path, "net.json", text))


# ---------------------------------------------------------------------------- seeds
@pytest.mark.parametrize("key, mutate", [
    ("data.split.seed", lambda r: r["data"]["split"].update(seed=-1)),
    ("training.seed", lambda r: r["training"].update(seed=-1)),
    ("data.seed", lambda r: r["data"].update(seed=-5)),
    ("network.seed", lambda r: r["network"].update(seed=-1)),
    ("network.seed", lambda r: r["network"].update(seed=MAX_SEED + 1)),
])
def test_negative_or_huge_seeds_name_the_key(key, mutate):
    with pytest.raises(ConfigError, match=rf"^{key}: must be from 0 to {MAX_SEED}"):
        ExperimentConfig.from_dict(config_with(mutate))


def test_the_largest_seed_is_accepted():
    config = ExperimentConfig.from_dict(config_with(lambda r: r["training"].update(seed=MAX_SEED)))
    assert config.training.seed == MAX_SEED


# ---------------------------------------------------------------------------- numbers of hundreds of digits
@pytest.mark.parametrize("key, mutate", [
    ("training.lr", lambda r: r["training"].update(lr=10**400)),
    ("training.epochs", lambda r: r["training"].update(epochs=10**400)),
    ("training.beta1", lambda r: r["training"].update(beta1=10**400)),
    ("training.early_stopping.min_delta", lambda r: r["training"].update(early_stopping={"min_delta": -10**400})),
    ("data.noise", lambda r: r["data"].update(noise=10**400)),
    ("regularization.l2", lambda r: r.update(regularization={"l2": 10**400})),
])
def test_integers_of_hundreds_of_digits_name_the_key(tmp_path, key, mutate):
    path = write(tmp_path, "big.json", json.dumps(config_with(mutate)))
    with pytest.raises(ConfigError, match=rf"big\.json: {key}: ") as caught:
        ExperimentConfig.load(path)
    message = str(caught.value)
    assert len(message) < 250 and "(a whole number of 401 digits)" in message


def test_an_integer_too_long_for_python_names_the_line(tmp_path):
    text = json.dumps(CONFIG, indent=1).replace('"lr": 0.01', '"lr": ' + "9" * 5000)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "999" in row)
    with pytest.raises(ConfigError, match=rf"line {line}: a number of 5,000 digits is far too large"):
        ExperimentConfig.load(write(tmp_path, "long.json", text))
    with pytest.raises(SessionFileError, match="5,000 digits"):
        load_session(write(tmp_path, "long.nnp.json", '{"weights": [' + "1" * 5000 + "]}"))


def test_huge_integers_in_session_and_network_weights(tmp_path):
    raw = session_raw()
    raw["weights"] = [1.0, 10**400]
    with pytest.raises(SessionFileError, match="weights"):
        load_session(write(tmp_path, "s.nnp.json", json.dumps(raw)))
    raw = network_raw()
    raw["weights"][0] = 10**400
    with pytest.raises(NetworkFileError, match="weights.* far too large"):
        read_network_file(write(tmp_path, "n.json", json.dumps(raw)))


# ---------------------------------------------------------------------------- versions and booleans
def test_true_is_not_a_version(tmp_path):
    with pytest.raises(ConfigError, match="^version: .* the file says true"):
        ExperimentConfig.from_dict(config_with(lambda r: r.update(version=True)))
    raw = session_raw()
    raw["version"] = True
    with pytest.raises(ValueError, match="unsupported session version true"):
        parse_session(raw)
    raw = network_raw()
    raw["version"] = True
    with pytest.raises(ValueError, match="unsupported network format version true"):
        network_from_document(raw)


# ---------------------------------------------------------------------------- non-regular and huge files
@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_a_named_pipe_as_csv_is_refused_without_blocking(fifo):
    error = without_hanging(lambda: read_csv(fifo), fifo)
    assert isinstance(error, DataFileError) and "not a regular file" in str(error)


def test_a_named_pipe_as_config_is_refused_without_blocking(fifo):
    error = without_hanging(lambda: ExperimentConfig.load(fifo), fifo)
    assert isinstance(error, ConfigError) and "not a regular file" in str(error)


def test_a_named_pipe_as_session_is_refused_without_blocking(fifo):
    error = without_hanging(lambda: load_session(fifo), fifo)
    assert isinstance(error, SessionFileError) and "not a regular file" in str(error)


def test_a_named_pipe_as_network_file_is_refused_without_blocking(fifo):
    error = without_hanging(lambda: read_network_file(fifo), fifo)
    assert isinstance(error, NetworkFileError) and "not a regular file" in str(error)


def test_an_endless_device_is_refused():
    with pytest.raises(DataFileError, match="not a regular file"):
        read_csv("/dev/zero")
    with pytest.raises(SessionFileError, match="not a regular file"):
        load_session("/dev/zero")


def test_folders_and_oversized_json_files(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="folder"):
        ExperimentConfig.load(tmp_path)
    with pytest.raises(NetworkFileError, match="folder"):
        read_network_file(tmp_path)
    monkeypatch.setattr(config_module, "MAX_CONFIG_BYTES", 100)
    path = write(tmp_path, "padded.json", json.dumps(CONFIG) + " " * 200)
    with pytest.raises(ConfigError, match=r"padded\.json: the file is larger than 100 bytes"):
        ExperimentConfig.load(path)


# ---------------------------------------------------------------------------- sessions of the wrong shape
@pytest.mark.parametrize("history, fragment", [
    ([1.0, 2.0], '"history" must be an object'),
    ({"train_error": 5}, '"history.train_error" must be a list'),
    ({"train_error": [[1.0, 2.0]], "val_error": [[1.0, 2.0]], "test_error": [[1.0, 2.0]]}, "flat list"),
    ({"train_error": ["a"], "val_error": [1.0], "test_error": [1.0]}, "numbers only"),
    ({"train_error": [{"x": 1}], "val_error": [1.0], "test_error": [1.0]}, "numbers only"),
])
def test_a_history_of_the_wrong_shape_is_named(tmp_path, history, fragment):
    raw = session_raw()
    raw["history"] = history
    with pytest.raises(SessionFileError, match=fragment):
        load_session(write(tmp_path, "s.nnp.json", json.dumps(raw)))


@pytest.mark.parametrize("mutate, fragment", [
    (lambda r: r.update(parts=[0.5] * len(r["parts"])), "part of the split"),
    (lambda r: r["dataset"].update(X=[["1", "2"]] * len(r["parts"])), "dataset.X.* numbers only"),
    (lambda r: r["dataset"].update(kind=["classification"]), "dataset.kind"),
    (lambda r: r["dataset"].update(n_classes=10**9), "dataset.n_classes"),
    (lambda r: r["dataset"].update(n_classes=True), "dataset.n_classes"),
    (lambda r: r.update(extra=[1]), '"extra" must be an object'),
])
def test_other_session_entries_of_the_wrong_shape(mutate, fragment):
    raw = session_raw()
    mutate(raw)
    with pytest.raises(ValueError, match=fragment):
        parse_session(raw)


def test_weights_that_do_not_fit_the_network_keep_the_points_and_say_so(tmp_path):
    document = Document.generated(ExperimentConfig.from_dict(CONFIG))  # a 2-4-1 network: 17 weights
    path = tmp_path / "s.nnp.json"
    save_session(path, document, weights=np.arange(33, dtype=float))
    session = load_session(path)
    assert session.document.dataset.n == document.dataset.n
    np.testing.assert_array_equal(session.document.dataset.X, document.dataset.X)
    assert session.notes == ("The saved weights (33 numbers) do not fit the network 2-4-1 (17 weights): "
                             "the network starts from new weights.",)


def test_weights_that_fit_give_no_note(tmp_path):
    document = Document.generated(ExperimentConfig.from_dict(CONFIG))
    path = tmp_path / "s.nnp.json"
    save_session(path, document, weights=np.zeros(17))
    assert load_session(path).notes == ()


# ---------------------------------------------------------------------------- network files
@pytest.mark.parametrize("mutate, fragment", [
    (lambda d: d.update(hidden=5), '"hidden" must be an activation name or a list of 1'),
    (lambda d: d.update(sizes="241"), '"sizes" must be a list'),
    (lambda d: d.update(sizes=[2, 4.9, 1]), r'"sizes"\[1\] must be a whole number'),
    (lambda d: d.update(sizes=[2, True, 1]), r'"sizes"\[1\] must be a whole number'),
    (lambda d: d["weights"].__setitem__(0, True), '"weights" must be a list of numbers, got true'),
    (lambda d: d["weights"].__setitem__(0, "0.5"), '"weights" must be a list of numbers'),
    (lambda d: d.update(features=["x1", "colour"]), "\"features\" must be one of .*; got 'colour'"),
    (lambda d: d.update(features=["x1"]), '"features" names 1 inputs but the network takes 2'),
    (lambda d: d.update(features="x1"), '"features" must be a list'),
    (lambda d: d.update(output=["sigmoid"]), '"output" must be one of'),
    (lambda d: d.update(hidden=["tanh", "tanh"], sizes=[2, 100_000, 10_000, 1]),
     f"1,000,320,001 weights; this build reads networks of at most {MAX_WEIGHTS:,}"),
    (lambda d: d.update(sizes=[2, 10**9, 1]), r'"sizes"\[1\] must be a whole number of units from 1 to'),
    (lambda d: d.update(weights=d["weights"][:-1]), "has 17 weights but the file holds 16"),
])
def test_malformed_network_files_are_named_before_anything_is_built(tmp_path, mutate, fragment):
    raw = network_raw()
    mutate(raw)
    with pytest.raises(NetworkFileError, match=fragment):
        read_network_file(write(tmp_path, "n.json", json.dumps(raw)))


def test_a_good_network_file_still_loads(tmp_path):
    net = MLP([2, 4, 1], output="sigmoid", seed=3)
    raw = json.loads(json.dumps(network_document(net, ["x1", "x2"])))
    again, features = read_network_file(write(tmp_path, "n.json", json.dumps(raw)))
    np.testing.assert_array_equal(again.w, net.w)
    assert features == ("x1", "x2")


# ---------------------------------------------------------------------------- short excerpts
LONG = "v" * 4096


@pytest.mark.parametrize("load", [
    lambda tmp: ExperimentConfig.from_dict(config_with(lambda r: r["network"].update(activation=LONG))),
    lambda tmp: ExperimentConfig.from_dict(config_with(lambda r: r.update({LONG: 1}))),
    lambda tmp: ExperimentConfig.from_dict(config_with(lambda r: r.update(version=LONG))),
    lambda tmp: read_csv(write(tmp, "long.csv", f"x1,x2,label\n0,1,0\n1,{LONG},1\n")),
    lambda tmp: read_csv(write(tmp, "long.csv", f"x1,{LONG}\n0,1\n")),
    lambda tmp: network_from_document({**network_raw(), "hidden": LONG}),
    lambda tmp: parse_session({**session_raw(), "version": LONG}),
])
def test_messages_quote_only_a_short_excerpt(tmp_path, load):
    with pytest.raises(ValueError) as caught:
        load(tmp_path)
    message = str(caught.value)
    assert len(message) < 400 and "…" in message and "v" * 61 not in message


def test_excerpt():
    assert excerpt("short") == "'short'"
    assert excerpt("x" * 100) == repr("x" * 60) + "… (100 characters)"
    assert excerpt(10**400).endswith("… (a whole number of 401 digits)") and len(excerpt(10**400)) < 70
    assert excerpt(True) == "true" and excerpt(None) == "null" and excerpt(-3) == "-3"
    assert len(excerpt(list(range(10_000)))) <= 61


# ---------------------------------------------------------------------------- fast CSV import
def test_the_fast_csv_path_reads_exactly_what_the_careful_path_reads():
    rng = np.random.default_rng(5)
    X = rng.normal(scale=10.0 ** rng.integers(-5, 5, size=(2000, 1)), size=(2000, 2))
    labels = rng.integers(0, 3, size=2000)
    text = "# a comment before the header\r\nx1, x2 ,label\r\n" + "".join(
        f"{a!r}, {b!r},{label}\r\n" for (a, b), label in zip(X.tolist(), labels.tolist()))
    fast = parse_csv(text)
    careful = _parse_line_by_line(text, "<text>", "custom")
    np.testing.assert_array_equal(fast.X, careful.X)
    np.testing.assert_array_equal(fast.X, X)
    np.testing.assert_array_equal(fast.t, careful.t)
    assert fast.t.dtype == careful.t.dtype and fast.n_classes == careful.n_classes == 3


@pytest.mark.parametrize("body, line, fragment", [
    ("0,1,0\n1,nan,1\n", 3, "not a finite number"),
    ("0,1,0\n1,2,0.5\n", 3, "whole numbers"),
    ("0,1,0\n1,2\n", 3, "expected 3 fields"),
    ("0,1,0\n# a comment\n1,zz,1\n", 4, "not a number: 'zz'"),
])
def test_bad_rows_still_name_their_line(body, line, fragment):
    with pytest.raises(DataFileError, match=fragment) as caught:
        parse_csv("x1,x2,label\n" + body)
    assert caught.value.line == line
