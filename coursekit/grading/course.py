"""Where things live in a course checkout, and the exercise contract of DESIGN.md."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ASSIGNMENTS", "EXERCISES", "Course", "CourseError"]

#: Assignment names, in course order.
ASSIGNMENTS: tuple[str, ...] = (
    "01_linear_collapse",
    "02_activations",
    "03_backprop_by_hand",
    "04_forward_and_reverse_mode",
    "05_initialisation",
    "06_optimizers",
    "07_regularisation",
    "08_subsampling_tutorial",
    "09_heteroscedastic_tutorial",
)

#: Exercise names of each assignment (DESIGN.md, "Exercises"): each is the grade_id of a
#: solution cell and, prefixed with ``test_``, of its autograded test cell.
EXERCISES: dict[str, tuple[str, ...]] = {
    "01_linear_collapse": (
        "collapse_linear",
        "linear_network",
        "relu_network",
        "least_squares_fit",
        "xor_relu_network",
        "wedge_classifier",
    ),
    "02_activations": (
        "step",
        "relu",
        "sigmoid",
        "tanh",
        "leaky_relu",
        "elu",
        "selu",
        "softmax",
        "relu_grad",
        "sigmoid_grad",
        "tanh_grad",
        "leaky_relu_grad",
        "elu_grad",
        "selu_grad",
        "softmax_jacobian",
    ),
    "03_backprop_by_hand": (
        "matmul_backward",
        "two_layer_gradients",
        "softmax_cross_entropy",
        "exp_neuron_step",
        "numerical_gradient",
        "relative_error",
        "Linear_backward",
        "ReLU_backward",
        "Tanh_backward",
        "Sigmoid_backward",
    ),
    "04_forward_and_reverse_mode": ("Dual", "Var_backward", "grad_forward", "grad_reverse"),
    "05_initialisation": (
        "constant_init",
        "normal_init",
        "lecun_normal",
        "glorot_normal",
        "glorot_uniform",
        "he_normal",
        "activation_stats",
    ),
    "06_optimizers": (
        "moving_average",
        "running_mean",
        "minibatch_indices",
        "sgd_step",
        "momentum_step",
        "adadelta_step",
        "adam_step",
    ),
    "07_regularisation": (
        "weight_decay_step",
        "add_input_noise",
        "early_stopping",
        "dropout_forward",
        "dropout_backward",
        "batchnorm_forward",
        "batchnorm_backward",
    ),
    "08_subsampling_tutorial": (
        "subsample_negatives",
        "bias_correction",
        "importance_weights",
        "fit_logistic_regression",
    ),
    "09_heteroscedastic_tutorial": (
        "gaussian_nll",
        "gaussian_nll_grads",
        "HeteroscedasticMLP_backward",
        "fit_log_residuals",
    ),
}
# Methods (``Linear.backward``) are written with an underscore in grade_ids: nbgrader uses
# grade_ids in HTML ids and file names, where a dot is awkward.

_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")


class CourseError(Exception):
    """A problem with the course files that the instructor must fix (the message says what)."""


@dataclass(frozen=True)
class Course:
    """A course checkout: ``nbgrader_config.py``, ``solutions/`` and ``notebooks/``.

    Parameters
    ----------
    root : Path
        The folder that holds ``nbgrader_config.py``.
    """

    root: Path

    @classmethod
    def find(cls, start: str | os.PathLike[str] | None = None) -> Course:
        """Return the course whose root contains ``start`` (default: the current folder)."""
        here = Path(start or os.getcwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
                return cls(folder)
        raise CourseError(
            f"no course found at or above {here}: expected a folder with nbgrader_config.py and solutions/"
        )

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    def assignments(self, names: list[str] | None = None) -> list[str]:
        """The assignments that have a source in ``solutions/``, in course order.

        Parameters
        ----------
        names : list of str, optional
            Restrict to these; each must exist (a clear error names the unknown ones).
        """
        found = sorted(
            p.name
            for p in self.solutions.iterdir()
            if p.is_dir() and _NAME.match(p.name) and (self.source(p.name).is_file() or self.solution(p.name).is_file())
        )
        if not names:
            return found
        unknown = [n for n in names if n not in found]
        if unknown:
            raise CourseError(
                f"unknown assignment(s) {', '.join(unknown)}; the course has: {', '.join(found) or 'none'}"
            )
        return [n for n in found if n in names]

    def source(self, assignment: str) -> Path:
        """The jupytext source ``solutions/<a>/<a>.py``."""
        return self.solutions / assignment / f"{assignment}.py"

    def solution(self, assignment: str) -> Path:
        """The executed instructor notebook ``solutions/<a>/<a>.ipynb``."""
        return self.solutions / assignment / f"{assignment}.ipynb"

    def student(self, assignment: str) -> Path:
        """The generated student notebook ``notebooks/<a>/<a>.ipynb``."""
        return self.notebooks / assignment / f"{assignment}.ipynb"
