"""File menu: new, open, save, import and export (the work is in gui/file_actions.py's FileActions)."""

from PySide6.QtGui import QKeySequence

from . import Action

TITLE = "&File"


def _figures():
    from .. import figures

    return figures


def _clips():
    from .. import clips

    return clips


# The window's thin methods call FileActions; Quit closes the window, whose closeEvent asks
# about unsaved changes.
ACTIONS = (
    Action("new_action", "&New drawing", lambda w: w.new_drawing(), (QKeySequence.New,)),
    Action("open_action", "&Open session…", lambda w: w.open_session(), (QKeySequence.Open,)),
    Action("save_action", "&Save session", lambda w: w.save_session(), (QKeySequence.Save,)),
    Action("save_as_action", "Save session &as…", lambda w: w.save_session_as(), (QKeySequence.SaveAs,)),
    None,
    Action("import_action", "&Import CSV…", lambda w: w.import_csv(), ("Ctrl+I",)),
    Action("export_action", "&Export CSV…", lambda w: w.export_csv(), ("Ctrl+E",)),
    Action("export_network_action", "Export &network…", lambda w: _export_network(w),
           tip="The trained network as ONNX, NumPy arrays, safetensors (PyTorch) or JSON"),
    # Figures and clips: gui/figures.py and gui/clips.py (imported when used: the menu loads fast)
    Action("export_figure_action", "Export &figure…", lambda w: _figures().open_export_dialog(w), ("Ctrl+Shift+E",),
           tip="any view, or the whole window, as PNG (1x-3x), SVG or CSV"),
    Action("record_clip_action", "Record &clip…", lambda w: _clips().open_clip_dialog(w),
           tip="record the data view or the window while it trains, as an animated GIF"),
    Action("stop_clip_action", "S&top recording", lambda w: _clips().stop_recording(w)),
    None,
    Action("quit_action", "&Quit", lambda w: w.close(), (QKeySequence.Quit,)),
)


def _export_network(window) -> None:
    from ..network_export import export_network  # the dialog and the writing (gui/network_export.py)

    export_network(window)
