"""Where submissions are executed: local threads that each drive a sandboxed process, or a Dask cluster.

Locally and sandboxed, the processes are forked from a warm-start server when one can be started
(:mod:`coursekit.grading.warm`); :attr:`Executor.warm_problem` says why not otherwise.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from coursekit.grading.course import CourseError
from coursekit.grading.sandbox import Limits, WarmStarts, execute_submission

__all__ = ["Executor", "payload"]


def payload(notebook: str, name: str, folder: Path, limits: Limits, sandbox: bool) -> dict[str, Any]:
    """What a worker needs to execute one notebook: its JSON text, the files handed in beside it, the limits."""
    files = {
        str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.suffix != ".ipynb"
    }
    return {"notebook": notebook, "name": f"{name}.ipynb", "files": files, "limits": asdict(limits), "sandbox": sandbox}


class Executor:
    """Runs :func:`coursekit.grading.sandbox.execute_submission` on ``jobs`` local threads, or on Dask.

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
