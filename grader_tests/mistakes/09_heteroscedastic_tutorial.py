"""Classic student mistakes for notebook 09 (heteroscedastic regression).

Each entry maps an exercise name to ``(description, replacement source of the solution cell[, key])``.
The grading harness substitutes the source for the solution cell and checks that exactly the
exercise's own test cell fails, naming the misconception ``key`` of ``coursekit.misconceptions``.
"""

from __future__ import annotations

# The solution cell of HeteroscedasticMLP_backward defines the whole class; every mistake keeps
# __init__, forward, params and grads as given and changes only backward.
_MLP_HEAD = """class HeteroscedasticMLP:
    def __init__(self, n_in, n_hidden, *, rng):
        self.W1 = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
        self.b1 = np.zeros(n_hidden)
        self.wf = rng.standard_normal(n_hidden) / np.sqrt(n_hidden)
        self.bf = np.zeros(1)
        self.wa = np.zeros(n_hidden)
        self.ba = np.zeros(1)
        self.dW1, self.db1 = np.zeros_like(self.W1), np.zeros_like(self.b1)
        self.dwf, self.dbf = np.zeros_like(self.wf), np.zeros_like(self.bf)
        self.dwa, self.dba = np.zeros_like(self.wa), np.zeros_like(self.ba)

    def forward(self, X):
        self.X = X
        self.H = np.tanh(X @ self.W1 + self.b1)
        return self.H @ self.wf + self.bf, self.H @ self.wa + self.ba

    def params(self):
        return [self.W1, self.b1, self.wf, self.bf, self.wa, self.ba]

    def grads(self):
        return [self.dW1, self.db1, self.dwf, self.dbf, self.dwa, self.dba]

"""


def _mlp(backward_body: str) -> str:
    return _MLP_HEAD + "    def backward(self, df, dlog_var):\n" + backward_body


MISTAKES: dict[str, list[tuple[str, ...]]] = {
    "gaussian_nll": [
        (
            "missing factor 1/2 on the log-variance term (log v instead of 0.5 log v)",
            """def gaussian_nll(y, f, log_var):
    r = y - f
    return float(np.mean(log_var + 0.5 * r**2 * np.exp(-log_var)) + 0.5 * np.log(2.0 * np.pi))
""",
            "log_factor",
        ),
        (
            "missing factor 1/2 on the squared residual (r^2 / v instead of r^2 / (2v))",
            """def gaussian_nll(y, f, log_var):
    r = y - f
    return float(np.mean(0.5 * log_var + r**2 * np.exp(-log_var)) + 0.5 * np.log(2.0 * np.pi))
""",
            "square_factor",
        ),
        (
            "treats log_var as the variance: 0.5 log(a) + r^2 / (2a)",
            """def gaussian_nll(y, f, log_var):
    r = y - f
    return float(np.mean(0.5 * np.log(log_var) + r**2 / (2 * log_var)) + 0.5 * np.log(2.0 * np.pi))
""",
            "log_var_as_variance",
        ),
        (
            "sums over the examples instead of taking the mean",
            """def gaussian_nll(y, f, log_var):
    r = y - f
    return float(np.sum(0.5 * log_var + 0.5 * r**2 * np.exp(-log_var) + 0.5 * np.log(2.0 * np.pi)))
""",
            "sum",
        ),
        (
            "drops the constant 0.5 log(2 pi)",
            """def gaussian_nll(y, f, log_var):
    r = y - f
    return float(np.mean(0.5 * log_var + 0.5 * r**2 * np.exp(-log_var)))
""",
            "no_constant",
        ),
    ],
    "gaussian_nll_grads": [
        (
            "returns the gradient with respect to v instead of log v (forgets the factor dv/da = v)",
            """def gaussian_nll_grads(y, f, log_var):
    n = y.shape[0]
    v = np.exp(log_var)
    df = (f - y) / v / n
    dv = (1 / (2 * v) - (y - f) ** 2 / (2 * v**2)) / n
    return df, dv
""",
            "wrt_v",
        ),
        (
            "missing factor 1/2 in the log-variance gradient (1 - r^2/v instead of 1/2 - r^2/(2v))",
            """def gaussian_nll_grads(y, f, log_var):
    n = y.shape[0]
    v = np.exp(log_var)
    return (f - y) / v / n, (1.0 - (y - f) ** 2 / v) / n
""",
            "half",
        ),
        (
            "gradients of the summed loss (forgets to divide by N)",
            """def gaussian_nll_grads(y, f, log_var):
    v = np.exp(log_var)
    return (f - y) / v, 0.5 - (y - f) ** 2 / (2 * v)
""",
            "no_mean",
        ),
        (
            "sign error in the mean gradient: (y - f) / v",
            """def gaussian_nll_grads(y, f, log_var):
    n = y.shape[0]
    v = np.exp(log_var)
    return (y - f) / v / n, (0.5 - (y - f) ** 2 / (2 * v)) / n
""",
            "sign",
        ),
        (
            "uses the least-squares gradient for the mean (forgets to divide by v)",
            """def gaussian_nll_grads(y, f, log_var):
    n = y.shape[0]
    v = np.exp(log_var)
    return (f - y) / n, (0.5 - (y - f) ** 2 / (2 * v)) / n
""",
            "least_squares",
        ),
    ],
    "HeteroscedasticMLP_backward": [
        (
            "the shared layer gets only the mean head's gradient (forgets h-bar-sigma)",
            _mlp("""        H = self.H
        self.dwf = H.T @ df
        self.dbf = np.array([df.sum()])
        self.dwa = H.T @ dlog_var
        self.dba = np.array([dlog_var.sum()])
        dH = np.outer(df, self.wf)
        dZ1 = dH * (1.0 - H**2)
        self.dW1 = self.X.T @ dZ1
        self.db1 = dZ1.sum(axis=0)
        return dZ1 @ self.W1.T
"""),
            "mean_head_only",
        ),
        (
            "forgets the tanh derivative (back-propagates dH as if there were no nonlinearity)",
            _mlp("""        H = self.H
        self.dwf = H.T @ df
        self.dbf = np.array([df.sum()])
        self.dwa = H.T @ dlog_var
        self.dba = np.array([dlog_var.sum()])
        dZ1 = np.outer(df, self.wf) + np.outer(dlog_var, self.wa)
        self.dW1 = self.X.T @ dZ1
        self.db1 = dZ1.sum(axis=0)
        return dZ1 @ self.W1.T
"""),
            "no_tanh_derivative",
        ),
        (
            "tanh derivative taken at the pre-activation: 1 - Z1^2 instead of 1 - H^2",
            _mlp("""        H = self.H
        Z1 = self.X @ self.W1 + self.b1
        self.dwf = H.T @ df
        self.dbf = np.array([df.sum()])
        self.dwa = H.T @ dlog_var
        self.dba = np.array([dlog_var.sum()])
        dZ1 = (np.outer(df, self.wf) + np.outer(dlog_var, self.wa)) * (1.0 - Z1**2)
        self.dW1 = self.X.T @ dZ1
        self.db1 = dZ1.sum(axis=0)
        return dZ1 @ self.W1.T
"""),
            "derivative_at_z",
        ),
        (
            "the variance head is trained with the mean's gradient (dwa = H.T @ df)",
            _mlp("""        H = self.H
        self.dwf = H.T @ df
        self.dbf = np.array([df.sum()])
        self.dwa = H.T @ df
        self.dba = np.array([df.sum()])
        dZ1 = (np.outer(df, self.wf) + np.outer(dlog_var, self.wa)) * (1.0 - H**2)
        self.dW1 = self.X.T @ dZ1
        self.db1 = dZ1.sum(axis=0)
        return dZ1 @ self.W1.T
"""),
            "variance_head_mean_gradient",
        ),
        (
            "bias gradients not summed over the batch (db1 of shape (N, K))",
            _mlp("""        H = self.H
        self.dwf = H.T @ df
        self.dbf = np.array([df.sum()])
        self.dwa = H.T @ dlog_var
        self.dba = np.array([dlog_var.sum()])
        dZ1 = (np.outer(df, self.wf) + np.outer(dlog_var, self.wa)) * (1.0 - H**2)
        self.dW1 = self.X.T @ dZ1
        self.db1 = dZ1
        return dZ1 @ self.W1.T
"""),
            "bias_not_summed",
        ),
    ],
    "fit_log_residuals": [
        (
            "no bias correction: fits log r^2 as in the notes and ignores correct_bias",
            """def fit_log_residuals(X, residuals, centres, width, *, ridge=1e-3, correct_bias=True, floor=1e-12):
    r2 = residuals**2
    t = np.log(np.maximum(r2, floor * np.mean(r2)))
    Phi = rbf_features(X, centres, width)
    n, k = Phi.shape
    A = np.column_stack([Phi, np.ones(n)])
    penalty = np.diag(np.append(np.full(k, ridge * n), 0.0))
    theta = np.linalg.solve(A.T @ A + penalty, A.T @ t)

    def log_var(X_new):
        return rbf_features(X_new, centres, width) @ theta[:k] + theta[k]

    return log_var
""",
            "no_correction",
        ),
        (
            "subtracts the correction instead of adding it",
            """def fit_log_residuals(X, residuals, centres, width, *, ridge=1e-3, correct_bias=True, floor=1e-12):
    r2 = residuals**2
    t = np.log(np.maximum(r2, floor * np.mean(r2)))
    Phi = rbf_features(X, centres, width)
    n, k = Phi.shape
    A = np.column_stack([Phi, np.ones(n)])
    penalty = np.diag(np.append(np.full(k, ridge * n), 0.0))
    theta = np.linalg.solve(A.T @ A + penalty, A.T @ t)
    offset = -(np.euler_gamma + np.log(2.0)) if correct_bias else 0.0

    def log_var(X_new):
        return rbf_features(X_new, centres, width) @ theta[:k] + theta[k] + offset

    return log_var
""",
            "correction_sign",
        ),
        (
            "fits log |r| instead of log r^2 (half the log-variance)",
            """def fit_log_residuals(X, residuals, centres, width, *, ridge=1e-3, correct_bias=True, floor=1e-12):
    t = np.log(np.maximum(np.abs(residuals), floor * np.mean(np.abs(residuals))))
    Phi = rbf_features(X, centres, width)
    n, k = Phi.shape
    A = np.column_stack([Phi, np.ones(n)])
    penalty = np.diag(np.append(np.full(k, ridge * n), 0.0))
    theta = np.linalg.solve(A.T @ A + penalty, A.T @ t)
    offset = np.euler_gamma + np.log(2.0) if correct_bias else 0.0

    def log_var(X_new):
        return rbf_features(X_new, centres, width) @ theta[:k] + theta[k] + offset

    return log_var
""",
            "log_abs",
        ),
        (
            "no intercept: regresses log r^2 on the RBF features alone",
            """def fit_log_residuals(X, residuals, centres, width, *, ridge=1e-3, correct_bias=True, floor=1e-12):
    r2 = residuals**2
    t = np.log(np.maximum(r2, floor * np.mean(r2)))
    Phi = rbf_features(X, centres, width)
    n, k = Phi.shape
    beta = np.linalg.solve(Phi.T @ Phi + ridge * n * np.eye(k), Phi.T @ t)
    offset = np.euler_gamma + np.log(2.0) if correct_bias else 0.0

    def log_var(X_new):
        return rbf_features(X_new, centres, width) @ beta + offset

    return log_var
""",
            "no_intercept",
        ),
        (
            "takes the log of zero residuals (no floor): -inf targets",
            """def fit_log_residuals(X, residuals, centres, width, *, ridge=1e-3, correct_bias=True, floor=1e-12):
    t = np.log(residuals**2)
    Phi = rbf_features(X, centres, width)
    n, k = Phi.shape
    A = np.column_stack([Phi, np.ones(n)])
    penalty = np.diag(np.append(np.full(k, ridge * n), 0.0))
    theta = np.linalg.solve(A.T @ A + penalty, A.T @ t)
    offset = np.euler_gamma + np.log(2.0) if correct_bias else 0.0

    def log_var(X_new):
        return rbf_features(X_new, centres, width) @ theta[:k] + theta[k] + offset

    return log_var
""",
            "no_floor",
        ),
    ],
}

# Correct answers written differently from the reference: they pass every test and get no diagnosis.
ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "gaussian_nll": [
        (
            "the log of the normal density, with the variance computed first",
            """def gaussian_nll(y, f, log_var):
    v = np.exp(log_var)
    return float(-np.mean(-0.5 * np.log(2.0 * np.pi * v) - (y - f) ** 2 / (2.0 * v)))
""",
        )
    ],
    "gaussian_nll_grads": [
        (
            "through the precision exp(-log_var)",
            """def gaussian_nll_grads(y, f, log_var):
    precision = np.exp(-log_var)
    n = len(y)
    return (f - y) * precision / n, 0.5 * (1.0 - (y - f) ** 2 * precision) / n
""",
        )
    ],
}
