"""Reading the remembered preferences (QSettings) so that a bad value never stops the app.

A settings file can hold anything: an older version's keys, a hand edit, a half-written file.
Each reader returns the default for a value it cannot use and keeps a note saying so; the
window shows the notes in its status bar and logs them.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger("playground.settings")

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def app_settings() -> QSettings:
    return QSettings("nn-playground", "nn-playground")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


class SettingsReader:
    def __init__(self, settings: QSettings):
        self.settings = settings
        self.notes: list[str] = []

    def _raw(self, key: str):
        try:
            return self.settings.value(key)
        except Exception:  # noqa: BLE001 (PySide raises assorted errors for undecodable values)
            self.note(key, "<unreadable>")
            return None

    def note(self, key: str, value, default=None) -> None:
        text = f"{key} = {_short(value)}"
        self.notes.append(text)
        log.warning("ignored the saved setting %s (using the default %r)", text, default)

    def choice(self, key: str, default: str, choices) -> str:
        value = self._raw(key)
        if value is None:
            return default
        if isinstance(value, str) and value in choices:
            return value
        self.note(key, value, default)
        return default

    def boolean(self, key: str, default: bool) -> bool:
        value = self._raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        self.note(key, value, default)
        return default

    def one_of(self, key: str, default, allowed, parse):
        """A value written by str() (e.g. a speed level): parsed, and one of ``allowed``."""
        value = self._raw(key)
        if value is None:
            return default
        try:
            parsed = parse(value)
        except (TypeError, ValueError, OverflowError):
            parsed = object()
        if parsed in allowed:
            return parsed
        self.note(key, value, default)
        return default

    def byte_array(self, key: str) -> QByteArray | None:
        value = self._raw(key)
        if value is None:
            return None
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        self.note(key, value)
        return None

    def directory(self, key: str, default: str) -> str:
        value = self._raw(key)
        if value is None:
            return default
        if isinstance(value, str) and os.path.isdir(value):
            return value
        if not isinstance(value, str):  # a folder that was removed since is no surprise: no note
            self.note(key, value, default)
        return default

    def message(self) -> str:
        if not self.notes:
            return ""
        return ("Some remembered settings could not be used and were reset to their defaults: "
                + "; ".join(self.notes) + ".")
