"""CSV import/export of data sets and atomic file writes."""

import ast
import inspect
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from playground.core.datasets import MAX_POINTS, Dataset, make_dataset
from playground.session import atomic, datafile
from playground.session.atomic import atomic_write_bytes, atomic_write_text
from playground.session.datafile import DataFileError, format_csv, parse_csv, read_csv, write_csv


def write_file(tmp_path, text, name="points.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def assert_same_data(read, original):
    assert read.kind == original.kind and read.n_classes == original.n_classes
    assert read.X.dtype == original.X.dtype and read.t.dtype == original.t.dtype
    assert np.array_equal(read.X, original.X) and np.array_equal(read.t, original.t)


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", [
    make_dataset("circle", n_points=150, seed=3),
    make_dataset("blobs", n_points=120, n_classes=5, seed=1),
    make_dataset("sinusoid", n_points=40),
    make_dataset("multi_gaussian", n_points=80),
    Dataset(np.random.default_rng(0).normal(size=(25, 3)) * 1e-300,
            np.random.default_rng(1).normal(size=(25, 2)) * 1e300, "regression"),
    Dataset([[-0.0], [5e-324], [1.7976931348623157e308], [0.1 + 0.2]], [0, 1, 0, 1], "classification"),
], ids=["circle", "blobs-5", "sinusoid", "multi_gaussian", "3-in-2-out", "extreme-floats"])
def test_round_trip_is_exact(tmp_path, dataset):
    path = tmp_path / "data.csv"
    write_csv(dataset, path)
    read = read_csv(path)
    assert_same_data(read, dataset)
    assert read.name == "data"
    assert_same_data(parse_csv(format_csv(dataset)), dataset)
    assert os.listdir(tmp_path) == ["data.csv"]


def test_written_header_names_the_columns(tmp_path):
    text = format_csv(make_dataset("circle", n_points=3))
    lines = text.splitlines()
    assert lines[0].startswith("#") and lines[1] == "x1,x2,label" and len(lines) == 5
    assert format_csv(make_dataset("sinusoid", n_points=2)).splitlines()[1] == "x,t"
    two_targets = Dataset([[1.0]], [[2.0, 3.0]], "regression")
    assert format_csv(two_targets).splitlines()[1:] == ["x,t1,t2", "1.0,2.0,3.0"]


def test_reading_is_lenient_about_layout():
    text = ("\ufeff# made by hand\r\n"
            "\r\n"
            " Label , X2,x1 \r\n"
            "# a comment between rows\r\n"
            " 1 , 2.5 ,-1e-3\r\n"
            "0,  3,4.0\r\n"
            "\r\n")
    data = parse_csv(text)
    assert data.kind == "classification" and data.n_classes == 2 and data.name == "custom"
    assert np.array_equal(data.X, [[-1e-3, 2.5], [4.0, 3.0]])
    assert np.array_equal(data.t, [1, 0])
    regression = parse_csv("t2,x,t1\n1,2,3\n4,5,6\n")
    assert np.array_equal(regression.X, [[2.0], [5.0]])
    assert np.array_equal(regression.t, [[3.0, 1.0], [6.0, 4.0]])
    assert parse_csv('x,label\n"1.5",0\n2,1.0\n').t.tolist() == [0, 1]
    # K is the largest label + 1, even if a class in between has no points
    assert parse_csv("x,label\n0,0\n1,3\n").n_classes == 4


# --------------------------------------------------------------------------------------------
# Bad files: every problem names its line
# --------------------------------------------------------------------------------------------

BAD_FILES = [
    ("", None, "the file is empty"),
    ("# only a comment\n\n", None, "no header row: the file holds only comments"),
    ("x1,x2,label\n", 1, "no data rows after the header"),
    ("# note\nx1,x2,label\n\n", 2, "no data rows after the header"),
    ("0.5,1.0,1\n1,2,0\n", 1, "no header row: the first line holds numbers"),
    ("x1,x2,colour\n1,2,0\n", 1, "unknown column 'colour'"),
    ("x1,y\n1,2\n", 1, "unknown column 'y'"),
    ("x1,x2,x1,label\n", 1, "column 'x1' appears twice"),
    ("x1,,label\n", 1, "column 2 of the header has no name"),
    ("label,t\n0,1\n", 1, "missing input column"),
    ("x1,x2\n1,2\n", 1, "missing target column"),
    ("x1,x3,label\n1,2,0\n", 1, "missing input column 'x2'"),
    ("x,t2\n1,2\n", 1, "missing target column 't1'"),
    ("x,x1,label\n", 1, "either 'x' or 'x1', 'x2', ..., not both"),
    ("x,t,label\n", 1, "either a 'label' column (classification) or 't' columns"),
    ("x1,x2,label\n1,2,0\n# fine\n1,2,1,4\n", 4, "expected 3 fields (x1, x2, label), found 4"),
    ("x1,x2,label\n1,2,0\n1,2\n", 3, "expected 3 fields (x1, x2, label), found 2"),
    ("x1,x2,label\n1,2,0\n3,abc,1\n", 3, "column 'x2' is not a number: 'abc'"),
    ("x1,x2,label\n1,,0\n", 2, "column 'x2' is empty"),
    ("x,t\n1,2\n2,nan\n", 3, "column 't' is not a finite number: 'nan'"),
    ("x,t\n1,2\n-inf,3\n", 3, "column 'x' is not a finite number: '-inf'"),
    ("x,t\n1e999,2\n", 2, "column 'x' is not a finite number: '1e999'"),
    ("x,label\n1,0\n2,1.5\n", 3, "'label' must hold whole numbers 0, 1, 2, ..., got '1.5'"),
    ("x,label\n1,0\n2,-1\n", 3, "'label' must hold whole numbers 0, 1, 2, ..., got '-1'"),
    ("x,label\n1,0\n2,cat\n", 3, "column 'label' is not a number: 'cat'"),
    ("x,label\n1,0\n2,1000\n", 3, "label 1000 is too large: at most 100 classes"),
    ("x,label\n1,1\n2,1\n", None, "only one class (label 1)"),
    ('x,label\n1,0\n2,"1\n3,0\n', 3, "malformed CSV line"),
    ("x,t\n1,__import__('os').system('true')\n", 2, "is not a number"),
]


@pytest.mark.parametrize("text, line, fragment", BAD_FILES)
def test_bad_files_name_the_line_and_the_problem(tmp_path, text, line, fragment):
    path = write_file(tmp_path, text)
    with pytest.raises(DataFileError) as caught:
        read_csv(path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.line == line and error.source == "points.csv"
    assert fragment in error.message
    place = "points.csv" if line is None else f"points.csv, line {line}"
    assert str(error) == f"{place}: {error.message}"


def test_error_message_reads_like_the_example(tmp_path):
    path = write_file(tmp_path, "x1,x2,label\n" + "0,0,0\n" * 5 + "1,abc,1\n")
    with pytest.raises(DataFileError, match=r"^points\.csv, line 7: column 'x2' is not a number: 'abc'$"):
        read_csv(path)
    with pytest.raises(DataFileError, match=r"^<text>, line 1: "):
        parse_csv("1,2\n")


def test_row_limit(tmp_path, monkeypatch):
    rows = "".join(f"{k % 7},{k % 2}\n" for k in range(MAX_POINTS + 1))
    path = write_file(tmp_path, "# big\nx,label\n" + rows)
    with pytest.raises(DataFileError, match=f"at most {MAX_POINTS} points") as caught:
        read_csv(path)
    assert caught.value.line == MAX_POINTS + 3
    monkeypatch.setattr(datafile, "MAX_POINTS", 3)
    assert parse_csv("x,label\n0,0\n1,1\n2,0\n").n == 3
    with pytest.raises(DataFileError, match="at most 3 points") as caught:
        parse_csv("x,label\n0,0\n1,1\n2,0\n3,1\n")
    assert caught.value.line == 5


def test_missing_folder_and_oversized_files(tmp_path, monkeypatch):
    with pytest.raises(DataFileError, match=r"^nothing\.csv: file not found$") as caught:
        read_csv(tmp_path / "nothing.csv")
    assert caught.value.line is None and caught.value.source == "nothing.csv"
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataFileError, match="folder"):
        read_csv(tmp_path / "folder.csv")
    monkeypatch.setattr(datafile, "MAX_FILE_BYTES", 10)
    with pytest.raises(DataFileError, match="larger than"):
        read_csv(write_file(tmp_path, "x,t\n1,2\n3,4\n"))


@pytest.mark.parametrize("error, fragment", [
    (PermissionError(13, "Permission denied"), "permission denied"),
    (OSError(5, "Input/output error"), "cannot be read: Input/output error"),
])
def test_unreadable_files(tmp_path, monkeypatch, error, fragment):
    path = write_file(tmp_path, "x,t\n1,2\n")

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(atomic.os, "open", refuse)
    with pytest.raises(DataFileError, match=fragment):
        read_csv(path)


def test_text_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,t\r\n1,2\r\n# café\r\n3,4\r\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="not UTF-8 text") as caught:
        read_csv(path)
    assert caught.value.line == 3
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(DataFileError, match="not UTF-8") as caught:
        read_csv(binary)
    assert caught.value.line == 1


def test_nothing_is_evaluated_or_unpickled():
    tree = ast.parse(inspect.getsource(datafile))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"pickle", "marshal", "shelve", "dill"}
    called = {node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__"}


def test_session_modules_import_no_qt():
    code = ("import sys, playground.session.datafile; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph') "
            "or m.startswith('playground.gui')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.txt"
    atomic_write_text(path, "first\n")
    assert path.read_text() == "first\n"
    atomic_write_text(str(path), "zweite Zeile ü\n")
    assert path.read_text(encoding="utf-8") == "zweite Zeile ü\n"
    atomic_write_bytes(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_failed_formatting_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "data.csv"
    write_csv(make_dataset("circle", n_points=5), path)
    before = path.read_bytes()

    def broken(dataset):
        raise RuntimeError("formatting failed")

    monkeypatch.setattr(datafile, "format_csv", broken)
    with pytest.raises(RuntimeError, match="formatting failed"):
        write_csv(make_dataset("moons", n_points=50), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["data.csv"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch, failing):
    path = tmp_path / "data.csv"
    path.write_text("old contents\n")

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, failing, broken)
    with pytest.raises(OSError, match="No space left"):
        write_csv(make_dataset("circle", n_points=5), path)
    monkeypatch.undo()
    assert path.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["data.csv"]


def test_atomic_write_keeps_permissions_and_follows_symlinks(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("old\n")
    path.chmod(0o644)
    atomic_write_text(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    atomic_write_text(link, "through the link\n")
    assert link.is_symlink() and path.read_text() == "through the link\n"
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "shared.csv"]


def test_new_files_get_the_usual_permissions_and_old_ones_keep_theirs(tmp_path):
    import os
    import stat

    from playground.session.atomic import _umask, atomic_write_text

    fresh = tmp_path / "fresh.txt"
    atomic_write_text(fresh, "a")
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o666 & ~_umask()
    os.chmod(fresh, 0o640)
    atomic_write_text(fresh, "b")
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o640 and fresh.read_text() == "b"
