"""coursekit: reference implementations and grading tools for the neural-networks course.

Conventions used throughout (docs/architecture.md states them for the whole course):

* samples are rows; a layer computes ``Z = A @ W + b`` with ``W`` of shape
  ``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``;
* the gradient of a scalar loss with respect to an array ``X`` is ``dX`` and has
  ``X``'s shape;
* losses are means over the batch unless their name says otherwise;
* float64 everywhere; randomness only through an explicit
  ``rng: numpy.random.Generator`` argument.

The numerical modules (``linear``, ``activations``, ...) depend on numpy only;
``coursekit.grading`` holds the nbgrader tooling and the ``coursekit`` command.
"""

__version__ = "0.1.0"
