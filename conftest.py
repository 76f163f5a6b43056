"""Settings for every test run, nbval's notebook kernels included (they inherit this environment)."""

import os

from coursekit.grading import ONE_BLAS_THREAD, skip_slow_imports

skip_slow_imports()

for _var, _value in ONE_BLAS_THREAD.items():
    os.environ.setdefault(_var, _value)
