"""Help menu: the guide to the views (resources/guide.html) and the About box."""

from importlib.resources import files

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from playground import __version__

from . import Action

TITLE = "&Help"


def guide_html() -> str:
    """The guide's text; resources/ is installed as the package playground.resources (pyproject.toml)."""
    return files("playground.resources").joinpath("guide.html").read_text(encoding="utf-8")


def show_guide(window) -> QMessageBox:
    box = QMessageBox(window)
    box.setWindowTitle("Guide to the views")
    box.setTextFormat(Qt.RichText)
    box.setText(guide_html())
    box.open()
    return box


def show_about(window) -> None:
    QMessageBox.about(window, "About nn-playground",
                      f"<b>nn-playground {__version__}</b><p>Feed-forward networks after Bishop, "
                      "<i>Pattern Recognition and Machine Learning</i>, chapter 5.</p>")


ACTIONS = (
    Action("guide_action", "&Guide to the views", show_guide, (QKeySequence.HelpContents,)),
    Action("about_action", "&About", show_about),
)
