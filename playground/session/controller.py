"""What a change to the session means: rebuild the experiment (keeping or resetting the
weights), update the trainer's options, or nothing.

The session controller holds the document (points, split, config) and answers every edit
with a small immutable decision; whoever owns the document carries it out: the window with
its undo stack, training thread and views; a lesson, presentation mode or the CLI by
``apply``. After napari's ``components/viewer_model.py``: the model decides, the window
only observes. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping

import numpy as np

from playground.core.datasets import GENERATORS

from .config import ConfigError, DataConfig, ExperimentConfig
from .document import Document, empty_dataset
from .experiment import Experiment, output_for_data, plane_transformation_problem, prepare, resolve_output

POINTS_CHANGED = "Points changed: training goes on from the current weights (curves restart)."
NETWORK_CHANGED = "Network changed: the weights were re-initialised."
FEATURES_CHANGED = "Input features changed: the network was reset."
POINTS_CLEARED = "Points cleared: the network was reset."
MATCHED_HEAD = "The network now uses the output matched to the data."
NO_TRAINING_POINTS = ("There are no training points yet: click in the plot to add some "
                      "(or pick a preset in the Data panel).")


@dataclass(frozen=True)
class Rebuild:
    """Build a new experiment; ``reset``: from new weights (else the current ones go on when
    the network is the same); ``notice``: what to tell the person once built (None: what was
    said before stands)."""

    reset: bool
    notice: str | None = None


@dataclass(frozen=True)
class Change:
    """What an edit means. ``document``: the document after it (None: unchanged), an undoable
    data edit named ``undo_text``, or a configuration change when ``undo_text`` is None.
    ``options``: trainer keywords to update in place (no rebuild). ``refusal``: why nothing
    changed, for a banner. ``fit_view``: new data, the view zooms to them."""

    document: Document | None = None
    undo_text: str | None = None
    rebuild: Rebuild | None = None
    options: Mapping | None = None
    refusal: str | None = None
    fit_view: bool = False

    @property
    def changes(self) -> bool:
        return self.document is not None or self.options is not None


NOTHING = Change()


@dataclass(frozen=True)
class Built:
    """A trainer for the current document. ``weights``: "restored" (an opened session's),
    "kept" (the current ones go on) or "new"; ``new_network``: the views forget the old
    network; ``note``: restored weights that did not fit, said plainly."""

    experiment: Experiment
    trainer: object
    weights: str
    new_network: bool
    notice: str
    note: str | None = None


@dataclass(frozen=True)
class Refused:
    """Nothing to train, and why. ``experiment``: the network if it could be built (its
    initial weights can be shown); ``fix``: the button text of the remedy (use the matched head)."""

    message: str
    experiment: Experiment | None = None
    fix: str | None = None


def architecture(net) -> tuple:
    """What must match for trained weights to go on in a rebuilt network."""
    return (net.sizes, tuple(net.hidden_names), net.output, net.n_components)


def _data_changed(new: Document, old: Document) -> bool:
    return new.dataset is not old.dataset or not np.array_equal(new.parts, old.parts)


class SessionController:
    """The document and the config, and what each change to them means.

    Rebuild requests made before one build runs merge (any reset wins; the newest notice
    stands), so the several edits of one event build once.
    """

    def __init__(self, document: Document):
        self.document = document
        self.restored_weights: np.ndarray | None = None  # an opened session's, used by the next build
        self._pending = False
        self._pending_reset = True  # the first build starts from new weights
        self._pending_notice = ""
        self._head_data = (None, None)  # data and network of the last build: the head follows a change of kind
        self._signature = None  # architecture of the last built network

    # ------------------------------------------------------------------ the document moved on
    def observe(self, new: Document, old: Document) -> bool:
        """The document changed (any edit, undo or stroke); True when a rebuild is now due."""
        self.document = new
        if not (_data_changed(new, old) or new.config.network != old.config.network
                or new.config.data.features != old.config.data.features):
            return False
        if not self._pending:
            self._pending_notice = POINTS_CHANGED
        self.schedule(Rebuild(reset=False))
        return True

    def apply(self, change: Change) -> bool:
        """Carry a change out here (for scripts: lessons, the CLI); True when a rebuild is due."""
        if change.rebuild is not None:
            self.schedule(change.rebuild)
        if change.document is not None:
            self.observe(change.document, self.document)
        return self._pending

    # ------------------------------------------------------------------ panel edits
    def training_changed(self, options) -> Change:
        """Optimiser, learning rate, batch size ...: the trainer takes them on the fly."""
        current = self.document.config.training
        options = replace(options, regularization=current.regularization, early_stopping=current.early_stopping)
        return self._options(options, optimizer=options.optimizer, lr=options.lr, batch_size=options.batch_size,
                             hyper=options.hyper, schedule=options.schedule, seed=options.seed)

    def regularization_changed(self, regularization) -> Change:
        problem = plane_transformation_problem(regularization, self.document.config.data.features,
                                               self.document.dataset.n_inputs)
        if problem is not None:  # (PRML 5.5.3-5.5.4 through feature maps: experiment.py says why)
            sentence = problem.split(": ", 1)[1]  # the config's key path is no news in the window
            return Change(refusal=sentence[0].upper() + sentence[1:] + ".")
        training = replace(self.document.config.training, regularization=regularization)
        return self._options(training, regularization=regularization)

    def early_stopping_changed(self, early) -> Change:
        training = replace(self.document.config.training, early_stopping=early)
        return self._options(training, early_stopping=early)

    def network_changed(self, network) -> Change:
        return self._config(replace(self.document.config, network=network), NETWORK_CHANGED)

    def features_changed(self, features) -> Change:
        config = self.document.config
        return self._config(replace(config, data=replace(config.data, features=features)), FEATURES_CHANGED)

    def use_matched_head(self) -> Change:
        config = self.document.config
        return self._config(replace(config, network=replace(config.network, output="auto", n_components=None,
                                                                        sigma_floor=None)),
                            MATCHED_HEAD)

    def generate(self, data_config: DataConfig) -> Change:
        """New points from a generator, under the current split and (when they fit) features."""
        data = self.document.config.data
        config = replace(self.document.config, data=replace(data_config, split=data.split, split_seed=data.split_seed,
                                                            features=self.features_for(data_config)))
        try:
            document = Document.generated(config)
        except ConfigError as err:
            return Change(refusal=str(err))
        name = document.dataset.name
        return Change(document, f"Generate {name}", Rebuild(True, f"New data ({name}): the network was reset."),
                      fit_view=True)

    def features_for(self, data_config: DataConfig):
        """Keep the chosen features when they still make sense for the new data."""
        features = self.document.config.data.features
        if features is None:
            return None
        info = GENERATORS.get(data_config.generator)
        needs_two = any("x2" in f for f in features)
        return None if info is None or (needs_two and info.n_inputs < 2) else features

    def split_changed(self, ratios, seed: int) -> Change:
        """New shares: the points stay, their parts are drawn again (a data edit: weights go on)."""
        return Change(self.document.resplit(ratios, seed), "Change split")

    def num_classes_changed(self, n: int) -> Change:
        doc = self.document
        if doc.dataset.kind != "classification":
            return NOTHING
        return Change(doc.with_n_classes(n), f"Use {n} classes", Rebuild(True, f"{n} classes: the network was reset."))

    def mode_changed(self, mode: str) -> Change:
        """A new empty drawing of the other kind (classification or regression)."""
        doc = self.document
        if mode == doc.dataset.kind:
            return NOTHING
        dataset = empty_dataset(mode, doc.dataset.n_classes or 2)
        config = replace(doc.config, data=replace(doc.config.data, features=None))
        return Change(Document.with_new_dataset(dataset, config), f"New {mode} drawing",
                      Rebuild(True, f"New empty {mode} drawing: the network was reset."), fit_view=True)

    def clear_points(self) -> Change:
        doc = self.document
        if not doc.dataset.n:
            return NOTHING
        return Change(doc.cleared(), "Clear points", Rebuild(True, POINTS_CLEARED))

    def _options(self, training, **options) -> Change:
        return Change(self.document.with_config(replace(self.document.config, training=training)),
                      options=MappingProxyType(options))

    def _config(self, config: ExperimentConfig, notice: str) -> Change:
        return Change(self.document.with_config(config), rebuild=Rebuild(True, notice))

    # ------------------------------------------------------------------ rebuilding
    def schedule(self, rebuild: Rebuild) -> None:
        self._pending_reset = self._pending_reset or rebuild.reset
        if rebuild.notice is not None:
            self._pending_notice = rebuild.notice
        self._pending = True

    @property
    def rebuild_pending(self) -> bool:
        return self._pending

    def take_rebuild(self) -> tuple[Rebuild, ExperimentConfig | None]:
        """The merged pending rebuild, and the config to set first when the head follows the data.

        The head follows the data only when their kind changed under an unchanged network config
        (PRML 5.2): a head chosen by hand, or an opened session's, stays. After setting that
        config, call ``settle`` so that its own change is built now, not once more.
        """
        rebuild = Rebuild(self._pending_reset, self._pending_notice)
        self._pending, self._pending_reset, self._pending_notice = False, False, ""
        doc = self.document
        network = doc.config.network
        (previous, previous_network), self._head_data = self._head_data, (doc.dataset, network)
        output = network.output  # chosen for these data (by hand, or an opened session's), it stays
        if previous is not None and previous.kind != doc.dataset.kind and network == previous_network:
            output = output_for_data(network.output, doc.dataset, previous)
        if output == network.output:
            return rebuild, None
        notice = (f"{rebuild.notice} The {network.output} output does not fit these data: the network now uses "
                  f"the matched one (auto \u2192 {resolve_output(doc.dataset, output)}).").strip()
        config = replace(doc.config, network=replace(network, output=output, n_components=None, sigma_floor=None))
        return Rebuild(True, notice), config

    def settle(self) -> None:
        """The head-following config is set: its change is the one being built."""
        self._pending, self._pending_reset, self._pending_notice = False, False, ""
        self._head_data = (self.document.dataset, self.document.config.network)

    def build(self, rebuild: Rebuild, current_weights: np.ndarray | None = None) -> Built | Refused:
        """A trainer for the document, starting from the restored weights when they fit, else
        the current ones when nothing asks for a reset and the network is the same, else new ones."""
        doc = self.document
        experiment = None
        try:
            experiment = prepare(doc.config, dataset=doc.dataset, split=doc.split())
            if doc.counts()[0] == 0:
                raise ConfigError(NO_TRAINING_POINTS)
            net = experiment.net
            restored, self.restored_weights = self.restored_weights, None
            keep = not rebuild.reset and self._signature == architecture(net) and current_weights is not None
            note = None
            if restored is not None and restored.shape == net.w.shape:
                net.w[:] = restored
                weights = "restored"
            else:
                if restored is not None:
                    note = (f"The restored weights ({restored.size:,} numbers) do not fit the network "
                            f"{'-'.join(map(str, net.sizes))} ({net.n_params:,} weights): it starts from new weights.")
                if keep:
                    net.w[:] = current_weights
                weights = "kept" if keep else "new"
            trainer = experiment.make_trainer()
        except (ConfigError, ValueError) as err:
            output = doc.config.network.output
            fix = None
            if output_for_data(output, doc.dataset) != output:  # a head that cannot train on these data
                fix = f"Use a {resolve_output(doc.dataset, 'auto')} output"
            return Refused(str(err), experiment, fix)
        signature = architecture(experiment.net)
        new_network = rebuild.reset or self._signature != signature
        self._signature = signature
        return Built(experiment, trainer, weights, new_network, rebuild.notice or "", note)
