"""Data sets as CSV files: reading with line-precise error messages, and atomic writing.

Format
------
UTF-8 text (a byte-order mark is allowed), comma separated. Lines starting with ``#`` are
comments and blank lines are skipped, wherever they are. The first other line is the header;
it names every column once (case and surrounding spaces do not matter), in any order:

- inputs: ``x`` for a single input, or ``x1, x2, ..., xD``;
- targets: either one ``label`` column (classification: whole numbers 0..K-1, where
  K = largest label + 1 and at least two different labels occur), or ``t`` / ``t1, ..., tL``
  (regression).

Every further line is one point with one number per column; spaces around a value are
ignored, NaN and infinity are refused, and a file holds at most 100 000 points. Example::

    # two classes in the plane
    x1,x2,label
    0.25,-1.5,0
    1.0,0.5,1

Writing uses the shortest repr that reads back to the same float, so a write-read round
trip returns identical numbers. Only the numbers are stored: a read data set is named after
its file, and classes above the largest label that has points are not remembered.

The common case (a header, then plain numbers) is read by numpy's C parser; anything else,
and every file with a problem, goes through a careful line-by-line parser (the csv module)
whose messages name the line. Both read the same numbers. A named pipe or device is refused
before it is read (it would block forever). Nothing is ever loaded with pickle or eval.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from pathlib import Path

import numpy as np

from playground.core.datasets import MAX_POINTS, Dataset

from .atomic import atomic_write_text, read_regular_file
from .messages import excerpt

MAX_FILE_BYTES = 128 * 2**20  # far above 100 000 rows of numbers; refuses e.g. a video early
MAX_CLASSES = 100  # a class label of 10**9 would otherwise ask for 10**9 one-hot columns
_NUMBERED_COLUMN = re.compile(r"([xt])([1-9][0-9]*)?")
_HEADER_EXAMPLE = "x1,x2,label"


class DataFileError(ValueError):
    """A data file that cannot be read; `line` is 1-based (None if no line is to blame)."""

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        place = ", ".join(part for part in (source, line and f"line {line}") if part)
        super().__init__(f"{place}: {message}" if place else message)


class _Problem(Exception):
    """A problem found in one line; the parser adds the line number and the source."""


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_csv(path) -> Dataset:
    """Read a data file (format above); any problem raises DataFileError."""
    path = Path(path)
    source = path.name

    def fail(message: str) -> DataFileError:
        if message == "no such file":
            message = "file not found"
        elif message.startswith("the file is larger than"):
            message += f"; a data file holds at most {MAX_POINTS} points"
        return DataFileError(message, source)

    # checked before reading: a named pipe given as a file would block forever
    data = read_regular_file(path, MAX_FILE_BYTES, fail)
    return parse_csv(_decode(data, source), source, name=path.stem)


def _decode(data: bytes, source: str) -> str:
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # the text before the first bad byte is valid, so its newlines give the line
        before = data[:exc.start].decode("utf-8")
        line = before.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        raise DataFileError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); "
                            "save the file as UTF-8 CSV", source, line) from None


def parse_csv(text: str, source: str = "<text>", name: str = "custom") -> Dataset:
    """A data set from CSV text (format above); any problem raises DataFileError."""
    text = text.removeprefix("\ufeff")
    quick = _parse_plain_numbers(text)
    if quick is not None:
        header, values = quick
        return header.dataset(values, name, source)
    return _parse_line_by_line(text, source, name)


def _parse_plain_numbers(text: str) -> tuple["_Header", np.ndarray] | None:
    """The common case fast (numpy's C reader): a header, then plain numbers and nothing else.

    Returns None whenever anything is unusual (comments or blank lines among the rows, quotes,
    a bad number, a bad label, too many rows...); the careful line-by-line parser then reads
    the file again and names the line at fault. Both accept the same files with the same values.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as below
    start = 0
    while True:  # comments and blank lines before the header
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip() and not line.lstrip().startswith("#"):
            break
        if end < 0:
            return None
        start = end + 1
    if end < 0:
        return None
    body = text[end + 1:]
    if "#" in body or '"' in body or not body.strip() or body.count("\n") > 2 * MAX_POINTS:
        return None
    try:
        header = _Header(_split_fields(line))
    except _Problem:
        return None
    try:
        values = np.loadtxt(io.StringIO(body), delimiter=",", comments=None, dtype=np.float64, ndmin=2)
    except (ValueError, TypeError):
        return None
    if values.shape[1] != len(header.names) or not 0 < values.shape[0] <= MAX_POINTS:
        return None
    if not np.all(np.isfinite(values)):
        return None
    if header.kind == "classification":
        labels = values[:, header.target_columns[0]]
        if not np.all((labels >= 0) & (labels < MAX_CLASSES) & (labels == np.floor(labels))):
            return None
    return header, values


def _parse_line_by_line(text: str, source: str, name: str) -> Dataset:
    header = None
    header_line = None
    rows: list[list[float]] = []
    # universal newlines, as when reading a text file, so line numbers match an editor's
    lines = io.StringIO(text, newline=None)
    for line_number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            fields = _split_fields(line)
            if header is None:
                header, header_line = _Header(fields), line_number
            elif len(rows) == MAX_POINTS:
                raise _Problem(f"too many data rows: a data file holds at most {MAX_POINTS} points")
            else:
                rows.append(header.parse_row(fields))
        except _Problem as problem:
            raise DataFileError(str(problem), source, line_number) from None
    if header is None:
        message = "the file is empty" if not text.strip() else "no header row: the file holds only comments"
        raise DataFileError(f"{message}; expected a header such as '{_HEADER_EXAMPLE}'", source)
    if not rows:
        raise DataFileError("no data rows after the header", source, header_line)
    return header.dataset(np.array(rows), name, source)


def _split_fields(line: str) -> list[str]:
    try:
        return next(csv.reader([line], strict=True, skipinitialspace=True))
    except csv.Error as exc:
        raise _Problem(f"malformed CSV line: {exc}") from None


def _number(field: str, column: str) -> float:
    text = field.strip()
    if not text:
        raise _Problem(f"column {column!r} is empty")
    try:
        value = float(text)
    except ValueError:
        raise _Problem(f"column {column!r} is not a number: {excerpt(text)}") from None
    if not math.isfinite(value):
        raise _Problem(f"column {column!r} is not a finite number: {excerpt(text)}")
    return value


class _Header:
    """The column layout read from the header row; parses the data rows."""

    def __init__(self, fields: list[str]):
        if all(_is_number(field) for field in fields):
            raise _Problem(f"no header row: the first line holds numbers; start the file with "
                           f"column names such as '{_HEADER_EXAMPLE}'")
        self.names = [field.strip() for field in fields]
        positions: dict[str, int] = {}
        for column, name in enumerate(self.names):
            key = name.lower()
            if not key:
                raise _Problem(f"column {column + 1} of the header has no name")
            if key != "label" and not _NUMBERED_COLUMN.fullmatch(key):
                raise _Problem(f"unknown column {excerpt(name)}; inputs are named x or x1, x2, ..., "
                               "targets label (classes) or t, t1, t2, ... (regression)")
            if key in positions:
                raise _Problem(f"column {excerpt(name)} appears twice")
            positions[key] = column
        self.input_columns = _numbered_columns(positions, "x", "input")
        target_columns = _numbered_columns(positions, "t", "target")
        if not self.input_columns:
            raise _Problem("missing input column: name it x, or x1, x2, ... for several inputs")
        if "label" in positions and target_columns:
            raise _Problem("a file has either a 'label' column (classification) or 't' columns "
                           "(regression), not both")
        if "label" in positions:
            self.kind, self.target_columns = "classification", [positions["label"]]
        elif target_columns:
            self.kind, self.target_columns = "regression", target_columns
        else:
            raise _Problem("missing target column: add 'label' (classification) or 't' (regression)")

    def parse_row(self, fields: list[str]) -> list[float]:
        if len(fields) != len(self.names):
            raise _Problem(f"expected {len(self.names)} fields ({', '.join(self.names)}), "
                           f"found {len(fields)}")
        values = [_number(field, name) for field, name in zip(fields, self.names)]
        if self.kind == "classification":
            _check_label(values[self.target_columns[0]], fields[self.target_columns[0]].strip())
        return values

    def dataset(self, values: np.ndarray, name: str, source: str) -> Dataset:
        X = values[:, self.input_columns]
        t = values[:, self.target_columns]
        if self.kind == "regression":
            return Dataset(X, t, "regression", name=name)
        labels = t[:, 0].astype(np.int64)
        present = np.unique(labels)
        if present.size < 2:
            raise DataFileError(f"only one class (label {present[0]}); classification needs "
                                "points of at least two classes", source)
        return Dataset(X, labels, "classification", n_classes=int(present[-1]) + 1, name=name)


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _numbered_columns(positions: dict[str, int], letter: str, role: str) -> list[int]:
    """File positions of the columns `letter` alone or `letter`1, `letter`2, ..., in order."""
    numbers = sorted(int(key[1:]) for key in positions if key[0] == letter and key[1:].isdigit())
    if letter in positions:
        if numbers:
            raise _Problem(f"name the {role} columns either '{letter}' or "
                           f"'{letter}1', '{letter}2', ..., not both")
        return [positions[letter]]
    for expected, number in enumerate(numbers, start=1):
        if number != expected:
            raise _Problem(f"missing {role} column '{letter}{expected}': "
                           f"{role} columns are numbered 1, 2, 3, ... without gaps")
    return [positions[f"{letter}{number}"] for number in numbers]


def _check_label(value: float, text: str) -> None:
    if value < 0 or not value.is_integer():
        raise _Problem(f"column 'label' must hold whole numbers 0, 1, 2, ..., got {excerpt(text)}")
    if value >= MAX_CLASSES:
        raise _Problem(f"label {excerpt(text, quoted=False)} is too large: at most {MAX_CLASSES} classes "
                       f"(labels 0..{MAX_CLASSES - 1})")


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _column_names(letter: str, count: int) -> list[str]:
    return [letter] if count == 1 else [f"{letter}{k}" for k in range(1, count + 1)]


def format_csv(dataset: Dataset) -> str:
    """The data set as CSV text (format above), numbers in round-trip precision."""
    if dataset.kind == "classification":
        description = f"classification, {dataset.n_classes} classes"
        target_names, targets = ["label"], dataset.t[:, None]
    else:
        description = "regression"
        target_names, targets = _column_names("t", dataset.n_targets), dataset.t
    lines = [f"# nn-playground data set {dataset.name!r}: {description}, {dataset.n} points",
             ",".join(_column_names("x", dataset.n_inputs) + target_names)]
    # tolist() gives Python floats and ints, whose repr is the shortest exact form
    lines += [",".join(map(repr, inputs + target))
              for inputs, target in zip(dataset.X.tolist(), targets.tolist())]
    return "\n".join(lines) + "\n"


def write_csv(dataset: Dataset, path) -> None:
    """Write the data set to `path` atomically: on any error the old file stays as it was."""
    atomic_write_text(path, format_csv(dataset))
