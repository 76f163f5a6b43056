"""Classic student mistakes for notebook 03 (backprop by hand).

Each entry maps an exercise name to ``(description, replacement source of the solution cell, key)``.
The grading harness substitutes the source for the solution cell and checks that exactly the
exercise's own test cell fails, naming the misconception ``key`` of ``coursekit.misconceptions``.
``ALTERNATIVES`` lists correct answers written differently: they pass and get no diagnosis. For the four module exercises the replacement is the whole class
of the solution cell, built from the templates below with a wrong ``backward`` body.
"""

from __future__ import annotations

_LINEAR = """class Linear(Module):
    def __init__(self, n_in, n_out, *, rng):
        self.W = rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out))
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.u = None

    def param_names(self):
        return ["W", "b"]

    def forward(self, u):
        self.u = np.array(u, dtype=float)
        return self.u @ self.W + self.b

    def backward(self, dv):
{body}"""

_RELU = """class ReLU(Module):
    def forward(self, u):
        self.u = np.array(u, dtype=float)
        self.v = np.maximum(self.u, 0.0)
        return self.v

    def backward(self, dv):
{body}"""

_TANH = """class Tanh(Module):
    def forward(self, u):
        self.u = np.array(u, dtype=float)
        self.v = np.tanh(self.u)
        return self.v

    def backward(self, dv):
{body}"""

_SIGMOID = """class Sigmoid(Module):
    def forward(self, u):
        self.u = np.array(u, dtype=float)
        e = np.exp(-np.abs(self.u))
        self.v = np.where(self.u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.v

    def backward(self, dv):
{body}"""


def _method(template: str, *lines: str) -> str:
    """The class of ``template`` with ``lines`` as the body of ``backward``."""
    return template.format(body="".join(f"        {line}\n" for line in lines))


MISTAKES: dict[str, list[tuple[str, str]]] = {
    "numerical_gradient": [
        (
            "uses the forward difference (f(x+h) - f(x)) / h",
            """def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    f0 = f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        grad[idx] = (f(x) - f0) / h
        x[idx] = old
    return grad
""",
            "forward_difference",
        ),
        (
            "undoes the steps with arithmetic (+h, -2h, +h) instead of restoring the saved value",
            """def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        x[idx] += h
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
""",
            "arithmetic_restore",
        ),
        (
            "perturbs a copy of x, so a function that reads the array itself sees no change",
            """def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[idx] += h
        x_minus[idx] -= h
        grad[idx] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
""",
            "copies",
        ),
        (
            "ignores the h argument (always uses 1e-5)",
            """def numerical_gradient(f, x, h=1e-5):
    step = 1e-5
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + step
        f_plus = f(x)
        x[idx] = old - step
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * step)
    return grad
""",
            "fixed_h",
        ),
    ],
    "relative_error": [
        (
            "divides entry by entry instead of by the largest entry",
            """def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), np.finfo(float).tiny)))
""",
            "entrywise",
        ),
        (
            "no guard against 0/0 for two zero arrays",
            """def relative_error(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a) + np.abs(b)))
""",
            "no_guard",
        ),
        (
            "normalises by the first array only (not symmetric)",
            """def relative_error(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.finfo(float).tiny))
""",
            "one_sided",
        ),
    ],
    "matmul_backward": [
        (
            "forgets the transposes: dA = dC @ B, dB = A @ dC",
            """def matmul_backward(dC, A, B):
    return dC @ B, A @ dC
""",
            "no_transposes",
        ),
        (
            "transposes the weight-side gradient: dB = dC.T @ A, of shape (M, K)",
            """def matmul_backward(dC, A, B):
    return dC @ B.T, dC.T @ A
""",
            "dB_transposed",
        ),
        (
            "swaps the two rules: dA = A.T @ dC, dB = dC @ B.T",
            """def matmul_backward(dC, A, B):
    return A.T @ dC, dC @ B.T
""",
            "swapped",
        ),
    ],
    "two_layer_gradients": [
        (
            "forgets the ReLU mask on the way back",
            """def two_layer_gradients(X, y, W1, b1, W2, b2):
    N = X.shape[0]
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    dF = (H @ W2 + b2 - y) / N
    dZ1 = dF @ W2.T
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": H.T @ dF, "db2": dF.sum(axis=0)}
""",
            "no_mask",
        ),
        (
            "forgets the 1/N of the mean (gradient of the summed loss)",
            """def two_layer_gradients(X, y, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    dF = H @ W2 + b2 - y
    dZ1 = (dF @ W2.T) * (Z1 > 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": H.T @ dF, "db2": dF.sum(axis=0)}
""",
            "no_mean",
        ),
        (
            "sums the offset gradients over the wrong axis (axis=1)",
            """def two_layer_gradients(X, y, W1, b1, W2, b2):
    N = X.shape[0]
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    dF = (H @ W2 + b2 - y) / N
    dZ1 = (dF @ W2.T) * (Z1 > 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=1), "dW2": H.T @ dF, "db2": dF.sum(axis=1)}
""",
            "axis",
        ),
        (
            "takes the ReLU derivative at 0 to be 1 (mask Z1 >= 0)",
            """def two_layer_gradients(X, y, W1, b1, W2, b2):
    N = X.shape[0]
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    dF = (H @ W2 + b2 - y) / N
    dZ1 = (dF @ W2.T) * (Z1 >= 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": H.T @ dF, "db2": dF.sum(axis=0)}
""",
            "open_at_zero",
        ),
    ],
    "softmax_cross_entropy": [
        (
            "no max shift: exp overflows for large logits",
            """def softmax_cross_entropy(logits, labels):
    N, K = logits.shape
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(np.mean(-np.log(p[np.arange(N), labels])))
    return loss, (p - np.eye(K)[labels]) / N
""",
            "no_shift",
        ),
        (
            "forgets the 1/N in the gradient",
            """def softmax_cross_entropy(logits, labels):
    N, K = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = float(np.mean(log_sum - shifted[np.arange(N), labels]))
    return loss, np.exp(shifted - log_sum[:, None]) - np.eye(K)[labels]
""",
            "no_mean_grad",
        ),
        (
            "returns the probabilities without subtracting the one-hot labels",
            """def softmax_cross_entropy(logits, labels):
    N, K = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = float(np.mean(log_sum - shifted[np.arange(N), labels]))
    return loss, np.exp(shifted - log_sum[:, None]) / N
""",
            "no_one_hot",
        ),
        (
            "sums the loss over the batch instead of averaging",
            """def softmax_cross_entropy(logits, labels):
    N, K = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = float(np.sum(log_sum - shifted[np.arange(N), labels]))
    return loss, (np.exp(shifted - log_sum[:, None]) - np.eye(K)[labels]) / N
""",
            "sum_loss",
        ),
    ],
    "exp_neuron_step": [
        (
            "forgets the activation's derivative da/dz = a (the linear neuron's gradient)",
            """def exp_neuron_step(w, w0, X, y, lr):
    a = np.exp(X @ w + w0)
    delta = 2.0 * (a - y) / len(y)
    return w - lr * (X.T @ delta), float(w0 - lr * np.sum(delta))
""",
            "no_activation_derivative",
        ),
        (
            "forgets the factor 2 of the squared loss",
            """def exp_neuron_step(w, w0, X, y, lr):
    a = np.exp(X @ w + w0)
    delta = (a - y) * a / len(y)
    return w - lr * (X.T @ delta), float(w0 - lr * np.sum(delta))
""",
            "no_two",
        ),
        (
            "steps up the gradient (w + lr * grad)",
            """def exp_neuron_step(w, w0, X, y, lr):
    a = np.exp(X @ w + w0)
    delta = 2.0 * (a - y) * a / len(y)
    return w + lr * (X.T @ delta), float(w0 + lr * np.sum(delta))
""",
            "uphill",
        ),
        (
            "uses the sum over samples instead of the mean",
            """def exp_neuron_step(w, w0, X, y, lr):
    a = np.exp(X @ w + w0)
    delta = 2.0 * (a - y) * a
    return w - lr * (X.T @ delta), float(w0 - lr * np.sum(delta))
""",
            "sum",
        ),
    ],
    "Linear_backward": [
        (
            "missing transpose in du (dv @ W instead of dv @ W.T)",
            _method(_LINEAR, "self.dW = self.u.T @ dv", "self.db = dv.sum(axis=0)", "return dv @ self.W"),
            "du_no_transpose",
        ),
        (
            "transposed weight gradient (dv.T @ u, of shape (n_out, n_in))",
            _method(_LINEAR, "self.dW = dv.T @ self.u", "self.db = dv.sum(axis=0)", "return dv @ self.W.T"),
            "transposed_dW",
        ),
        (
            "sums the offset gradient over the units (axis 1) instead of the samples",
            _method(_LINEAR, "self.dW = self.u.T @ dv", "self.db = dv.sum(axis=1)", "return dv @ self.W.T"),
            "db_axis",
        ),
        (
            "averages the offset gradient over the samples instead of summing",
            _method(_LINEAR, "self.dW = self.u.T @ dv", "self.db = dv.mean(axis=0)", "return dv @ self.W.T"),
            "db_mean",
        ),
        (
            "returns du but never stores dW and db",
            _method(_LINEAR, "return dv @ self.W.T"),
            "not_stored",
        ),
        (
            "accumulates the gradients across backward calls (+=) without resetting them",
            _method(
                _LINEAR,
                "self.dW = self.dW + self.u.T @ dv",
                "self.db = self.db + dv.sum(axis=0)",
                "return dv @ self.W.T",
            ),
            "accumulates",
        ),
    ],
    "ReLU_backward": [
        ("forgets the mask (passes dv through unchanged)", _method(_RELU, "return dv"), "no_mask"),
        ("takes the mask from dv instead of from the input u", _method(_RELU, "return dv * (dv > 0)"), "mask_from_dv"),
        (
            "lets the gradient through at u = 0 (mask u >= 0)",
            _method(_RELU, "return dv * (self.u >= 0)"),
            "open_at_zero",
        ),
        (
            "returns the mask without multiplying by dv",
            _method(_RELU, "return (self.u > 0).astype(float)"),
            "mask_only",
        ),
    ],
    "Tanh_backward": [
        (
            "evaluates the derivative at the input: 1 - u**2",
            _method(_TANH, "return dv * (1.0 - self.u ** 2)"),
            "at_input",
        ),
        ("returns tanh'(u) without multiplying by dv", _method(_TANH, "return 1.0 - self.v ** 2"), "no_dv"),
        ("applies tanh once more: 1 - tanh(v)**2", _method(_TANH, "return dv * (1.0 - np.tanh(self.v) ** 2)"), "twice"),
    ],
    "Sigmoid_backward": [
        (
            "evaluates the derivative at the input: u * (1 - u)",
            _method(_SIGMOID, "return dv * self.u * (1.0 - self.u)"),
            "at_input",
        ),
        ("returns sigmoid'(u) without multiplying by dv", _method(_SIGMOID, "return self.v * (1.0 - self.v)"), "no_dv"),
        ("forgets the (1 - v) factor", _method(_SIGMOID, "return dv * self.v"), "no_one_minus"),
    ],
}

ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "matmul_backward": [
        (
            "through einsum",
            "def matmul_backward(dC, A, B):\n    return np.einsum('ik,jk->ij', dC, B), np.einsum('ki,kj->ij', A, dC)\n",
        )
    ],
    "relative_error": [
        (
            "with an explicit test for two zero arrays",
            """def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.max(np.abs(a) + np.abs(b))
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / scale)
""",
        )
    ],
    "softmax_cross_entropy": [
        (
            "probabilities first, then the gradient by subtracting 1 at the labels",
            """def softmax_cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(labels)
    loss = -np.mean(z[np.arange(n), labels] - np.log(np.exp(z).sum(axis=1)))
    grad = p.copy()
    grad[np.arange(n), labels] -= 1.0
    return float(loss), grad / n
""",
        )
    ],
    "exp_neuron_step": [
        (
            "the gradient written with a loop over samples",
            """def exp_neuron_step(w, w0, X, y, lr):
    gw, g0 = np.zeros_like(w, dtype=float), 0.0
    for x_i, y_i in zip(X, y):
        a = np.exp(x_i @ w + w0)
        gw += 2.0 * (a - y_i) * a * x_i
        g0 += 2.0 * (a - y_i) * a
    return w - lr * gw / len(y), float(w0 - lr * g0 / len(y))
""",
        )
    ],
    "ReLU_backward": [
        (
            "np.where on the saved input",
            _method(_RELU, "return np.where(self.u > 0, dv, 0.0)"),
        )
    ],
    "Tanh_backward": [
        ("(1 - v)(1 + v) from the saved output", _method(_TANH, "return dv * (1.0 - self.v) * (1.0 + self.v)"))
    ],
}
