"""Reading the remembered preferences (QSettings) so that a bad value never stops the app.

A settings file can hold anything: an older version's keys, a hand edit, a half-written file.
Each reader returns the default for a value it cannot use and keeps a note saying so; the
window shows the notes in its status bar and logs them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

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

    def coded(self, key: str, default, codes: Mapping):
        """A value kept as its text in ``codes`` (value -> text, e.g. None -> "max"), read back as the value."""
        value = self._raw(key)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a native settings store may hand a number back as a number
        if isinstance(value, str):
            for known, text in codes.items():
                if text == value.strip():
                    return known
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


@dataclass(frozen=True)
class Setting:
    """One remembered preference: its key, its default, and how its value is kept.

    Without ``codes`` the value is a boolean kept as is; with ``codes`` (value -> text) it is kept
    as its text, so that the file reads well (``view/theme=dark``, ``training/speed=max``).
    """

    key: str
    default: object = False
    codes: Mapping | None = None

    @property
    def values(self) -> tuple:
        """Every value the setting can take."""
        return (False, True) if self.codes is None else tuple(self.codes)

    def read(self, reader: SettingsReader):
        if self.codes is None:
            return reader.boolean(self.key, self.default)
        return reader.coded(self.key, self.default, self.codes)

    def write(self, settings: QSettings, value) -> None:
        settings.setValue(self.key, bool(value) if self.codes is None else self.codes[value])
