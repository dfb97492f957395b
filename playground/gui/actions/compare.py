"""Compare menu: the kernel machine beside the network, sweeps of many fits (PRML fig. 5.9-5.10)."""

from dataclasses import replace

from . import Action

TITLE = "&Compare"


def _raise(window, dock_name: str):
    dock = getattr(window, f"{dock_name}_dock")
    dock.show()
    dock.raise_()
    return dock


def _run(window, figure: str) -> None:
    _raise(window, "sweeps")
    (window.sweep_view.run_fig_5_9 if figure == "5.9" else window.sweep_view.run_fig_5_10)()


def load_sweep_network(window, result, index: int) -> None:
    """Put fit ``index`` of a sweep into the window: one hidden layer of M units, at its weights."""
    outcome = result.outcomes[index]
    network = replace(window.model.document.config.network, hidden=(outcome.units,),
                      activation=result.config.hidden)
    window._restored_weights = outcome.weights.copy()  # taken by the next rebuild when the shapes fit
    window._carry_out(window.session.network_changed(network))
    window._schedule_rebuild(reset=True, message=f"Loaded the sweep's network: M = {outcome.units}, "
                                                 f"start {outcome.start + 1}.")


ACTIONS = (
    Action("kernels_action", "&Kernel machine beside the network", lambda w: _raise(w, "kernels"),
           tip="kernel ridge or an SVM fitted to the same training points, with bootstrap bands (seed 004)"),
    None,
    Action("sweep_action", "Fig. 5.10: &errors of many fits", lambda w: _run(w, "5.10"),
           tip="M = 1 ... 12 hidden units x 30 random starts on all cores"),
    Action("sweep_9_action", "Fig. 5.9: M = 1, 3, 10 side by side", lambda w: _run(w, "5.9")),
    Action("sweep_csv_action", "Save sweep results as CSV…", lambda w: w.sweep_view._ask_save()),
)
