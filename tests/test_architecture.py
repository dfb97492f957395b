"""House rules that hold for the whole package."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "playground"
QT_MODULES = {"PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "pyqtgraph", "qtpy"}


def imported_top_level_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0], node.lineno


QT_FREE_FILES = sorted((ROOT / "core").rglob("*.py")) + sorted((ROOT / "session").rglob("*.py"))


@pytest.mark.parametrize("path", QT_FREE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_and_session_never_import_qt(path):
    offenders = [(m, line) for m, line in imported_top_level_modules(path) if m in QT_MODULES]
    assert not offenders, f"{path} imports Qt: {offenders}"


def test_there_are_core_modules_to_check():
    assert len([p for p in QT_FREE_FILES if "core" in p.parts]) >= 5


def test_core_imports_without_qt_in_a_fresh_interpreter():
    """Importing the core must not pull Qt in indirectly either."""
    import subprocess
    import sys

    code = ("import sys, playground.core, playground.session; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in %r); "
            "print(bad); sys.exit(1 if bad else 0)" % (QT_MODULES,))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_nothing_is_loaded_with_pickle_or_eval():
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec"), f"{path}:{node.lineno} calls {node.func.id}"
        assert "pickle" not in {m for m, _ in imported_top_level_modules(path)}, path
        assert "allow_pickle=True" not in path.read_text(encoding="utf-8"), path
