"""View-menu rows of presentation mode and the font scale (gui/presentation.py); actions/view.py lists them."""

from . import Action, Preference
from ..presentation import FONT_SCALE, PRESENTATION_FONT_SCALE, presentation
from ..settings import Setting


def _present(window, on: bool) -> None:
    presentation(window).enter() if on else presentation(window).leave()


ACTIONS = (
    Action("presentation_action", "&Presentation", _present, ("F5",), checkable=True,
           tip="full screen, large text, only the unlocked controls and a large Play button; Esc leaves"),
    Action("leave_presentation_action", "Leave presentation", lambda w: presentation(w).leave(), ("Esc",)),
    Action("larger_text_action", "Larger text", lambda w: presentation(w).step_scale(+1), ("Ctrl+=", "Ctrl++")),
    Action("smaller_text_action", "Smaller text", lambda w: presentation(w).step_scale(-1), ("Ctrl+-",)),
    Action("high_contrast_action", "High contrast", lambda w, on: presentation(w).set_high_contrast(on),
           checkable=True, tip="white on black, for a washed-out projector", setting=Setting("view/high_contrast")),
)

PREFERENCES = (
    Preference(FONT_SCALE, get=lambda w: presentation(w).normal_scale,
               set=lambda w, s: presentation(w).set_normal_scale(s)),
    Preference(PRESENTATION_FONT_SCALE, get=lambda w: presentation(w).presentation_scale,
               set=lambda w, s: presentation(w).set_presentation_scale(s)),
)
