"""Classic student mistakes for notebook 07 (regularisation).

Each entry maps an exercise name to ``(description, replacement source of the solution cell)``.
The grading harness substitutes the source for the solution cell and checks that exactly the
exercise's own test cell fails.
"""

from __future__ import annotations

MISTAKES: dict[str, list[tuple[str, str]]] = {
    "early_stopping": [
        (
            "returns the epoch with the lowest loss of the whole curve, ignoring the stop",
            """def early_stopping(val_losses, patience):
    best = int(np.argmin(val_losses))
    return best, len(val_losses) - 1
""",
        ),
        (
            "counts a tie as an improvement (<= instead of <)",
            """def early_stopping(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] <= val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, len(val_losses) - 1
""",
        ),
        (
            "off by one: waits patience + 1 epochs before stopping",
            """def early_stopping(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        elif epoch - best > patience:
            return best, epoch
    return best, len(val_losses) - 1
""",
        ),
        (
            "returns the last epoch seen instead of the best one (the weights at the stop)",
            """def early_stopping(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return epoch, epoch
    return len(val_losses) - 1, len(val_losses) - 1
""",
        ),
    ],
    "weight_decay_step": [
        (
            "updates w in place and returns the input array",
            """def weight_decay_step(w, dw, lr, lam):
    w *= 1.0 - 2.0 * lam * lr
    w -= lr * dw
    return w
""",
        ),
        (
            "forgets the factor 2 from the gradient of lam * ||w||^2",
            """def weight_decay_step(w, dw, lr, lam):
    return (1.0 - lam * lr) * w - lr * dw
""",
        ),
        (
            "adds the penalty gradient instead of subtracting it (grows the weights)",
            """def weight_decay_step(w, dw, lr, lam):
    return (1.0 + 2.0 * lam * lr) * w - lr * dw
""",
        ),
        (
            "shrinks by lam alone, without the step size",
            """def weight_decay_step(w, dw, lr, lam):
    return (1.0 - 2.0 * lam) * w - lr * dw
""",
        ),
    ],
    "add_input_noise": [
        (
            "uses std as the variance: noise of standard deviation std**2",
            """def add_input_noise(X, std, rng):
    return X + rng.normal(0.0, std**2, size=np.shape(X))
""",
        ),
        (
            "adds the noise to X in place and returns the input array",
            """def add_input_noise(X, std, rng):
    X += rng.normal(0.0, std, size=np.shape(X))
    return X
""",
        ),
        (
            "draws one noise vector and adds it to every sample (the same noise in every row)",
            """def add_input_noise(X, std, rng):
    return X + rng.normal(0.0, std, size=np.shape(X)[-1])
""",
        ),
        (
            "uniform noise on [-std, std] instead of Gaussian noise",
            """def add_input_noise(X, std, rng):
    return X + rng.uniform(-std, std, size=np.shape(X))
""",
        ),
    ],
    "dropout_forward": [
        (
            "drops units but does not rescale the kept ones by 1/(1-p)",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float), np.ones(np.shape(a))
    mask = (rng.random(np.shape(a)) >= p).astype(float)
    return a * mask, mask
""",
        ),
        (
            "treats p as the probability of keeping a unit",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float), np.ones(np.shape(a))
    mask = (rng.random(np.shape(a)) < p) / p
    return a * mask, mask
""",
        ),
        (
            "rescales at test time as well (multiplies by 1 - p when train is False)",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float) * (1.0 - p), np.full(np.shape(a), 1.0 - p)
    mask = (rng.random(np.shape(a)) >= p) / (1.0 - p)
    return a * mask, mask
""",
        ),
        (
            "applies the mask to a in place and returns the input array",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return a, np.ones(np.shape(a))
    mask = (rng.random(np.shape(a)) >= p) / (1.0 - p)
    a *= mask
    return a, mask
""",
        ),
        (
            "one mask per unit shared by all examples (the same column dropped in every row)",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float), np.ones(np.shape(a))
    mask = np.broadcast_to((rng.random(np.shape(a)[-1]) >= p) / (1.0 - p), np.shape(a)).copy()
    return a * mask, mask
""",
        ),
    ],
    "dropout_backward": [
        (
            "forgets the 1/(1-p) scaling: passes the gradient through a 0/1 mask",
            """def dropout_backward(dout, mask):
    return dout * (mask != 0)
""",
        ),
        (
            "ignores the mask and passes the gradient through unchanged",
            """def dropout_backward(dout, mask):
    return np.array(dout, dtype=float)
""",
        ),
        (
            "multiplies dout by the mask in place and returns the input array",
            """def dropout_backward(dout, mask):
    dout *= mask
    return dout
""",
        ),
    ],
    "batchnorm_forward": [
        (
            "uses the unbiased variance (ddof=1) instead of the biased one",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=0)
    std = np.sqrt(np.var(z, axis=0, ddof=1) + eps)
    z_bar = (z - mu) / std
    return gamma * z_bar + beta, (z_bar, gamma, std)
""",
        ),
        (
            "divides by sigma + eps as in the notes, instead of sqrt(var + eps)",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=0)
    std = np.std(z, axis=0) + eps
    z_bar = (z - mu) / std
    return gamma * z_bar + beta, (z_bar, gamma, std)
""",
        ),
        (
            "normalises each example over its units (axis=1) instead of each unit over the batch",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=1, keepdims=True)
    std = np.sqrt(z.var(axis=1, keepdims=True) + eps)
    z_bar = (z - mu) / std
    return gamma * z_bar + beta, (z_bar, gamma, std)
""",
        ),
        (
            "standardises z in place and returns it as z_bar",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    std = np.sqrt(z.var(axis=0) + eps)
    z -= z.mean(axis=0)
    z /= std
    return gamma * z + beta, (z, gamma, std)
""",
        ),
    ],
    "batchnorm_backward": [
        (
            "leaves out the path through the batch mean",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    d_bar = dout * gamma
    dz = (d_bar - z_bar * (d_bar * z_bar).mean(axis=0)) / std
    return dz, (dout * z_bar).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "leaves out the path through the batch variance",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    d_bar = dout * gamma
    dz = (d_bar - d_bar.mean(axis=0)) / std
    return dz, (dout * z_bar).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "treats the batch statistics as constants: dz = gamma * dout / std",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    return gamma * dout / std, (dout * z_bar).sum(axis=0), dout.sum(axis=0)
""",
        ),
        (
            "returns dgamma and dbeta in the wrong order",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    d_bar = dout * gamma
    dz = (d_bar - d_bar.mean(axis=0) - z_bar * (d_bar * z_bar).mean(axis=0)) / std
    return dz, dout.sum(axis=0), (dout * z_bar).sum(axis=0)
""",
        ),
        (
            "computes d_bar = dout * gamma in place (changes dout)",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * z_bar).sum(axis=0)
    dout *= gamma
    dz = (dout - dout.mean(axis=0) - z_bar * (dout * z_bar).mean(axis=0)) / std
    return dz, dgamma, dbeta
""",
        ),
    ],
}
