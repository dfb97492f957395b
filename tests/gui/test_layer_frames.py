"""When the worker attaches per-layer diagnostics to a frame (gui/layer_frames.py)."""

import numpy as np

from playground.core import MLP, Trainer
from playground.gui.frames import Frame
from playground.gui.layer_frames import INTERVAL, MAX_SHARE, LayerSampler


def a_frame(trainer):
    return Frame(experiment_id=1, snapshot=trainer.snapshot(), running=True, epochs_per_second=0.0)


def test_diagnostics_come_at_most_every_interval_while_running_and_on_every_paused_frame():
    net = MLP([2, 4, 1], output="sigmoid", seed=0)
    X = np.random.default_rng(0).normal(size=(30, 2))
    trainer = Trainer(net, X, (X[:, 0] > 0).astype(float))
    now = [0.0]
    sampler = LayerSampler(lambda: now[0])
    frame = a_frame(trainer)
    attach = lambda running: sampler.attach(frame, trainer, running)  # noqa: E731
    first = attach(True).layers
    assert first is not None  # the first one at once
    now[0] = INTERVAL / 2
    assert attach(True).layers is first  # too soon while running: the newest one again, no new pass
    paused = attach(False).layers
    assert paused is not first  # a paused frame (a step) always gets a new one
    now[0] = INTERVAL * 2
    fresh = attach(True).layers
    assert fresh is not paused and fresh.n_points == 30
    sampler.forget()  # a new network: nothing of the old one is carried on
    assert attach(True).layers is not fresh


def test_an_expensive_pass_spaces_the_next_one_out():
    net = MLP([2, 4, 1], seed=0)
    trainer = Trainer(net, np.zeros((5, 2)), np.zeros((5, 1)))
    ticks = iter([0.0, 0.2])  # the pass itself takes 0.2 s
    sampler = LayerSampler(lambda: next(ticks))
    sampler.attach(a_frame(trainer), trainer, True)
    assert sampler._due == 0.2 / MAX_SHARE  # 4 s later, not INTERVAL


def test_no_diagnostics_yet_leaves_the_frame_alone():
    net = MLP([2, 4, 1], seed=0)
    trainer = Trainer(net, np.zeros((5, 2)), np.zeros((5, 1)))
    sampler = LayerSampler(lambda: 0.0)
    sampler._due = 1.0  # not due, and nothing made yet
    frame = a_frame(trainer)
    assert sampler.attach(frame, trainer, True) is frame


def test_no_hidden_layer_no_diagnostics():
    net = MLP([2, 1], seed=0)
    trainer = Trainer(net, np.zeros((3, 2)), np.zeros((3, 1)))
    frame = a_frame(trainer)
    assert LayerSampler(lambda: 0.0).attach(frame, trainer, False) is frame
