"""The lesson's text and the text written as HTML (plot titles, keys) follow the font scale (F5, Ctrl+=)."""

from PySide6.QtCore import Qt

from playground.gui.lessons_panel import lesson_player
from test_main_window import empty_document, make_window


def _height(text_item) -> float:
    return text_item.boundingRect().height()


def test_presentation_scales_the_lesson_text_and_the_html_titles_and_keys(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.lesson_actions[0].trigger()
    player = lesson_player(window)
    lesson_text = player.panel.text.font().pointSizeF()
    title = window.sweep_view.panels[0][0].titleLabel  # "M = 1": a 9pt title in HTML
    key = window.data_view.legend  # the MDN curves' key: a 9pt div
    title_height, key_height = _height(title.item), _height(key.textItem)

    qtbot.keyClick(window, Qt.Key_F5)
    qtbot.waitUntil(lambda: player.panel.text.font().pointSizeF() >= 1.4 * lesson_text, timeout=2000)
    assert _height(title.item) >= 1.3 * title_height and "M = 1" in title.text
    assert _height(key.textItem) >= 1.3 * key_height

    qtbot.keyClick(window, Qt.Key_Escape)
    qtbot.waitUntil(lambda: player.panel.text.font().pointSizeF() == lesson_text, timeout=2000)
    assert abs(_height(title.item) - title_height) < 1 and abs(_height(key.textItem) - key_height) < 1


def test_a_title_its_owner_writes_again_is_scaled_at_the_next_step(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    title = window.sweep_view.panels[0][0].titleLabel
    before = _height(title.item)
    qtbot.keyClick(window, Qt.Key_Equal, Qt.ControlModifier)  # 115 %
    title.setText("M = 1", size="9pt")  # its owner writes it again, unscaled
    qtbot.keyClick(window, Qt.Key_Equal, Qt.ControlModifier)  # 130 %
    assert _height(title.item) >= 1.2 * before and title.opts["size"] == "11.7pt"


def test_in_presentation_the_lesson_text_wraps_inside_its_dock(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, empty_document())
    window.lesson_actions[0].trigger()
    player = lesson_player(window)
    qtbot.keyClick(window, Qt.Key_F5)
    text = player.panel.text
    qtbot.waitUntil(lambda: text.font().pointSizeF() > 12, timeout=2000)
    viewport = player.dock.widget().viewport()  # the dock's scroll area
    qtbot.waitUntil(lambda: player.panel.width() <= viewport.width(), timeout=2000)  # no sideways scrolling
    assert player.dock.width() >= 0.15 * window.width()
    assert text.mapTo(viewport, text.rect().topRight()).x() <= viewport.width()  # the narrative's right edge shows
    qtbot.keyClick(window, Qt.Key_Escape)
