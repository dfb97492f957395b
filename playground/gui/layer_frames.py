"""Per-layer diagnostics for the frames of the layers view, computed in the training thread.

A diagnostics pass is a forward and backward pass over a sample of the training points
(core/diagnostics.py caps its work at ~3 ms); the worker attaches one to a frame at most
``INTERVAL`` seconds apart while training runs, and to every paused frame (a step, a reset),
so that the view is live without taking much from the trainer. Pure numpy; no Qt here.
"""

from __future__ import annotations

from dataclasses import replace

from playground.core.diagnostics import layer_diagnostics, max_points_for, sample_rows

INTERVAL = 0.1  # seconds between diagnostics while training runs: ten a second


class LayerSampler:
    def __init__(self, clock, interval: float = INTERVAL):
        self.clock = clock
        self.interval = interval
        self._last = None

    def attach(self, frame, trainer, running: bool):
        """``frame`` with ``layers`` (a core.diagnostics.Diagnostics) when one is due, else unchanged."""
        now = self.clock()
        if running and self._last is not None and now - self._last < self.interval:
            return frame
        if trainer.net.n_layers < 2:
            return frame  # no hidden layer: nothing to show
        self._last = now
        rows = sample_rows(trainer.n_train, max_points_for(trainer.net))
        return replace(frame, layers=layer_diagnostics(trainer.net, trainer.X[rows], trainer.T[rows]))
