"""pyproject.toml lists its packages by hand (resources/ is installed as playground.resources):
a package folder missing from the list would be missing from the wheel."""

import ast
import configparser
import importlib.util
import json
import os
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _listed_packages() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^packages = \[(.*?)\]", text, re.S | re.M)
    assert block, "pyproject.toml has no [tool.setuptools] packages list"
    return set(re.findall(r'"([\w.]+)"', block.group(1)))


def test_every_package_folder_is_listed_in_pyproject():
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "playground").rglob("__init__.py")}
    assert found | {"playground.resources"} == _listed_packages()


def test_the_resources_are_the_package_playground_resources():
    assert files("playground.resources").joinpath("guide.html").read_text(encoding="utf-8") == \
        (ROOT / "resources" / "guide.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- the frozen binary
PACKAGING = ROOT / "packaging"


def _spec_tree() -> ast.Module:
    return ast.parse((PACKAGING / "nn-playground.spec").read_text(encoding="utf-8"))


def _spec_list(name: str) -> list[str]:
    """A list the spec defines from literals (EXCLUDED = EXCLUDED_OPTIONAL + [...]): its plain
    assignments of constants, lists, tuples and sums of them are run on their own, nothing else."""
    plain = (ast.Constant, ast.List, ast.Tuple, ast.BinOp, ast.Name)
    assignments = [node for node in _spec_tree().body if isinstance(node, ast.Assign)
                   and all(isinstance(n, plain + (ast.expr_context, ast.operator)) for n in ast.walk(node.value))]
    namespace: dict = {}
    exec(compile(ast.Module(assignments, type_ignores=[]), "nn-playground.spec", "exec"), namespace)  # noqa: S102
    assert name in namespace, f"the spec defines no {name}"
    return list(namespace[name])


def _root_paths(tree: ast.Module) -> list[Path]:
    """Every ROOT / "a" / "b" expression of the spec (and each of its prefixes), as a path in this checkout."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts, left = [], node
            while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Div) and isinstance(left.right, ast.Constant):
                parts.insert(0, left.right.value)
                left = left.left
            if isinstance(left, ast.Name) and left.id == "ROOT":
                found.append(ROOT.joinpath(*parts))
    return found


def test_the_spec_refers_to_files_that_exist():
    tree = _spec_tree()
    paths = _root_paths(tree)
    assert ROOT / "packaging" / "entry.py" in paths  # the entry script
    assert ROOT / "resources" / "icons" / "nn-playground.png" in paths
    missing = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    assert not missing, f"the spec names missing files: {missing}"
    collected = [node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", None) == "collect_data_files"]
    assert collected == ["pyqtgraph", "playground.resources"]
    for package in collected:
        assert importlib.util.find_spec(package) is not None, package
    assert "playground.resources" in ast.literal_eval(next(
        kw.value for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Analysis"
        for kw in node.keywords if kw.arg == "hiddenimports"))


def test_build_sh_pins_pyinstaller_and_uses_its_own_environment():
    text = (PACKAGING / "build.sh").read_text(encoding="utf-8")
    version = re.search(r'^PYINSTALLER_VERSION="([^"]+)"', text, re.M)
    assert version and re.fullmatch(r"\d+\.\d+\.\d+", version.group(1)), "PyInstaller is not pinned to x.y.z"
    assert '"pyinstaller==$PYINSTALLER_VERSION"' in text
    assert re.search(r"^VENV=build/venv$", text, re.M) and '"$VENV/bin/python" -m pip install' in text
    assert "packaging/nn-playground.spec" in text and "--distpath" in text


def test_the_app_imports_nothing_the_spec_leaves_out():
    """A module excluded from the binary but imported by playground would fail only in the frozen app."""
    excluded = _spec_list("EXCLUDED")
    imported = set()
    for source in (ROOT / "playground").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update((alias.name, source.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add((node.module, source.name))
                imported.update((f"{node.module}.{alias.name}", source.name) for alias in node.names)
    clashes = sorted((name, where) for name, where in imported for gone in excluded
                     if name == gone or name.startswith(gone + "."))
    assert not clashes, f"imported by playground but excluded from the binary: {clashes}"


def test_a_running_app_loads_no_module_the_spec_leaves_out():
    """What the imports above cannot see: modules that numpy, scipy, pyqtgraph or Qt import for the
    app (pyqtgraph imports PySide6.QtOpenGL at its top level; scikit-learn, imported when the
    Kernels dock fits its SVM, imports scipy.stats, which imports most of scipy). Only
    EXCLUDED_OPTIONAL may be loaded."""
    code = ("import json, pkgutil, sys, numpy as np, playground\n"
            "for m in pkgutil.walk_packages(playground.__path__, 'playground.'):\n"
            "    __import__(m.name)\n"
            "from playground.core.kernels import SVM\n"
            "SVM().fit(np.array([[0., 0.], [1., 1.], [0., 1.], [1., 0.]]), np.array([0, 1, 0, 1]))\n"
            "print(json.dumps(sorted(sys.modules)))")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    optional = set(_spec_list("EXCLUDED_OPTIONAL"))
    gone = [g for g in _spec_list("EXCLUDED") if g not in optional]
    clashes = sorted(m for m in loaded for g in gone if m == g or m.startswith(g + "."))
    assert not clashes, f"loaded by the app but left out of the binary: {clashes}"


def test_the_desktop_entry_starts_the_app_with_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "nn-playground.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Exec"].split()[0] == "nn-playground"
    assert desktop["Icon"] == "nn-playground" and desktop["Terminal"] == "false"
    icons = files("playground.resources").joinpath("icons")
    assert icons.joinpath("nn-playground.svg").is_file() and icons.joinpath("nn-playground.png").is_file()


def test_the_icon_is_the_one_make_icon_draws():
    spec = importlib.util.spec_from_file_location("make_icon", PACKAGING / "make_icon.py")
    make_icon = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icon)
    svg = (ROOT / "resources" / "icons" / "nn-playground.svg").read_text(encoding="utf-8")
    assert svg == make_icon.svg()
    assert svg.count("<line") == sum(len(a) * len(b) for a, b in zip(make_icon.LAYERS, make_icon.LAYERS[1:]))


def test_build_outputs_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored and "dist/" in ignored
