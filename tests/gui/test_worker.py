"""The training thread: frames arrive, play/pause/step/reset, live option changes, divergence, shutdown."""

import numpy as np
import pytest

from playground.core import MLP, Trainer
from playground.core.datasets import make_dataset
from playground.gui.frames import ViewSpec, compute_frame
from playground.gui.worker import Mailbox, TrainingController


def spiral_trainer(lr=0.02, optimizer="adam", seed=0, hidden="tanh"):
    data = make_dataset("spiral", n_points=200, noise=0.05, seed=1)
    net = MLP([2, 8, 8, 1], hidden=hidden, output="sigmoid", seed=seed)
    return Trainer(net, data.X, data.targets("sigmoid"), optimizer=optimizer, lr=lr), net


@pytest.fixture
def controller(qtbot):
    c = TrainingController()
    yield c
    assert c.shutdown()
    assert not c.thread.isRunning()


def wait_for_frame(qtbot, controller, predicate=lambda f: True, timeout=5000):
    found = []

    def check():
        frame = controller.peek_frame()
        assert frame is not None and predicate(frame)
        found.append(frame)

    qtbot.waitUntil(check, timeout=timeout)
    return found[-1]


def test_playing_produces_frames_and_the_error_falls(qtbot, controller):
    trainer, _ = spiral_trainer()
    controller.set_job(trainer, None, "classification", 2)
    controller.set_view(ViewSpec((-1.5, 1.5), (-1.5, 1.5), 40))
    first = wait_for_frame(qtbot, controller)
    assert first.snapshot.epoch == 0 and first.probabilities.shape == (40, 40, 2)
    controller.play(True)
    later = wait_for_frame(qtbot, controller, lambda f: f.snapshot.epoch >= 300)
    assert later.snapshot.train_error < first.snapshot.train_error
    assert later.running and later.epochs_per_second > 0
    assert len(later.boundary) > 0


@pytest.mark.parametrize("epochs_per_frame", [None, 5])
def test_frames_come_at_most_30_times_a_second_of_the_workers_clock(epochs_per_frame):
    # Driven clock, no thread: the rate is a property of the loop, not of this machine's speed.
    from playground.gui.worker import FRAME_INTERVAL, Job, TrainingWorker

    clock = _Clock(0.01)
    worker = TrainingWorker()
    worker.clock = clock
    frames = []
    worker.sigFrame.connect(frames.append)
    trainer = quick_real_time(spiral_trainer()[0])
    worker.dispatch([("job", (Job(1, trainer, None, "classification", 2),)), ("view", (ViewSpec(resolution=20),)),
                     ("speed", (epochs_per_frame,)), ("play", (True,))])
    start = clock.now
    for _ in range(30):
        worker.work()
    elapsed = clock.now - start
    assert 5 <= len(frames) <= elapsed / FRAME_INTERVAL + 1, (len(frames), elapsed)
    assert all(frame.running for frame in frames)
    if epochs_per_frame:
        assert trainer.epoch == epochs_per_frame * len(frames)  # each frame after one chunk of 5 epochs


@pytest.mark.parametrize("epochs_per_frame, recording", [(None, False), (5, False), (None, True)])
def test_a_chunk_of_training_is_a_30th_of_a_second_paced_and_a_20th_at_full_speed(epochs_per_frame, recording):
    """At full speed fewer frames: each drawn frame holds the GIL in the GUI thread (gui/background.py);
    not while a clip records."""
    from playground.gui.background import FULL_SPEED_FRAME_INTERVAL
    from playground.gui.worker import FRAME_INTERVAL, Job, TrainingWorker

    clock = _Clock(0.001)
    worker = TrainingWorker()
    worker.clock = clock
    trainer, _ = spiral_trainer()
    budgets = []
    advance = trainer.advance

    def one_epoch_at_a_time(epochs, max_seconds=None, **kwargs):
        budgets.append(max_seconds)
        return advance(1, **kwargs)

    trainer.advance = one_epoch_at_a_time
    worker.dispatch([("job", (Job(1, trainer, None, "classification", 2),)), ("view", (ViewSpec(resolution=20),)),
                     ("speed", (epochs_per_frame,)), ("recording", (recording,)), ("play", (True,))])
    start = clock.now
    worker.train_for_one_frame()
    interval = FULL_SPEED_FRAME_INTERVAL if epochs_per_frame is None and not recording else FRAME_INTERVAL
    assert budgets[0] == pytest.approx(interval, abs=0.003)  # the first call may take the whole chunk
    if epochs_per_frame is None:
        assert clock.now - start >= interval  # trained until the chunk's end
    else:
        assert trainer.epoch == epochs_per_frame


def test_pause_stops_and_step_advances_exactly_one_epoch(qtbot, controller):
    trainer, _ = spiral_trainer()
    controller.set_job(trainer, None, "classification", 2)
    controller.play(True)
    wait_for_frame(qtbot, controller, lambda f: f.snapshot.epoch > 20)
    controller.play(False)
    paused = wait_for_frame(qtbot, controller, lambda f: not f.running)
    qtbot.wait(200)
    latest = controller.peek_frame() or paused
    assert latest.snapshot.epoch == paused.snapshot.epoch
    controller.step(1)
    stepped = wait_for_frame(qtbot, controller, lambda f: f.snapshot.epoch == paused.snapshot.epoch + 1)
    assert not stepped.running


def test_reset_reinitialises(qtbot, controller):
    trainer, net = spiral_trainer(seed=4)
    w0 = net.w.copy()
    controller.set_job(trainer, None, "classification", 2)
    controller.play(True)
    wait_for_frame(qtbot, controller, lambda f: f.snapshot.epoch > 50)
    controller.play(False)
    controller.reset(4)
    frame = wait_for_frame(qtbot, controller, lambda f: f.snapshot.epoch == 0 and not f.running)
    np.testing.assert_array_equal(frame.snapshot.weights, w0)


def test_changing_the_learning_rate_while_running_keeps_the_weights(qtbot, controller):
    trainer, _ = spiral_trainer(optimizer="gd", lr=0.1)
    controller.set_speed(1)  # one epoch per frame: easy to follow
    controller.set_job(trainer, None, "classification", 2)
    controller.play(True)
    before = wait_for_frame(qtbot, controller, lambda f: f.snapshot.epoch >= 10)
    controller.update_options(lr=0.0)  # refused: lr must be positive
    controller.update_options(lr=1e-9)
    after = wait_for_frame(qtbot, controller, lambda f: f.snapshot.lr == 1e-9 and f.snapshot.epoch > before.snapshot.epoch + 3)
    # with a tiny rate, the weights barely move from where training had got to: not re-initialised
    assert np.max(np.abs(after.snapshot.weights - before.snapshot.weights)) < 0.05
    assert after.snapshot.epoch > before.snapshot.epoch
    assert len(after.snapshot.history) == after.snapshot.epoch + 1


def test_an_invalid_option_is_reported_not_applied(qtbot, controller):
    trainer, _ = spiral_trainer()
    controller.set_job(trainer, None, "classification", 2)
    with qtbot.waitSignal(controller.sigStopped, timeout=5000) as blocker:
        controller.update_options(lr=-1.0)
    assert blocker.args[0] == "options" and "learning rate" in blocker.args[1]


def test_divergence_stops_training_and_says_so(qtbot, controller):
    data = make_dataset("plane", n_points=60)
    net = MLP([2, 8, 1], hidden="relu", seed=0)
    trainer = Trainer(net, data.X, data.t, optimizer="gd", lr=1e4)
    controller.set_job(trainer, None, "regression", 2)
    controller.set_view(ViewSpec(resolution=20))
    with qtbot.waitSignal(controller.sigStopped, timeout=5000) as blocker:
        controller.play(True)
    assert blocker.args[0] == "diverged" and "smaller learning rate" in blocker.args[1]
    assert not controller.running
    frame = wait_for_frame(qtbot, controller, lambda f: not f.running)
    assert np.all(np.isfinite(frame.snapshot.weights)) and not np.any(np.isinf(frame.surface))


def test_stale_frames_of_an_old_experiment_are_dropped(qtbot, controller):
    first, _ = spiral_trainer()
    controller.set_job(first, None, "classification", 2)
    controller.play(True)
    wait_for_frame(qtbot, controller, lambda f: f.snapshot.epoch > 5)
    second, _ = spiral_trainer(seed=9)
    new_id = controller.set_job(second, None, "classification", 2)
    frame = wait_for_frame(qtbot, controller, lambda f: f.experiment_id == new_id)
    assert frame.experiment_id == new_id


def test_selected_unit_and_hidden_contours_in_frames():
    trainer, net = spiral_trainer()
    snap = trainer.snapshot()
    view = ViewSpec((-1, 1), (-1, 1), 25, selected_unit=(1, 3), hidden_contours=True)
    frame = compute_frame(net, None, "classification", 2, snap, view, 1, False, 0.0)
    xs = np.linspace(-1, 1, 25)
    XX, YY = np.meshgrid(xs, xs)
    z = net.hidden_outputs(np.column_stack([XX.ravel(), YY.ravel()]))[1][:, 3].reshape(25, 25)
    np.testing.assert_allclose(frame.unit_map, z, rtol=1e-6)
    assert len(frame.hidden_segments) == 8 and "unit 4 of layer 2" in frame.unit_label


def test_regression_and_mdn_frames():
    data = make_dataset("inverse_problem", n_points=100)
    net = MLP([1, 5, 1], output="mdn", n_components=3, seed=0)
    trainer = Trainer(net, data.X, data.t, lr=0.01)
    frame = compute_frame(net, None, "regression", 1, trainer.snapshot(), ViewSpec((0, 1), (0, 1), 50), 1, False, 0)
    assert frame.kind == "regression1d" and frame.density.shape == (100, len(frame.grid_x))
    dt = 1 / 99
    # each column is a density over t: it integrates to at most 1 over the shown range
    assert np.all(frame.density.sum(axis=0) * dt < 1.05)
    plain = MLP([1, 3, 1], seed=0)
    trainer = Trainer(plain, data.X, data.t)
    frame = compute_frame(plain, None, "regression", 1, trainer.snapshot(),
                          ViewSpec((0, 1), (0, 1), 50, hidden_contours=True), 1, False, 0)
    np.testing.assert_allclose(frame.curves[0], plain.forward(frame.grid_x[:, None])[:, 0])
    assert frame.hidden_curves.shape == (3, len(frame.grid_x))


def test_hessian_reports_arrive_from_their_own_worker_at_multiples_of_n(qtbot, controller):
    from playground.core.hessian_lab import HessianReport, HessianRequest

    trainer, _ = spiral_trainer()
    controller.set_job(trainer, None, "classification", 2)
    reports = []
    controller.hessian_worker.sigReport.connect(lambda _id, report: reports.append(report))
    controller.set_hessian(HessianRequest(), interval=7)
    qtbot.waitUntil(lambda: len(reports) == 1, timeout=5000)
    controller.play(True)
    qtbot.waitUntil(lambda: len(reports) >= 3, timeout=10_000)
    controller.play(False)
    epochs = [report.epoch for report in reports]
    assert all(isinstance(report, HessianReport) and report.ok for report in reports)
    assert epochs[0] == 0 and all(epoch % 7 == 0 for epoch in epochs), epochs
    assert all(later > earlier for earlier, later in zip(epochs, epochs[1:])), epochs


class _Clock:
    """A clock that moves by ``tick`` seconds each time it is read: the chunk logic without wall-clock time."""

    def __init__(self, tick):
        self.now, self.tick = 0.0, tick

    def __call__(self):
        self.now += self.tick
        return self.now


class _ReportSink:
    """Stands in for the Hessian worker: records what would be computed, and when."""

    def __init__(self, clock):
        import threading

        self.busy = threading.Event()
        self.clock = clock
        self.jobs = []
        self.mailbox = Mailbox()

    def submit(self, job):
        self.jobs.append((job.epoch, self.clock.now))


def quick_real_time(trainer):
    """The trainer trains a few ms of real time per call at most: the driven clock decides the chunks
    (its budgets are in its own seconds), and a chunk of 1/20 "s" need not take 50 ms of the suite."""
    advance = trainer.advance

    def advance_briefly(epochs, max_seconds=None, should_stop=None):
        return advance(epochs, max_seconds=None if max_seconds is None else min(max_seconds, 0.002),
                       should_stop=should_stop)

    trainer.advance = advance_briefly
    return trainer


def driven_worker(interval, tick, epochs_per_frame=None):
    from playground.core.hessian_lab import HessianRequest
    from playground.gui.worker import Job, TrainingWorker

    clock = _Clock(tick)
    sink = _ReportSink(clock)
    worker = TrainingWorker(hessian=sink)
    worker.clock = clock
    trainer = quick_real_time(spiral_trainer()[0])
    worker.dispatch([("job", (Job(1, trainer, None, "classification", 2),)),
                     ("speed", (epochs_per_frame,)), ("hessian", (HessianRequest(), interval)), ("play", (True,))])
    return worker, sink, trainer


@pytest.mark.parametrize("interval, tick, epochs_per_frame", [(7, 0.01, None), (200, 0.01, None),
                                                              (40, 0.01, 25), (1, 0.012, None)])
def test_reports_while_training_come_exactly_at_multiples_of_n_at_most_twice_a_second(interval, tick,
                                                                                     epochs_per_frame):
    # Every chunk is cut short by its time budget at arbitrary epochs (the clock runs fast);
    # reports still come at multiples of N, and multiples are skipped rather than shifted.
    from playground.gui.worker import MIN_HESSIAN_GAP

    worker, sink, trainer = driven_worker(interval, tick, epochs_per_frame)
    for _ in range(60):
        worker.train_for_one_frame()
    epochs = [epoch for epoch, _ in sink.jobs]
    times = [t for _, t in sink.jobs]
    assert epochs[0] == 0 and len(epochs) >= 3, epochs  # the first report is of the job's start
    assert all(epoch % interval == 0 for epoch in epochs), epochs
    assert all(later > earlier for earlier, later in zip(epochs, epochs[1:])), epochs
    assert min(np.diff(times)) >= MIN_HESSIAN_GAP, times


def test_no_report_is_sent_while_the_last_one_is_still_computing():
    worker, sink, trainer = driven_worker(5, 0.01)
    sink.busy.set()  # the report of epoch 0 is still being computed
    for _ in range(30):
        worker.train_for_one_frame()
    assert [epoch for epoch, _ in sink.jobs] == [0] and trainer.epoch > 10
    sink.busy.clear()
    worker.train_for_one_frame()
    assert len(sink.jobs) == 2 and sink.jobs[-1][0] % 5 == 0


def test_an_idle_worker_sleeps_on_its_mailbox_with_or_without_a_job(qtbot, controller):
    controller.set_view(ViewSpec(resolution=30))  # commands while there is no experiment (an empty canvas)
    controller.play(True)  # nothing to train: refused quietly
    qtbot.wait(100)
    before = controller.worker.wakeups
    qtbot.wait(500)
    assert controller.worker.wakeups - before <= 2  # a spinning loop passes thousands of times
    trainer, _ = spiral_trainer()
    controller.set_job(trainer, None, "classification", 2)
    controller.play(False)
    wait_for_frame(qtbot, controller)
    qtbot.wait(100)
    before = controller.worker.wakeups
    qtbot.wait(500)
    assert controller.worker.wakeups - before <= 2


def test_a_frame_of_a_large_network_is_evaluated_in_blocks_and_gives_way_to_a_command(monkeypatch):
    import playground.gui.frames as frames

    trainer, net = spiral_trainer()
    snap = trainer.snapshot()
    view = ViewSpec((-1, 1), (-1, 1), 30, selected_unit=(1, 2), hidden_contours=True)
    whole = compute_frame(net, None, "classification", 2, snap, view, 1, False, 0)
    monkeypatch.setattr(frames, "FRAME_BLOCK_COST", 50 * net.n_params)  # 50 grid points a block: 18 blocks
    asked = []

    def never():
        asked.append(1)
        return False

    blocked = compute_frame(net, None, "classification", 2, snap, view, 1, False, 0, should_stop=never)
    assert len(asked) == 18
    np.testing.assert_array_equal(blocked.probabilities, whole.probabilities)
    np.testing.assert_array_equal(blocked.unit_map, whole.unit_map)
    assert len(blocked.hidden_segments) == len(whole.hidden_segments)
    with pytest.raises(frames.FrameInterrupted):  # a command is waiting: the frame gives way
        compute_frame(net, None, "classification", 2, snap, view, 1, False, 0, should_stop=lambda: True)
