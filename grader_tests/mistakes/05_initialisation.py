"""Classic student mistakes for notebook 05 (initialisation).

Each entry maps an exercise name to ``(description, replacement source of the solution cell, key)``.
The grading harness substitutes the source for the solution cell and checks that exactly the
exercise's own test cell fails, naming the misconception ``key`` of ``coursekit.misconceptions``. The sources run in the notebook's kernel, where ``np``, ``math``
and ``SATURATION_EDGE`` are defined.
"""

from __future__ import annotations

MISTAKES: dict[str, list[tuple[str, ...]]] = {
    "constant_init": [
        (
            "np.full without dtype: an integer value gives an integer array",
            """def constant_init(shape, value):
    return np.full(shape, value)
""",
            "int_dtype",
        ),
        (
            "ignores the value (returns ones)",
            """def constant_init(shape, value):
    return np.ones(shape)
""",
            "ignores_value",
        ),
        (
            "np.zeros(shape) * value: always zero",
            """def constant_init(shape, value):
    return np.zeros(shape) * value
""",
            "zeros",
        ),
    ],
    "normal_init": [
        (
            "passes the variance std**2 as numpy's scale (standard deviation)",
            """def normal_init(shape, std, rng):
    return rng.normal(0.0, std**2, size=shape)
""",
            "variance_as_scale",
        ),
        (
            "draws from numpy's global random state instead of rng",
            """def normal_init(shape, std, rng):
    return np.random.normal(0.0, std, size=shape)
""",
            "global_state",
        ),
        (
            "makes a fresh generator with a fixed seed instead of using rng",
            """def normal_init(shape, std, rng):
    return np.random.default_rng(0).normal(0.0, std, size=shape)
""",
            "fixed_seed",
        ),
        (
            "uniform draws on [-std, std] (the wrong law and the wrong spread)",
            """def normal_init(shape, std, rng):
    return rng.uniform(-std, std, size=shape)
""",
            "uniform",
        ),
    ],
    "lecun_normal": [
        (
            "the notes' wording taken literally: standard deviation 1/fan_in",
            """def lecun_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, 1.0 / fan_in, size=(fan_in, fan_out))
""",
            "std_one_over_fan_in",
        ),
        (
            "transposed shape (fan_out, fan_in)",
            """def lecun_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(1.0 / fan_in), size=(fan_out, fan_in))
""",
            "transposed",
        ),
        (
            "divides by fan_out instead of fan_in",
            """def lecun_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(1.0 / fan_out), size=(fan_in, fan_out))
""",
            "fan_out",
        ),
    ],
    "glorot_normal": [
        (
            "uses the variance 2/(fan_in + fan_out) as the standard deviation",
            """def glorot_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / (fan_in + fan_out), size=(fan_in, fan_out))
""",
            "variance_as_std",
        ),
        (
            "forgets the factor 2: variance 1/(fan_in + fan_out)",
            """def glorot_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(1.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
""",
            "no_two",
        ),
        (
            "uniform draws with the right variance instead of a normal law",
            """def glorot_normal(fan_in, fan_out, rng):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
""",
            "uniform",
        ),
    ],
    "glorot_uniform": [
        (
            "uses the standard deviation sqrt(2/(fan_in + fan_out)) as the bound",
            """def glorot_uniform(fan_in, fan_out, rng):
    limit = math.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
""",
            "std_as_bound",
        ),
        (
            "draws on [0, l] instead of [-l, l]",
            """def glorot_uniform(fan_in, fan_out, rng):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(0.0, limit, size=(fan_in, fan_out))
""",
            "one_sided",
        ),
        (
            "forgets the square root: bound 6/(fan_in + fan_out)",
            """def glorot_uniform(fan_in, fan_out, rng):
    limit = 6.0 / (fan_in + fan_out)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
""",
            "no_root",
        ),
        (
            "a normal law with the Glorot variance instead of a uniform one",
            """def glorot_uniform(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
""",
            "normal",
        ),
    ],
    "he_normal": [
        (
            "divides by fan_out instead of fan_in",
            """def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
""",
            "fan_out",
        ),
        (
            "uses the variance 2/fan_in as the standard deviation",
            """def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))
""",
            "variance_as_std",
        ),
        (
            "LeCun's variance 1/fan_in (forgets the factor 2 for ReLU)",
            """def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
""",
            "lecun",
        ),
    ],
    "activation_stats": [
        (
            "no activation after the last layer",
            """def activation_stats(X, weights, activation):
    functions = {"sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "tanh": np.tanh,
                 "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}
    f = functions[activation]
    A = np.asarray(X, dtype=float)
    stats = []
    for layer, W in enumerate(weights, 1):
        Z = A @ W
        A = f(Z) if layer < len(weights) else Z
        if activation == "relu":
            saturated = Z <= 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(Z) > SATURATION_EDGE[activation]
        stats.append({"mean": float(A.mean()), "std": float(A.std()),
                      "saturated": float(saturated.mean()), "z_std": float(Z.std())})
    return stats
""",
            "last_linear",
        ),
        (
            "sample standard deviation (ddof=1) instead of np.std's default",
            """def activation_stats(X, weights, activation):
    functions = {"sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "tanh": np.tanh,
                 "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}
    f = functions[activation]
    A = np.asarray(X, dtype=float)
    stats = []
    for W in weights:
        Z = A @ W
        A = f(Z)
        if activation == "relu":
            saturated = Z <= 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(Z) > SATURATION_EDGE[activation]
        stats.append({"mean": float(A.mean()), "std": float(A.std(ddof=1)),
                      "saturated": float(saturated.mean()), "z_std": float(Z.std(ddof=1))})
    return stats
""",
            "ddof",
        ),
        (
            "judges saturation from the activations A instead of the pre-activations Z",
            """def activation_stats(X, weights, activation):
    functions = {"sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "tanh": np.tanh,
                 "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}
    f = functions[activation]
    A = np.asarray(X, dtype=float)
    stats = []
    for W in weights:
        Z = A @ W
        A = f(Z)
        if activation == "relu":
            saturated = A <= 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(A) > SATURATION_EDGE[activation]
        stats.append({"mean": float(A.mean()), "std": float(A.std()),
                      "saturated": float(saturated.mean()), "z_std": float(Z.std())})
    return stats
""",
            "saturation_from_a",
        ),
        (
            "ReLU: counts only z < 0 as saturated (the slope at 0 is 0 in this course)",
            """def activation_stats(X, weights, activation):
    functions = {"sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "tanh": np.tanh,
                 "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}
    f = functions[activation]
    A = np.asarray(X, dtype=float)
    stats = []
    for W in weights:
        Z = A @ W
        A = f(Z)
        if activation == "relu":
            saturated = Z < 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(Z) > SATURATION_EDGE[activation]
        stats.append({"mean": float(A.mean()), "std": float(A.std()),
                      "saturated": float(saturated.mean()), "z_std": float(Z.std())})
    return stats
""",
            "relu_zero",
        ),
        (
            "reports the std of the activations as z_std",
            """def activation_stats(X, weights, activation):
    functions = {"sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "tanh": np.tanh,
                 "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}
    f = functions[activation]
    A = np.asarray(X, dtype=float)
    stats = []
    for W in weights:
        Z = A @ W
        A = f(Z)
        if activation == "relu":
            saturated = Z <= 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(Z) > SATURATION_EDGE[activation]
        stats.append({"mean": float(A.mean()), "std": float(A.std()),
                      "saturated": float(saturated.mean()), "z_std": float(A.std())})
    return stats
""",
            "z_std_of_a",
        ),
        (
            "textbook sigmoid 1/(1 + exp(-z)): overflows for large negative z",
            """def activation_stats(X, weights, activation):
    functions = {"sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)), "tanh": np.tanh,
                 "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}
    f = functions[activation]
    A = np.asarray(X, dtype=float)
    stats = []
    for W in weights:
        Z = A @ W
        A = f(Z)
        if activation == "relu":
            saturated = Z <= 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(Z) > SATURATION_EDGE[activation]
        stats.append({"mean": float(A.mean()), "std": float(A.std()),
                      "saturated": float(saturated.mean()), "z_std": float(Z.std())})
    return stats
""",
            "naive_sigmoid",
        ),
    ],
}

# Correct answers written differently from the reference: they pass every test and get no diagnosis.
ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "constant_init": [
        ("ones times the value", "def constant_init(shape, value):\n    return np.ones(shape) * float(value)\n")
    ],
    "normal_init": [
        (
            "std times standard normal draws",
            "def normal_init(shape, std, rng):\n    return std * rng.standard_normal(shape)\n",
        )
    ],
    "lecun_normal": [
        (
            "through the variance",
            "def lecun_normal(fan_in, fan_out, rng):\n    var = 1.0 / fan_in\n    return rng.normal(0.0, var**0.5, (fan_in, fan_out))\n",
        )
    ],
    "glorot_uniform": [
        (
            "a rescaled rng.random",
            "def glorot_uniform(fan_in, fan_out, rng):\n    l = math.sqrt(6.0 / (fan_in + fan_out))\n"
            "    return (2.0 * rng.random((fan_in, fan_out)) - 1.0) * l\n",
        )
    ],
    "he_normal": [
        (
            "sqrt(2) times LeCun",
            "def he_normal(fan_in, fan_out, rng):\n    return math.sqrt(2.0) * rng.normal(0.0, 1.0 / math.sqrt(fan_in), (fan_in, fan_out))\n",
        )
    ],
}
