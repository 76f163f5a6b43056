r"""Heteroscedastic regression: a network that predicts a mean and a noise level.

Least squares treats the noise as Gaussian with one variance everywhere. The
tutorial in lecture notes 004 (question 2) lets the variance depend on the
input: the network returns a mean :math:`f(x)` and an activation
:math:`a(x)` that sets the log-variance,

.. math::

    P(y \mid x) = \mathcal{N}\big(y;\ f(x),\ v(x)\big), \qquad v(x) = \sigma(x)^2 = e^{a(x)},

and is trained by minimising the negative log-likelihood. Predicting
:math:`\log v` rather than :math:`v` keeps the variance positive whatever the
network outputs, and a variance near zero needs an activation near
:math:`-\infty` rather than near 0.

This module gathers what notebook 09 uses, from the modules that define it:

* :func:`gaussian_nll` and :func:`gaussian_nll_grads`: the loss and its
  gradients with respect to the mean and the log-variance
  (:mod:`coursekit.heteroscedastic_model`);
* :class:`HeteroscedasticMLP`: one shared hidden layer with a mean head and a
  log-variance head, with a hand-written backward pass (the notes' module
  API: ``forward(X) -> (f, a)``, ``backward(df, da) -> dX``; also in
  :mod:`coursekit.heteroscedastic_model`);
* :func:`fit_heteroscedastic`: gradient descent with a separate step size for
  the variance head (:mod:`coursekit.heteroscedastic_training`);
* :func:`fit_log_residuals`: the tutorial's alternative, a regression of the
  log squared residuals on radial basis functions (:func:`rbf_features`),
  with the bias of that approach corrected (:mod:`coursekit.log_residuals`);
* :func:`make_heteroscedastic_data`, :func:`true_mean`, :func:`true_std`: 1-D
  data whose mean and noise level are known (:mod:`coursekit.datasets`).

Shapes: inputs ``X`` are ``(N, d)``, targets and predictions ``(N,)``.
"""

from coursekit.datasets import make_heteroscedastic_data, true_mean, true_std
from coursekit.heteroscedastic_model import HeteroscedasticMLP, gaussian_nll, gaussian_nll_grads
from coursekit.heteroscedastic_training import TrainingDiverged, fit_heteroscedastic
from coursekit.log_residuals import E_LOG_CHI2_1, LogVarianceFit, fit_log_residuals, rbf_features

__all__ = [
    "gaussian_nll",
    "gaussian_nll_grads",
    "HeteroscedasticMLP",
    "fit_heteroscedastic",
    "TrainingDiverged",
    "fit_log_residuals",
    "rbf_features",
    "LogVarianceFit",
    "E_LOG_CHI2_1",
    "make_heteroscedastic_data",
    "true_mean",
    "true_std",
]
