"""The installed Qt binding must not corrupt reference counts (PySide6 6.12.0 on Python < 3.12 does)."""

import sys

from PySide6 import QtCore, QtGui


def test_void_methods_keep_the_reference_count_of_none():
    obj, path = QtCore.QObject(), QtGui.QPainterPath()
    before = sys.getrefcount(None)
    for _ in range(200):
        obj.setObjectName("probe")
        path.moveTo(1.0, 2.0)
    # a binding that drops a reference per call loses 400 here and aborts the app soon after
    assert sys.getrefcount(None) >= before - 50
