"""Make the exports that pyqtgraph's right-click "Export..." dialog offers work.

pyqtgraph 0.14 with Qt >= 6.9 and the curves drawn here have three problems:

- SVG: Qt now closes rectangles (the ViewBox background, the legend frame) with a
  "Z" in the path data, which pyqtgraph's coordinate fix-up splits as "x,y" and fails
  on ("not enough values to unpack", pyqtgraph issue 3495). `_correct_coordinates`
  takes the closing commands out, lets pyqtgraph transform the rest, and puts them back.
- CSV: only items that say they implement "plotData" are written, hidden ones too,
  and only when the Plot itself (not its ViewBox or the scene) is chosen.
  `PlotCSVExporter` finds the plot of a ViewBox or of a scene with one plot, skips
  hidden items and items marked ``csv_export = False`` (grid lines, hover dots), and
  prefers an item's ``export_data()`` (the full series rather than the decimated drawing).
- Matplotlib and HDF5 exporters are listed even when matplotlib or h5py is missing,
  and then fail: they are left out of the list unless their package is importable.

`install()` applies all of this once; views that offer pyqtgraph's export call it.
"""

from __future__ import annotations

import importlib
import importlib.util

import pyqtgraph as pg
from pyqtgraph import exporters
from pyqtgraph.exporters import CSVExporter
from pyqtgraph.exporters.Exporter import Exporter

_svg_module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
_original_correct = _svg_module.correctCoordinates
_CLOSE = ("Z", "z")
_installed = False


def _correct_coordinates(node, defs, item, options):
    """pyqtgraph's correctCoordinates, tolerant of closepath commands in <path d="...">."""
    closes = {}
    for path in node.getElementsByTagName("path"):
        tokens = path.getAttribute("d").split()
        if not any(t in _CLOSE for t in tokens):
            continue
        kept = [t for t in tokens if t not in _CLOSE]
        closes[path] = [i for i, t in enumerate(tokens) if t in _CLOSE]
        path.setAttribute("d", " ".join(kept))
    _original_correct(node, defs, item, options)
    for path, positions in closes.items():  # one token out per token in: put the closes back where they were
        tokens = path.getAttribute("d").split()
        for i in positions:
            tokens.insert(i, "Z")
        path.setAttribute("d", " ".join(tokens))


def _plot_item_of(item):
    """The PlotItem an export of ``item`` means: itself, its ViewBox's parent, or the only one in a scene."""
    if isinstance(item, pg.PlotItem):
        return item
    if isinstance(item, pg.ViewBox) and isinstance(item.parentItem(), pg.PlotItem):
        return item.parentItem()
    if hasattr(item, "items") and callable(item.items):  # a scene
        plots = [i for i in item.items() if isinstance(i, pg.PlotItem)]
        if len(plots) == 1:
            return plots[0]
    return None


class PlotCSVExporter(CSVExporter):
    """CSVExporter that writes the visible data series of the chosen plot (see the module docstring)."""

    Name = CSVExporter.Name

    def export(self, fileName=None):  # noqa: N803 (pyqtgraph's signature)
        plot = _plot_item_of(self.item)
        if plot is None:
            raise TypeError("Choose a plot (not the whole window) for a CSV export.")
        self.item = plot
        return super().export(fileName)

    def _exportPlotDataItem(self, plotDataItem) -> None:  # noqa: N802, N803
        if not plotDataItem.isVisible() or getattr(plotDataItem, "csv_export", True) is False:
            return None
        if hasattr(plotDataItem, "export_data"):
            data = plotDataItem.export_data()
            plotDataItem = _Series(plotDataItem.name(), data)
        return super()._exportPlotDataItem(plotDataItem)


class _Series:
    """A name and (x, y) in the shape CSVExporter reads."""

    def __init__(self, name, data):
        self._name, self._data = name, data

    def name(self):
        return self._name

    def getOriginalDataset(self):  # noqa: N802
        return self._data


def _available(exporter) -> bool:
    name = exporter.__name__
    if name == "MatplotlibExporter":
        return importlib.util.find_spec("matplotlib") is not None
    if name == "HDF5Exporter":
        return importlib.util.find_spec("h5py") is not None
    return True


def install() -> None:
    """Patch pyqtgraph's export list once (idempotent)."""
    global _installed
    if _installed:
        return
    _svg_module.correctCoordinates = _correct_coordinates
    registry = Exporter.Exporters
    registry[:] = [PlotCSVExporter if e is CSVExporter else e for e in registry if _available(e)]
    _installed = True


def offered_exporters() -> list:
    """The exporter classes the Export dialog lists."""
    return exporters.listExporters()
