"""The desktop app: PySide6 + pyqtgraph views on the Qt-free core and session layers."""
