"""pyproject.toml lists its packages by hand (resources/ is installed as playground.resources):
a package folder missing from the list would be missing from the wheel."""

import re
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
