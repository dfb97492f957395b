"""plots.common.EventWatcher: the one event watcher the plots and the race window share."""

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget

from playground.gui.plots.common import EventWatcher


def test_the_watcher_calls_back_on_its_event_kind_only_until_released(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    watcher = EventWatcher(widget, QEvent.Type.Leave, lambda: calls.append("leave"), widget)
    QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.Enter))
    assert calls == []
    QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.Leave))
    assert calls == ["leave"]
    watcher.release()
    QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.Leave))
    assert calls == ["leave"]


def test_releasing_after_the_watched_widget_is_gone_is_harmless(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    watched = QWidget()
    watcher = EventWatcher(watched, QEvent.Type.Close, lambda: None, holder)
    watched.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    watcher.release()
