"""A lesson's settings of a lab dock (session/lessons.DOCK_SETTINGS) put into the dock's controls,
as a teacher would set them: by the lesson player (gui/lessons_panel.py) and by ``render``
(gui/render.py), which draws a lesson's figure with them."""

from __future__ import annotations

import math


def _sweep_settings(view, settings: dict) -> None:
    for key, spin in (("units", view.units_spin), ("starts", view.starts_spin), ("epochs", view.epochs_spin)):
        if key in settings:
            spin.setValue(settings[key])


def _kernel_settings(view, settings: dict) -> None:
    if "kernel" in settings:
        view.kernel_combo.setCurrentIndex(view.kernel_combo.findData(settings["kernel"]))
    if "sigma" in settings:
        view.sigma_slider.set_value(settings["sigma"])
    if "lambda" in settings:
        view.lambda_slider.set_value(settings["lambda"])
    if "bootstrap" in settings:  # "none" is the combo's empty key
        view.bootstrap_combo.setCurrentIndex(view.bootstrap_combo.findData(settings["bootstrap"].replace("none", "")))
    if "B" in settings:
        view.b_spin.setValue(settings["B"])


def _prior_settings(view, settings: dict) -> None:
    from .plots.prior_samples import SLIDER_STEPS_PER_DECADE

    for group, alpha in settings.items():
        view.sliders[group].setValue(int(round(math.log10(alpha) * SLIDER_STEPS_PER_DECADE)))  # clamped to its range


# a lesson's view_settings for a lab dock (session/lessons.DOCK_SETTINGS) -> (the window's view, how to set it)
DOCK_SETTING_APPLIERS = {
    "sweeps": ("sweep_view", _sweep_settings),
    "kernels": ("kernel_view", _kernel_settings),
    "prior": ("prior_view", _prior_settings),
}
