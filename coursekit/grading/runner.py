"""Execute one sanitized submission notebook: ``python -m coursekit.grading.runner IN OUT``.

This is the only part of grading that runs student code, and it runs inside the sandbox
(see :mod:`coursekit.grading.sandbox`). It executes the notebook the way nbgrader's
``Execute`` preprocessor does (errors recorded and execution continued, a cell interrupted
after its timeout, ``NBGRADER_EXECUTION=autograde``), and in two ways more robustly:

* when the kernel dies (``os._exit``, a segfault, the CPU or memory limit), the cells run
  so far keep their results and every later code cell gets an error output saying so,
  instead of the whole submission failing;
* outputs are capped in size before the notebook is written back, so a cell printing
  100 MB cannot swamp the grader.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from coursekit.grading import skip_slow_imports

skip_slow_imports()  # this module is a process entry point (python -m coursekit.grading.runner)

import nbformat  # noqa: E402

#: Characters kept of one text output; the rest is replaced by a note.
MAX_TEXT = 100_000
#: Bytes kept of one rich output (an image, HTML); a larger one is replaced by a note.
MAX_DATA = 2_000_000

KERNEL_ARGS = [
    "--HistoryManager.hist_file=:memory:",
    "--InteractiveShell.xmode=Minimal",
    "--IPKernelApp.log_level=CRITICAL",
]


def _error(ename: str, evalue: str) -> Any:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _cap(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT] + f"\n... [{len(text) - MAX_TEXT} more characters cut by the grader]\n"


def cap_outputs(nb: Any) -> Any:
    """Shorten oversized outputs in place (text kept up to :data:`MAX_TEXT` characters)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = _cap(out.get("text", ""))
            elif out.get("output_type") == "error":
                out["evalue"] = _cap(out.get("evalue", ""))
                out["traceback"] = [_cap(t) for t in out.get("traceback", [])[:100]]
            elif "data" in out:
                data = out["data"]
                for mime in list(data):
                    value = data[mime]
                    if len(value if isinstance(value, str) else str(value)) > MAX_DATA:
                        del data[mime]
                        data["text/plain"] = "[output too large, cut by the grader]"
    return nb


def _kernel_manager_class() -> type:
    """jupyter_client's kernel manager, starting :mod:`coursekit.grading.kernel` instead of ipykernel_launcher."""
    from jupyter_client.manager import AsyncKernelManager

    class GradingKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = super().format_kernel_cmd(extra_arguments)
            return ["coursekit.grading.kernel" if arg == "ipykernel_launcher" else arg for arg in cmd]

    return GradingKernelManager


def execute(nb: Any, cwd: str, cell_timeout: int) -> Any:
    """Execute ``nb`` in a fresh python3 kernel in ``cwd``; return it with outputs."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    os.environ["NBGRADER_EXECUTION"] = "autograde"
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        kernel_manager_class=_kernel_manager_class(),
        shutdown_kernel="immediate",  # nothing is left to save: no need to wait for a graceful exit
        allow_errors=True,
        interrupt_on_timeout=True,
        record_timing=False,
        extra_arguments=KERNEL_ARGS,
        resources={"metadata": {"path": cwd}},
        error_on_timeout={
            "ename": "CellTimeoutError",
            "evalue": f"the cell ran for more than {cell_timeout} s and was stopped",
            "traceback": [f"CellTimeoutError: the cell ran for more than {cell_timeout} s and was stopped"],
        },
    )
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    with client.setup_kernel():
        for pos, index in enumerate(code_cells):
            cell = nb.cells[index]
            started = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except CellExecutionError:  # pragma: no cover - allow_errors=True records errors instead
                continue
            except (DeadKernelError, RuntimeError, TimeoutError) as exc:
                reason = type(exc).__name__
                cell.outputs.append(_error("DeadKernelError", f"the kernel died while running this cell ({reason})"))
                for later in code_cells[pos + 1:]:
                    nb.cells[later].outputs = [_error("DeadKernelError", "not run: the kernel died in an earlier cell")]
                break
            if time.monotonic() - started >= cell_timeout:
                _explain_timeout(cell, cell_timeout)
    return nb


def _explain_timeout(cell: Any, cell_timeout: int) -> None:
    """Say that a cell stopped by the timeout was stopped by the timeout (the kernel says KeyboardInterrupt)."""
    message = f"the cell ran for more than {cell_timeout} s and was stopped"
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    for out in errors:
        if out.get("ename") == "KeyboardInterrupt":
            out.update(ename="CellTimeoutError", evalue=message, traceback=[f"CellTimeoutError: {message}"])
    if not errors:
        cell.outputs.append(_error("CellTimeoutError", message))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coursekit.grading.runner")
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--cell-timeout", type=int, default=30)
    args = parser.parse_args(argv)
    nb = nbformat.read(args.source, as_version=4)
    nb = execute(nb, os.path.dirname(os.path.abspath(args.source)), args.cell_timeout)
    cap_outputs(nb)
    tmp = args.target + ".part"
    nbformat.write(nb, tmp)
    os.replace(tmp, args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
