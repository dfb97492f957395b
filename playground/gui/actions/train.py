"""Train menu: play, step, reset, the optimiser race; the remembered training speed."""

from . import Action, Preference
from ..panels.training_panel import DEFAULT_SPEED, SPEED_LEVELS
from ..settings import Setting

TITLE = "&Train"

ACTIONS = (
    Action("play_action", "&Play / pause", lambda w: w.toggle_play(), ("Space",)),
    Action("step_action", "&Step", lambda w: w.step(), ("S",)),
    Action("reset_action", "&Reset weights", lambda w: w.reset_weights(), ("R",)),
    None,
    Action("race_action", "Optimiser &race…", lambda w: w.open_race(), ("Ctrl+Shift+R",),
           tip="train copies of the current network with six optimisers side by side"),
)


def _set_speed(window, epochs_per_frame) -> None:
    window._speed = epochs_per_frame
    window.training_panel.set_speed(epochs_per_frame)  # quietly: no signal back
    window.controller.set_speed(epochs_per_frame)


# Epochs per frame (None: as fast as it goes, kept as "max"); the default is a pace one can watch.
SPEED = Setting("training/speed", DEFAULT_SPEED, codes={level: "max" if level is None else str(level) for level in SPEED_LEVELS})

PREFERENCES = (
    Preference(SPEED, get=lambda w: w.training_panel.speed(), set=_set_speed),
)
