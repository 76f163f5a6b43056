"""The exercise names of the course's own assignments are a contract.

Checks outside this project (and students' bookmarks) rely on each exercise's name: it is the
function in the solution cell, the solution cell's grade_id, the reference in ``coursekit`` and,
prefixed with ``test_``, the test cell's grade_id. The grader itself reads the exercises from the
notebooks' metadata; this table is the published list they must keep matching, so that renaming
an exercise is a deliberate change here and not an accident.
"""

from __future__ import annotations

import importlib

import nbformat
import pytest

from conftest import ASSIGNMENTS, COURSE
from coursekit.grading.course import exercises_of, reference_name

CONTRACT: dict[str, tuple[str, ...]] = {
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


def test_the_manifest_lists_exactly_the_contracted_assignments():
    assert sorted(COURSE.manifest) == sorted(CONTRACT)


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if a in CONTRACT])
def test_the_notebook_has_the_contracted_exercises(assignment):
    nb = nbformat.read(COURSE.solution(assignment), as_version=4)
    assert sorted(exercises_of(nb)) == sorted(CONTRACT[assignment])


@pytest.mark.parametrize("assignment", sorted(CONTRACT))
def test_every_exercise_has_its_reference_in_the_listed_modules(assignment):
    modules = [importlib.import_module(m) for m in COURSE.references(assignment)]
    for exercise in CONTRACT[assignment]:
        assert any(hasattr(m, reference_name(exercise)) for m in modules), exercise
