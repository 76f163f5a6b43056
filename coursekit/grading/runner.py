"""Execute one sanitized submission notebook: ``python -P -m coursekit.grading.runner IN``.

This is the only part of grading that runs student code, and it runs inside the sandbox
(see :mod:`coursekit.grading.sandbox`). It executes the notebook the way nbgrader's
``Execute`` preprocessor does (errors recorded and execution continued, a cell interrupted
after its timeout, ``NBGRADER_EXECUTION=autograde``), and in two ways more robustly:

* when the kernel dies (``os._exit``, a segfault, the CPU or memory limit), the cells run
  so far keep their results and every later code cell gets an error output saying so,
  instead of the whole submission failing;
* outputs are capped in size before the notebook is written back, so a cell printing
  100 MB cannot swamp the grader.

The student's code runs in the kernel, a child process with the same user as this one, so
this process guards what it hands back:

* the executed notebook goes to the grader on this process's standard output, which only
  this process holds: the kernel's standard output is ``/dev/null``, and this process is
  made non-dumpable, so the kernel can neither open its file descriptors under ``/proc``
  nor trace it. A file in the submission folder would not do: the student's code can
  write there, even after this process wrote its result, and then kill it;
* both this process and the kernel start with ``python -P`` (and ``PYTHONSAFEPATH``): the
  submission folder, their working folder, is not on ``sys.path``, so files a student hands
  in (a ``coursekit/`` folder, say) cannot stand in for this module, the test helpers or
  any other import.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from typing import Any

from coursekit.grading import skip_slow_imports

skip_slow_imports()  # this module is a process entry point (python -m coursekit.grading.runner)

import nbformat  # noqa: E402

#: Characters kept of one text output; the rest is replaced by a note.
MAX_TEXT = 100_000
#: prctl(2) option: whether other processes of this user may trace this one or read its /proc files.
PR_SET_DUMPABLE = 4
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
    """jupyter_client's kernel manager, starting ``python -P -m coursekit.grading.kernel`` (not ipykernel_launcher)."""
    from jupyter_client.manager import AsyncKernelManager

    class GradingKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = super().format_kernel_cmd(extra_arguments)
            at = cmd.index("ipykernel_launcher") - 1 if "ipykernel_launcher" in cmd else -1
            if at < 0 or cmd[at] != "-m":
                raise RuntimeError(f"unexpected python3 kernel command: {cmd}")
            return [sys.executable, "-P", *cmd[1:at], "-m", "coursekit.grading.kernel", *cmd[at + 2 :]]

    return GradingKernelManager


def keep_result_private() -> int:
    """Keep this process's standard output for the result alone; return its descriptor.

    Afterwards file descriptor 1 is ``/dev/null`` (the kernel inherits that), the returned
    descriptor is not inherited by the kernel, and the process is non-dumpable.
    """
    import ctypes

    result = os.dup(1)  # non-inheritable (PEP 446): the kernel does not get it
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")
    return result


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def attached_kernel_manager(pid: int, connection_file: str) -> Any:
    """A manager for a kernel that is already running: process ``pid`` of this PID namespace.

    :mod:`coursekit.grading.warm` starts kernels this way. The kernel is not a child of this
    process, so it is watched through ``/proc``, interrupted with SIGINT and stopped with SIGKILL.
    """
    from jupyter_client.manager import AsyncKernelManager

    class AttachedKernelManager(AsyncKernelManager):
        @property
        def has_kernel(self) -> bool:
            return True

        async def _async_is_alive(self) -> bool:
            return _alive(pid)

        async def _async_interrupt_kernel(self) -> None:
            _signal(pid, signal.SIGINT)

        async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            _signal(pid, signal.SIGKILL)

        is_alive = _async_is_alive
        interrupt_kernel = _async_interrupt_kernel
        shutdown_kernel = _async_shutdown_kernel

    km = AttachedKernelManager(connection_file=connection_file)
    km.load_connection_file()
    return km


#: A test cell may take this many times as long as the reference solution took at release ...
TIMEOUT_FACTOR = 20
#: ... but at least this many seconds (and at most the instructor's --cell-timeout): room for a slow, loaded machine.
MIN_TIMEOUT = 10


def cell_timeout(cell: Any, ceiling: int) -> int:
    """Seconds ``cell`` may run: from the reference run's time where release recorded one, else ``ceiling``.

    ``min(ceiling, max(MIN_TIMEOUT, ceil(TIMEOUT_FACTOR * reference_seconds)))``.
    """
    reference = cell.get("metadata", {}).get("coursekit", {}).get("reference_seconds")
    if not isinstance(reference, int | float) or isinstance(reference, bool) or reference < 0:
        return ceiling
    return int(min(ceiling, max(MIN_TIMEOUT, -(-TIMEOUT_FACTOR * reference // 1))))


def execute(nb: Any, cwd: str, ceiling: int, kernel: tuple[int, str] | None = None) -> Any:
    """Execute ``nb`` in a fresh python3 kernel in ``cwd``; return it with outputs.

    Each cell may run for :func:`cell_timeout` seconds, at most ``ceiling``.

    With ``kernel`` (pid, connection file), the notebook runs in that kernel, already started
    for it, which is stopped afterwards.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    os.environ["NBGRADER_EXECUTION"] = "autograde"
    km = attached_kernel_manager(*kernel) if kernel else None
    client = NotebookClient(
        nb,
        km=km,
        timeout=ceiling,
        timeout_func=lambda cell: cell_timeout(cell, ceiling),
        kernel_name="python3",
        kernel_manager_class=_kernel_manager_class(),
        shutdown_kernel="immediate",  # nothing is left to save: no need to wait for a graceful exit
        allow_errors=True,
        interrupt_on_timeout=True,
        record_timing=False,
        extra_arguments=KERNEL_ARGS,
        resources={"metadata": {"path": cwd}},
        # recorded as the cell's error (the run goes on); _explain_timeout says how long and why
        error_on_timeout={
            "ename": "CellTimeoutError",
            "evalue": "the cell ran too long and was stopped",
            "traceback": ["CellTimeoutError: the cell ran too long and was stopped"],
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
                for later in code_cells[pos + 1 :]:
                    nb.cells[later].outputs = [_error("DeadKernelError", "not run: the kernel died in an earlier cell")]
                break
            took = time.monotonic() - started
            # for the class report's slowest cells (kept in the executed notebook, never shown to students)
            _note_seconds(cell, took)
            if took >= cell_timeout(cell, ceiling):
                _explain_timeout(cell, cell_timeout(cell, ceiling))
    if kernel is not None:
        _signal(kernel[0], signal.SIGKILL)
    return nb


def _note_seconds(cell: Any, seconds: float) -> None:
    """Keep how long a cell ran in its metadata (``coursekit.seconds``), replacing whatever a
    submission put there."""
    metadata = cell.setdefault("metadata", {})
    if not isinstance(metadata.get("coursekit"), dict):
        metadata["coursekit"] = {}
    metadata["coursekit"]["seconds"] = round(seconds, 3)


def _explain_timeout(cell: Any, seconds: int) -> None:
    """Say that a cell stopped by the timeout was stopped by the timeout (the kernel says KeyboardInterrupt)."""
    message = f"the cell ran for more than {seconds} s and was stopped"
    reference = cell.get("metadata", {}).get("coursekit", {}).get("reference_seconds")
    if isinstance(reference, int | float):
        took = "well under a second" if reference < 0.5 else f"about {reference:.0f} s"
        message += f"; the reference solution takes {took} here: is there an endless loop?"
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    for out in errors:
        if out.get("ename") in ("KeyboardInterrupt", "CellTimeoutError"):
            out.update(ename="CellTimeoutError", evalue=message, traceback=[f"CellTimeoutError: {message}"])
    if not errors:
        cell.outputs.append(_error("CellTimeoutError", message))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coursekit.grading.runner")
    parser.add_argument("source")
    parser.add_argument("--cell-timeout", type=int, default=30)
    parser.add_argument("--kernel", help="PID:CONNECTION_FILE of a kernel started for this notebook")
    args = parser.parse_args(argv)
    kernel = None
    if args.kernel:
        pid, _, connection = args.kernel.partition(":")
        kernel = (int(pid), connection)
    result = keep_result_private()
    nb = nbformat.read(args.source, as_version=4)
    nb = execute(nb, os.path.dirname(os.path.abspath(args.source)), args.cell_timeout, kernel)
    cap_outputs(nb)
    with os.fdopen(result, "w", encoding="utf-8") as out:
        nbformat.write(nb, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
