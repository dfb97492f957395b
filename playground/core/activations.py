"""Hidden-unit activation functions h(a) with h'(a) and h''(a).

h'' is needed by the exact Hessian (PRML 5.4.5) and the diagonal approximation
(PRML 5.79-5.81). The derivatives take both the pre-activation ``a`` and the
already computed output ``z = h(a)`` so that e.g. tanh' = 1 - z^2 costs no
second transcendental evaluation in the training loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit

Array = np.ndarray

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


@dataclass(frozen=True)
class Activation:
    name: str
    h: Callable[[Array], Array]
    dh: Callable[[Array, Array], Array]  # (a, z) -> h'(a)
    d2h: Callable[[Array, Array], Array]  # (a, z) -> h''(a)
    odd: bool  # h(-a) = -h(a): a unit's sign can be flipped (PRML 5.1.1)
    label: str = ""

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _zeros_like(a: Array, z: Array) -> Array:
    return np.zeros_like(a)


def _ones_like(a: Array, z: Array) -> Array:
    return np.ones_like(a)


def _swish_d1(a: Array, z: Array) -> Array:
    s = expit(a)
    return s * (1.0 + a * (1.0 - s))


def _swish_d2(a: Array, z: Array) -> Array:
    s = expit(a)
    return s * (1.0 - s) * (2.0 + a * (1.0 - 2.0 * s))


def _softplus_d2(a: Array, z: Array) -> Array:
    s = expit(a)
    return s * (1.0 - s)


ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation("linear", lambda a: a.copy(), _ones_like, _zeros_like, True, "linear  h(a) = a"),
        Activation(
            "sigmoid",
            expit,
            lambda a, z: z * (1.0 - z),
            lambda a, z: z * (1.0 - z) * (1.0 - 2.0 * z),
            False,
            "logistic sigmoid  1/(1+e^-a)",
        ),
        Activation(
            "tanh", np.tanh, lambda a, z: 1.0 - z * z, lambda a, z: -2.0 * z * (1.0 - z * z), True, "tanh"
        ),
        Activation(
            "relu",
            lambda a: np.maximum(a, 0.0),
            lambda a, z: (a > 0).astype(a.dtype),
            _zeros_like,
            False,
            "ReLU  max(0, a)",
        ),
        Activation(
            "leaky_relu",
            lambda a: np.where(a > 0, a, LEAKY_SLOPE * a),
            lambda a, z: np.where(a > 0, 1.0, LEAKY_SLOPE),
            _zeros_like,
            False,
            "leaky ReLU (slope 0.01)",
        ),
        Activation(
            "elu",
            lambda a: np.where(a > 0, a, ELU_ALPHA * np.expm1(np.minimum(a, 0.0))),
            lambda a, z: np.where(a > 0, 1.0, z + ELU_ALPHA),
            lambda a, z: np.where(a > 0, 0.0, z + ELU_ALPHA),
            False,
            "ELU (alpha 1)",
        ),
        Activation(
            "softplus",
            lambda a: np.logaddexp(0.0, a),
            lambda a, z: expit(a),
            _softplus_d2,
            False,
            "softplus  ln(1+e^a)",
        ),
        Activation("swish", lambda a: a * expit(a), _swish_d1, _swish_d2, False, "swish  a sigmoid(a)"),
        Activation("sin", np.sin, lambda a, z: np.cos(a), lambda a, z: -z, True, "sine"),
        Activation(
            "gaussian",
            lambda a: np.exp(-a * a),
            lambda a, z: -2.0 * a * z,
            lambda a, z: (4.0 * a * a - 2.0) * z,
            False,
            "Gaussian  exp(-a^2)",
        ),
    )
}

ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)


def get_activation(name: str | Activation) -> Activation:
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATION_NAMES)}"
        ) from None
