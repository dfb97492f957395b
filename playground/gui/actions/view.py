"""View menu: the docks, what the data view overlays, the theme and the layout."""

from . import Action, Listed, Preference
from ..settings import Setting
from . import presentation as _presentation

TITLE = "&View"

THEME = Setting("view/theme", False, codes={False: "light", True: "dark"})  # the dark action's checked state

ACTIONS = (
    Listed("dock_actions", lambda w: [dock.toggleViewAction() for dock in w.docks]),
    None,
    Action("hidden_action", "Hidden-unit boundaries", lambda w, on: w._toggle_hidden(on), ("H",), checkable=True,
           tip="first-layer units' a_j = 0 lines (PRML fig. 5.4)", setting=Setting("view/hidden_units")),
    Action("bayes_action", "Bayes-optimal boundary", lambda w, on: w.data_view.set_show_bayes(on),
           checkable=True, checked=True),
    Action("discretize_action", "Discretize output", lambda w, on: w.data_view.set_discretize(on), ("D",),
           checkable=True, setting=Setting("view/discretize")),
    # the action is the one source of truth for the data view and the data panel's check box
    Action("test_action", "Show test points", lambda w, on: w._toggle_test_points(on), checkable=True, checked=True),
    Action("equal_aspect_action", "Equal aspect", lambda w, on: w.data_view.set_equal_aspect(on), checkable=True,
           tip="one unit across as long as one unit up: circles look round", setting=Setting("view/equal_aspect")),
    Action("fit_action", "Zoom to data", lambda w: w.zoom_to_data(), ("Ctrl+0",)),
    None,
    Action("dark_action", "Dark theme", lambda w, on: w._toggle_dark(on), checkable=True, setting=THEME),
    Action("reset_layout_action", "Reset layout", lambda w: w.reset_layout()),
    None,
    *_presentation.ACTIONS,  # View > Presentation (F5), Esc, Ctrl+= / Ctrl+-, high contrast
)

PREFERENCES = (
    Preference(Setting("view/log_loss"), get=lambda w: w.loss_plot.log_y(), set=lambda w, on: w.loss_plot.set_log_y(on)),
    *_presentation.PREFERENCES,  # the normal and the presentation font scale
)
