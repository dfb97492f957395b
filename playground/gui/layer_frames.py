"""Per-layer diagnostics for the frames of the layers view, computed in the training thread.

A diagnostics pass is a forward and backward pass over a sample of the training points
(core/diagnostics.py caps its work at ~3 ms, though an 8 x 256 net costs ~10 ms whatever the
points); the worker makes one at most ``INTERVAL`` seconds apart while training runs, and
further apart when a pass would take more than ``MAX_SHARE`` of the time, and one for every
paused frame (a step, a reset), so that the view is live without taking much from the
trainer. Each frame carries the newest: the view draws on every other frame only, and would
otherwise miss every pass that came with one of the others. Pure numpy; no Qt here.
"""

from __future__ import annotations

from dataclasses import replace

from playground.core.diagnostics import layer_diagnostics, max_points_for, sample_rows

INTERVAL = 0.1  # seconds between diagnostics while training runs: ten a second at most
MAX_SHARE = 0.05  # and no more of the training thread's time than this (a pass over an 8 x 256 net: ~10 ms)


class LayerSampler:
    def __init__(self, clock, interval: float = INTERVAL):
        self.clock = clock
        self.interval = interval
        self._due = None  # clock() from which the next pass is due while training runs
        self._last = None  # the newest diagnostics, carried by the frames until the next pass

    def forget(self) -> None:
        """A new network: the diagnostics of the old one are not carried on."""
        self._due = self._last = None

    def attach(self, frame, trainer, running: bool):
        """``frame`` with ``layers``: new diagnostics when a pass is due, else the newest ones (the
        view draws them on its turn, gui/views.py, and skips ones it has drawn); unchanged when
        there are none."""
        now = self.clock()
        if running and self._due is not None and now < self._due:
            return frame if self._last is None else replace(frame, layers=self._last)
        if trainer.net.n_layers < 2:
            return frame  # no hidden layer: nothing to show
        rows = sample_rows(trainer.n_train, max_points_for(trainer.net))
        layers = layer_diagnostics(trainer.net, trainer.X[rows], trainer.T[rows])
        cost = max(0.0, self.clock() - now)
        self._due = now + max(self.interval, cost / MAX_SHARE)
        self._last = layers
        return replace(frame, layers=layers)
