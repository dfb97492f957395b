"""The GUI's document: points with stable split parts, edits, session files."""

import json

import numpy as np
import pytest

from playground.core import MLP, fit
from playground.session.config import DataConfig, ExperimentConfig
from playground.session.document import (
    TEST, TRAIN, VALIDATION, Document, SessionFileError, default_document, empty_dataset, load_session,
    save_session,
)


def spiral_document(n=200):
    return Document.generated(ExperimentConfig(data=DataConfig(generator="spiral", n_points=n, seed=3)))


def test_generated_documents_split_by_the_configured_shares():
    doc = spiral_document(200)
    assert doc.counts() == (140, 30, 30)
    split = doc.split()
    assert split.train.n == 140 and split.test.n == 30
    # stratified: each part keeps the 50/50 class balance within a point
    assert abs(np.mean(split.val.t) - 0.5) <= 1 / 30


def test_drawing_a_point_keeps_every_other_point_in_its_part():
    doc = spiral_document(100)
    more = doc.with_points([[0.1, 0.2], [0.3, 0.4]], [1, 0])
    np.testing.assert_array_equal(more.parts[:100], doc.parts)
    assert more.dataset.n == 102 and set(more.parts[100:]) <= {TRAIN, VALIDATION, TEST}
    assert more.dataset.t[-2:].tolist() == [1, 0]
    # deterministic
    again = doc.with_points([[0.1, 0.2], [0.3, 0.4]], [1, 0])
    np.testing.assert_array_equal(again.parts, more.parts)


def test_new_points_follow_the_shares_on_average():
    doc = Document.with_new_dataset(empty_dataset("classification"), ExperimentConfig())
    for i in range(600):
        doc = doc.with_points([[i / 600, 0.0]], [i % 2])
    train, val, test = doc.counts()
    assert abs(train / 600 - 0.7) < 0.06 and abs(val / 600 - 0.15) < 0.05


def test_erase_clear_and_class_count():
    doc = spiral_document(50)
    fewer = doc.without([0, 5, 7])
    assert fewer.dataset.n == 47
    np.testing.assert_array_equal(fewer.parts, np.delete(doc.parts, [0, 5, 7]))
    empty = doc.cleared()
    assert empty.dataset.n == 0 and empty.dataset.kind == "classification" and empty.dataset.bayes_posterior is None
    blobs = Document.generated(ExperimentConfig(data=DataConfig(generator="blobs", n_points=60, n_classes=4)))
    two = blobs.with_n_classes(2)
    assert two.dataset.n_classes == 2 and set(two.dataset.t) <= {0, 1} and two.dataset.n < 60


def test_resplit_changes_shares_and_keeps_points():
    doc = spiral_document(100)
    other = doc.resplit((0.5, 0.0, 0.5), 1)
    assert other.counts() == (50, 0, 50)
    assert other.dataset is doc.dataset and other.config.data.split == (0.5, 0.0, 0.5)


def test_regression_drawing_adds_x_t_points():
    doc = Document.with_new_dataset(empty_dataset("regression"), ExperimentConfig())
    doc = doc.with_points([[0.5]], [[0.25]])
    assert doc.dataset.X.tolist() == [[0.5]] and doc.dataset.t.tolist() == [[0.25]]


def test_default_document_is_the_spiral_lesson():
    doc = default_document()
    assert doc.dataset.name == "spiral" and doc.config.network.hidden == (8, 8)


def test_session_round_trip_keeps_points_parts_config_weights_and_curves(tmp_path):
    doc = spiral_document(80)
    split = doc.split()
    net = MLP([2, 8, 8, 1], output="sigmoid", seed=0)
    result = fit(net, split.train.X, split.train.targets("sigmoid"), validation=(split.val.X, split.val.targets("sigmoid")),
                 epochs=5, lr=0.05)
    path = tmp_path / "lesson.nnp.json"
    save_session(path, doc, net.w, result.history, extra={"note": "x"})
    session = load_session(path)
    np.testing.assert_array_equal(session.document.dataset.X, doc.dataset.X)
    np.testing.assert_array_equal(session.document.dataset.t, doc.dataset.t)
    np.testing.assert_array_equal(session.document.parts, doc.parts)
    assert session.document.config == doc.config
    np.testing.assert_array_equal(session.weights, net.w)
    np.testing.assert_array_equal(session.history.train_error, result.train_error)
    np.testing.assert_array_equal(session.history.test_error, result.test_error)  # NaN survives as null
    assert session.extra == {"note": "x"}


def test_empty_drawings_round_trip(tmp_path):
    for kind in ("classification", "regression"):
        doc = Document.with_new_dataset(empty_dataset(kind), ExperimentConfig())
        save_session(tmp_path / "e.json", doc)
        again = load_session(tmp_path / "e.json").document
        assert again.dataset.n == 0 and again.dataset.kind == kind


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format="other"), "not an nn-playground session"),
    (lambda d: d.update(version=7), "version"),
    (lambda d: d["config"].update(bogus=1), "unknown key 'bogus'"),
    (lambda d: d["dataset"].update(X="nope"), "could not convert|numbers"),
    (lambda d: d.update(parts=[0]), "part of the split"),
    (lambda d: d.update(weights=[1, None]), "weights|float"),
    (lambda d: d.update(history={"train_error": [1, 2], "val_error": [1], "test_error": [1, 2]}), "lengths"),
    (lambda d: d["dataset"].update(t=[[float("nan")]] * 3), "dataset.t.* finite numbers"),
])
def test_bad_session_files_give_a_clear_error(tmp_path, mutate, message):
    doc = spiral_document(3 * 10)
    raw = json.loads(json.dumps(__import__("playground.session.document", fromlist=["x"]).session_document(doc)))
    mutate(raw)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(SessionFileError, match=message):
        load_session(path)


def test_unreadable_session_files(tmp_path):
    with pytest.raises(SessionFileError, match="no such file"):
        load_session(tmp_path / "none.json")
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(SessionFileError, match="line 1"):
        load_session(tmp_path / "x.json")


def test_a_config_change_keeps_the_very_same_data_arrays():
    doc = spiral_document(20)
    other = doc.with_config(ExperimentConfig(data=DataConfig(generator="xor")))
    assert other.dataset is doc.dataset and other.parts is doc.parts
