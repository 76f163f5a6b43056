"""Settings for every test run, nbval's notebook kernels included (they inherit this environment)."""

import os

from coursekit.grading import skip_slow_imports

skip_slow_imports()

# One BLAS thread: the course's matrices are small, and threads fighting over 2 cores make
# notebooks many times slower and their timings erratic.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
