"""Classic student mistakes for notebook 07 (regularisation).

``MISTAKES[name]`` lists ``(description, source[, key])`` entries: ``source`` is a complete
replacement for the solution cell of exercise ``name`` (a full ``def`` with the same signature)
that implements the mistake; ``key``, when given, is the misconception of
``coursekit.misconceptions`` the test cell should name. The grading harness substitutes each one
into the solution notebook and checks that exactly the test cell ``test_<name>`` fails, with
that diagnosis (and with none when no key is given). The notebook's setup cell has already
imported numpy as ``np``.

``ALTERNATIVES[name]`` lists correct answers written differently from the reference: they must
pass every test and get no diagnosis. The tests of the random exercises (input noise, dropout)
check statistics, not one particular draw, so a right answer may draw its noise or its mask in
another way than the reference.
"""

from __future__ import annotations

MISTAKES: dict[str, list[tuple[str, ...]]] = {
    "early_stopping": [
        (
            "returns the epoch with the lowest loss of the whole curve, ignoring the stop",
            """def early_stopping(val_losses, patience):
    best = int(np.argmin(val_losses))
    return best, len(val_losses) - 1
""",
            "whole_curve",
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
            "ties_improve",
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
            "one_late",
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
            "last_epoch",
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
            "in_place",
        ),
        (
            "forgets the factor 2 from the gradient of lam * ||w||^2",
            """def weight_decay_step(w, dw, lr, lam):
    return (1.0 - lam * lr) * w - lr * dw
""",
            "no_two",
        ),
        (
            "adds the penalty gradient instead of subtracting it (grows the weights)",
            """def weight_decay_step(w, dw, lr, lam):
    return (1.0 + 2.0 * lam * lr) * w - lr * dw
""",
            "grows",
        ),
        (
            "shrinks by lam alone, without the step size",
            """def weight_decay_step(w, dw, lr, lam):
    return (1.0 - 2.0 * lam) * w - lr * dw
""",
            "no_lr",
        ),
    ],
    "add_input_noise": [
        (
            "uses std as the variance: noise of standard deviation std**2",
            """def add_input_noise(X, std, rng):
    return X + rng.normal(0.0, std**2, size=np.shape(X))
""",
            "variance",
        ),
        (
            "adds the noise to X in place and returns the input array",
            """def add_input_noise(X, std, rng):
    X += rng.normal(0.0, std, size=np.shape(X))
    return X
""",
            "in_place",
        ),
        (
            "draws one noise vector and adds it to every sample (the same noise in every row)",
            """def add_input_noise(X, std, rng):
    return X + rng.normal(0.0, std, size=np.shape(X)[-1])
""",
            "same_rows",
        ),
        (
            "uniform noise on [-std, std] instead of Gaussian noise",
            """def add_input_noise(X, std, rng):
    return X + rng.uniform(-std, std, size=np.shape(X))
""",
            "uniform",
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
            "no_rescale",
        ),
        (
            "treats p as the probability of keeping a unit",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float), np.ones(np.shape(a))
    mask = (rng.random(np.shape(a)) < p) / p
    return a * mask, mask
""",
            "keep_prob",
        ),
        (
            "rescales at test time as well (multiplies by 1 - p when train is False)",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float) * (1.0 - p), np.full(np.shape(a), 1.0 - p)
    mask = (rng.random(np.shape(a)) >= p) / (1.0 - p)
    return a * mask, mask
""",
            "test_rescale",
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
            "in_place",
        ),
        (
            "one mask per unit shared by all examples (the same column dropped in every row)",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float), np.ones(np.shape(a))
    mask = np.broadcast_to((rng.random(np.shape(a)[-1]) >= p) / (1.0 - p), np.shape(a)).copy()
    return a * mask, mask
""",
            "shared_mask",
        ),
        (
            "plain dropout as in the notes: a 0/1 mask while training, activations times 1 - p at test time",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return (1.0 - p) * np.array(a, dtype=float), np.full(np.shape(a), 1.0 - p)
    keep = (rng.random(np.shape(a)) >= p).astype(float)
    return a * keep, keep
""",
            "plain_dropout",
        ),
    ],
    "dropout_backward": [
        (
            "forgets the 1/(1-p) scaling: passes the gradient through a 0/1 mask",
            """def dropout_backward(dout, mask):
    return dout * (mask != 0)
""",
            "binary_mask",
        ),
        (
            "ignores the mask and passes the gradient through unchanged",
            """def dropout_backward(dout, mask):
    return np.array(dout, dtype=float)
""",
            "ignores_mask",
        ),
        (
            "multiplies dout by the mask in place and returns the input array",
            """def dropout_backward(dout, mask):
    dout *= mask
    return dout
""",
            "in_place",
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
            "unbiased",
        ),
        (
            "divides by sigma + eps as in the notes, instead of sqrt(var + eps)",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=0)
    std = np.std(z, axis=0) + eps
    z_bar = (z - mu) / std
    return gamma * z_bar + beta, (z_bar, gamma, std)
""",
            "sigma_plus_eps",
        ),
        (
            "normalises each example over its units (axis=1) instead of each unit over the batch",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=1, keepdims=True)
    std = np.sqrt(z.var(axis=1, keepdims=True) + eps)
    z_bar = (z - mu) / std
    return gamma * z_bar + beta, (z_bar, gamma, std)
""",
            "wrong_axis",
        ),
        (
            "standardises z in place and returns it as z_bar",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    std = np.sqrt(z.var(axis=0) + eps)
    z -= z.mean(axis=0)
    z /= std
    return gamma * z + beta, (z, gamma, std)
""",
            "in_place",
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
            "no_mean_path",
        ),
        (
            "leaves out the path through the batch variance",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    d_bar = dout * gamma
    dz = (d_bar - d_bar.mean(axis=0)) / std
    return dz, (dout * z_bar).sum(axis=0), dout.sum(axis=0)
""",
            "no_var_path",
        ),
        (
            "treats the batch statistics as constants: dz = gamma * dout / std",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    return gamma * dout / std, (dout * z_bar).sum(axis=0), dout.sum(axis=0)
""",
            "constant_stats",
        ),
        (
            "returns dgamma and dbeta in the wrong order",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    d_bar = dout * gamma
    dz = (d_bar - d_bar.mean(axis=0) - z_bar * (d_bar * z_bar).mean(axis=0)) / std
    return dz, dout.sum(axis=0), (dout * z_bar).sum(axis=0)
""",
            "swapped",
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
            "in_place",
        ),
    ],
}

ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "early_stopping": [
        (
            "a counter of the epochs since the last improvement",
            """def early_stopping(val_losses, patience):
    best, best_loss, waited = 0, val_losses[0], 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best_loss:
            best, best_loss, waited = epoch, val_losses[epoch], 0
        else:
            waited += 1
            if waited == patience:
                return best, epoch
    return best, len(val_losses) - 1
""",
        ),
        (
            "the earliest minimum of each prefix, checked epoch by epoch",
            """def early_stopping(val_losses, patience):
    losses = np.asarray(val_losses, dtype=float)
    for epoch in range(len(losses)):
        best = int(np.argmin(losses[: epoch + 1]))
        if epoch - best >= patience:
            return best, epoch
    return int(np.argmin(losses)), len(losses) - 1
""",
        ),
    ],
    "weight_decay_step": [
        (
            "a gradient step on the penalised loss, its gradient dw + 2 * lam * w written out",
            """def weight_decay_step(w, dw, lr, lam):
    return w - lr * (dw + 2.0 * lam * w)
""",
        ),
    ],
    "add_input_noise": [
        (
            "scaled standard normal noise",
            """def add_input_noise(X, std, rng):
    X = np.asarray(X, dtype=float)
    return X + std * rng.standard_normal(X.shape)
""",
        ),
        (
            "fresh noise drawn sample by sample",
            """def add_input_noise(X, std, rng):
    return X + np.stack([rng.normal(0.0, std, size=np.shape(x)) for x in X])
""",
        ),
    ],
    "dropout_forward": [
        (
            "the kept units drawn with rng.binomial",
            """def dropout_forward(a, p, rng, train=True):
    if not train:
        return np.array(a, dtype=float), np.ones(np.shape(a))
    mask = rng.binomial(1, 1.0 - p, size=np.shape(a)) / (1.0 - p)
    return a * mask, mask
""",
        ),
        (
            "np.where on uniform numbers, keeping where u < 1 - p",
            """def dropout_forward(a, p, rng, train=True):
    a = np.asarray(a, dtype=float)
    if not train:
        return a.copy(), np.ones_like(a)
    mask = np.where(rng.uniform(size=a.shape) < 1.0 - p, 1.0 / (1.0 - p), 0.0)
    return a * mask, mask
""",
        ),
    ],
    "dropout_backward": [
        (
            "np.multiply into a new float array",
            """def dropout_backward(dout, mask):
    return np.multiply(np.asarray(dout, dtype=float), mask)
""",
        ),
    ],
    "batchnorm_forward": [
        (
            "np.var and np.sqrt, centring once",
            """def batchnorm_forward(z, gamma, beta, eps=1e-5):
    centred = z - np.mean(z, axis=0)
    std = np.sqrt(np.var(z, axis=0) + eps)
    z_bar = centred / std
    return z_bar * gamma + beta, (z_bar, gamma, std)
""",
        ),
    ],
    "batchnorm_backward": [
        (
            "the notes' form with the batch size N written out",
            """def batchnorm_backward(dout, cache):
    z_bar, gamma, std = cache
    N = dout.shape[0]
    d_bar = gamma * dout
    dz = (N * d_bar - d_bar.sum(axis=0) - z_bar * np.sum(d_bar * z_bar, axis=0)) / (N * std)
    return dz, np.einsum("ki,ki->i", dout, z_bar), dout.sum(axis=0)
""",
        ),
    ],
}
