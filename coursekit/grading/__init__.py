"""nbgrader tooling and the ``coursekit`` command (release, check, grade, lab)."""

import sys

#: Environment for processes that run course notebooks: one BLAS thread. The course's matrices
#: are small, and threads fighting over 2 cores make notebooks many times slower and erratic.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def skip_slow_imports() -> None:
    """Make this process start seconds faster by not importing ``rfc3987_syntax``.

    jsonschema (used by nbformat, which every notebook tool imports) loads that package, if it
    is installed, only to check IRI strings, and it compiles a grammar on import: 2.5 s of every
    command's start-up and of every submission's grading. Notebooks never need that check, and
    jsonschema simply skips it when the import fails. Call this at a process's entry point only.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
