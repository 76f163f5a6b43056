"""The kernel that runs a submission under grading: ``python -m coursekit.grading.kernel -f FILE``.

It is ipykernel's own kernel (``ipykernel_launcher``) without its debugger. ipykernel imports
debugpy at start-up, when it is installed, to serve the debugger panel of JupyterLab; nothing
under grading ever asks for it, and the import and set-up cost about 0.2 s of CPU per
submission. Without debugpy, ipykernel simply leaves the debugger off.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # "import debugpy" now raises ImportError
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()
