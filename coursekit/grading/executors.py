"""Where submissions are executed: local threads that each drive a sandboxed process, or a Dask cluster.

:func:`execute_submission` is what a worker runs, on this machine or on a Dask worker: it takes the
sanitized notebook and the submission's other files as data (:func:`payload`) and returns the
executed notebook as data, so it needs no shared file system. Locally and sandboxed, the processes
are forked from a warm-start server when one can be started (:mod:`coursekit.grading.warm_client`);
:attr:`Executor.warm_problem` says why not otherwise.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from coursekit.grading.cgroup import SubmissionGroup, join
from coursekit.grading.course import CourseError
from coursekit.grading.sandbox import (
    Limits,
    bwrap_command,
    inner_env,
    memory_limit_here,
    new_uid,
    open_up,
    prlimit,
    runner_result,
    sandbox_problem,
    seed_matplotlib_cache,
)
from coursekit.grading.warm_client import WarmStartFailed, WarmStarts, run_warm

__all__ = ["Executor", "payload", "execute_submission"]


def payload(notebook: str, name: str, folder: Path, limits: Limits, sandbox: bool) -> dict[str, Any]:
    """What a worker needs to execute one notebook: its JSON text, the files handed in beside it, the limits."""
    files = {
        str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.suffix != ".ipynb"
    }
    return {"notebook": notebook, "name": f"{name}.ipynb", "files": files, "limits": asdict(limits), "sandbox": sandbox}


class Executor:
    """Runs :func:`execute_submission` on ``jobs`` local threads, or on Dask.

    Parameters
    ----------
    jobs : int
        Notebooks executed at once (locally).
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:port``) to execute on instead.
    warm : bool
        Start a warm-start server (local, sandboxed, as root), importing ``preload`` besides its own list.
    """

    def __init__(self, jobs: int, scheduler: str | None = None, *, warm: bool = False, preload: tuple[str, ...] = ()):
        self.client = None
        self.warm: WarmStarts | None = None
        self.warm_problem = ""
        if warm and not scheduler:
            try:
                self.warm = WarmStarts(preload)
            except (OSError, RuntimeError) as exc:
                self.warm_problem = str(exc)
        if scheduler:
            try:
                from distributed import Client
            except ImportError:
                raise CourseError("--scheduler needs Dask: pip install 'distributed'") from None
            try:
                self.client = Client(scheduler, timeout=30)
            except OSError as exc:
                raise CourseError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        else:
            self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, job: dict[str, Any]) -> Any:
        """Start executing ``job`` (see :func:`payload`); a future of its result."""
        if self.client is not None:
            return self.client.submit(execute_submission, job, pure=False)
        return self.pool.submit(execute_submission, job, self.warm)

    def as_completed(self, futures: list[Any]) -> Iterator[Any]:
        if self.client is not None:
            from distributed import as_completed

            return iter(as_completed(futures))
        return concurrent.futures.as_completed(futures)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        else:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.warm is not None:
            self.warm.close()


def execute_submission(payload: dict[str, Any], warm: WarmStarts | None = None) -> dict[str, Any]:
    """Execute one sanitized notebook in its own cgroup where one can be made; see :func:`_execute`."""
    limits = Limits(**payload.get("limits", {}))
    hierarchy, _ = memory_limit_here()
    if hierarchy is None:
        return _execute(payload, warm, [])
    try:
        group = SubmissionGroup(hierarchy, limits.total_memory_mb, limits.max_processes).__enter__()
    except OSError:
        return _execute(payload, warm, [])
    try:
        result = _execute(payload, warm, group.procs_files())
        if group.memory_killed():
            result = _memory_killed(result, limits.total_memory_mb)
        return result
    finally:
        group.__exit__(None, None, None)


def _memory_killed(result: dict[str, Any], total_mb: int) -> dict[str, Any]:
    """Say "memory limit" where the kernel's out-of-memory killer stopped a process of the submission."""
    why = f"memory limit: the notebook's processes together used more than {total_mb} MiB and one was stopped"
    if "notebook" not in result:
        return {"error": why}
    nb = json.loads(result["notebook"])
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") == "DeadKernelError":
                out["evalue"] = f"{why} ({out.get('evalue', '')})"
                out["traceback"] = [f"DeadKernelError: {out['evalue']}"]
    return {**result, "notebook": json.dumps(nb)}


def _execute(payload: dict[str, Any], warm: WarmStarts | None, cgroup: list[str]) -> dict[str, Any]:
    """Execute one sanitized notebook; runs on a grading worker.

    Parameters
    ----------
    payload : dict
        ``notebook`` (the sanitized notebook as JSON text), ``name`` (its file name),
        ``files`` (relative path -> bytes of the submission's other files), ``limits``
        (a :class:`Limits` as a dict) and ``sandbox`` (bool).
    warm : WarmStarts, optional
        Fork the runner and kernel from this server instead of starting them (sandboxed only).
    cgroup : list of str
        ``cgroup.procs`` files the submission's processes join before anything of it runs.

    Returns
    -------
    dict
        ``notebook``: the executed notebook as JSON text, or ``error``: a one-line reason.
    """
    limits = Limits(**payload.get("limits", {}))
    use_sandbox = payload.get("sandbox", True)
    if use_sandbox and (problem := sandbox_problem()):
        return {"error": f"no sandbox: {problem}"}
    name = payload.get("name", "submission.ipynb")
    with tempfile.TemporaryDirectory(prefix="coursekit-grade-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        for rel, data in payload.get("files", {}).items():
            dest = (work / rel).resolve()
            if work.resolve() not in dest.parents:
                continue  # a path escaping the folder is ignored
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (work / name).write_text(payload["notebook"], encoding="utf-8")
        home = Path(tmp) / "home"
        home.mkdir()
        seed_matplotlib_cache(home)
        uid = new_uid()
        open_up(str(work), uid)
        open_up(str(home), uid)
        argv = [sys.executable, "-P", "-m", "coursekit.grading.runner", name, f"--cell-timeout={limits.cell_timeout}"]
        if use_sandbox and warm is not None:
            try:
                out, err = run_warm(warm, work, home, name, limits, uid, cgroup)
            except WarmStartFailed:
                pass  # nothing of the submission ran: start it cold below
            except TimeoutError:
                return {"error": f"the notebook ran for more than {limits.wall_seconds} s in total and was stopped"}
            except (OSError, RuntimeError) as exc:
                return {"error": f"could not start the grading process: {exc}"}
            else:
                return runner_result(out, err, 0)
        if use_sandbox:
            cmd, env = bwrap_command(str(work), argv, inner_env(), limits, uid, str(home)), None
        else:  # --no-sandbox: the limits still apply, the isolation does not
            limits = Limits(**{**asdict(limits), "max_processes": 4096})
            cmd, env = prlimit(limits) + argv, {**os.environ, **inner_env(str(home))}
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=work,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env=env,
                preexec_fn=(lambda: join(cgroup)) if cgroup else None,
            )
            try:
                out, err = proc.communicate(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                return {"error": f"the notebook ran for more than {limits.wall_seconds} s in total and was stopped"}
        except OSError as exc:
            return {"error": f"could not start the grading process: {exc}"}
        return runner_result(out, err, proc.returncode)
