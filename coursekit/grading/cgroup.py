"""A memory and process limit for a whole submission: one control group (cgroup) per submission.

The per-process limits of the sandbox (``--memory-mb`` is an address-space limit of each process)
do not bound a submission that forks: 200 children of 1 GB each are within every per-process limit
and take the host's memory. A cgroup counts all of a submission's processes together: the kernel,
the process driving it and anything they fork. When they exceed ``memory.max`` the kernel's
out-of-memory killer stops one of them inside the group, and nothing outside it.

Both kinds of hierarchy are supported, under the grader's own cgroup (which must be writable: as
root, or delegated to the grading user):

* cgroup v2 (``/sys/fs/cgroup`` of type ``cgroup2``): ``memory.max``, ``memory.swap.max``,
  ``pids.max``; a kill shows as ``oom_kill`` in ``memory.events``. The grader's cgroup must have
  the ``memory`` and ``pids`` controllers in its ``cgroup.subtree_control`` (systemd gives a
  delegated unit that, e.g. ``systemd-run --user -p Delegate=yes``);
* cgroup v1 (controllers mounted separately, ``/sys/fs/cgroup/memory`` ...):
  ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes`` where swap is accounted),
  ``pids.max``; a kill shows as ``oom_kill`` in ``memory.oom_control`` or a ``memory.failcnt``.

:func:`whole_submission_limits` says which applies here, or why none does. Each submission gets a
group named ``coursekit-<pid>-<n>``; it is emptied (its processes killed) and removed when the
submission is done, and groups a killed run left behind are removed by the next run.
"""

from __future__ import annotations

import itertools
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Hierarchy", "SubmissionGroup", "whole_submission_limits"]

ROOT = Path("/sys/fs/cgroup")
_PREFIX = "coursekit-"
_counter = itertools.count()


def _own_paths() -> dict[str, str]:
    """Controller ('' for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    out = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(",") if controllers else [""]:
            out[c] = path
    return out


@dataclass(frozen=True)
class Hierarchy:
    """Where this process may create submission groups: one folder (v2) or one per controller (v1)."""

    version: int
    parents: dict[str, Path]  # "memory", "pids" (v1) or "" (v2) -> the grader's own cgroup folder

    def describe(self) -> str:
        return f"cgroup v{self.version}"


def _v2() -> tuple[Hierarchy | None, str]:
    own = _own_paths().get("")
    if own is None or not (ROOT / "cgroup.controllers").is_file():
        return None, "no cgroup v2 hierarchy at /sys/fs/cgroup"
    parent = ROOT / own.lstrip("/")
    control = parent / "cgroup.subtree_control"
    try:
        enabled = control.read_text().split()
        if not {"memory", "pids"} <= set(enabled):
            control.write_text("+memory +pids")
    except OSError as exc:
        return None, (
            f"the grader's cgroup {own} does not delegate the memory and pids controllers ({exc.strerror}); "
            "run the grader in a delegated cgroup (e.g. systemd-run -p Delegate=yes)"
        )
    return Hierarchy(2, {"": parent}), ""


def _v1() -> tuple[Hierarchy | None, str]:
    own = _own_paths()
    parents: dict[str, Path] = {}
    for controller in ("memory", "pids"):
        mount = ROOT / controller
        if controller not in own or not (mount / "cgroup.procs").is_file():
            return None, f"no cgroup v1 {controller} controller at {mount}"
        parents[controller] = mount / own[controller].lstrip("/")
    return Hierarchy(1, parents), ""


def whole_submission_limits() -> tuple[Hierarchy | None, str]:
    """The hierarchy to put submissions in, or None and one line saying why there is none."""
    if not ROOT.is_dir():
        return None, "this system has no cgroups (/sys/fs/cgroup)"
    found, why = _v2()
    if found is None:
        v1, why_v1 = _v1()
        if v1 is None:
            return None, why if (ROOT / "cgroup.controllers").is_file() else why_v1
        found = v1
    try:  # can we make a group here at all?
        with SubmissionGroup(found, memory_mb=64, max_processes=8):
            pass
    except OSError as exc:
        return None, f"cannot create a cgroup under the grader's own ({exc.strerror}); grade as root or delegate one"
    return found, ""


def _remove_leftovers(parent: Path) -> None:
    """Remove the empty groups of earlier, killed runs (a group still in use cannot be removed)."""
    for folder in parent.glob(f"{_PREFIX}*"):
        try:
            pid = int(folder.name[len(_PREFIX) :].split("-")[0])
            if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
                _empty(folder)
                folder.rmdir()
        except (ValueError, OSError):
            continue


def _empty(folder: Path) -> None:
    """Kill every process left in a group."""
    try:
        pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
    except OSError:
        return
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class SubmissionGroup:
    """One submission's group; use as a context manager, and :meth:`join` in each process to limit.

    Parameters
    ----------
    hierarchy : Hierarchy
        From :func:`whole_submission_limits`.
    memory_mb : int
        Memory of all the submission's processes together, in MiB (swap not allowed beyond it).
    max_processes : int
        Processes and threads of the submission together.
    """

    hierarchy: Hierarchy
    memory_mb: int
    max_processes: int
    folders: dict[str, Path] = field(default_factory=dict)

    def __enter__(self) -> SubmissionGroup:
        name = f"{_PREFIX}{os.getpid()}-{next(_counter)}"
        for controller, parent in self.hierarchy.parents.items():
            _remove_leftovers(parent)
            folder = parent / name
            folder.mkdir()
            self.folders[controller] = folder
        limit = str(self.memory_mb * 2**20)
        if self.hierarchy.version == 2:
            folder = self.folders[""]
            (folder / "memory.max").write_text(limit)
            if (folder / "memory.swap.max").exists():
                (folder / "memory.swap.max").write_text("0")
            (folder / "pids.max").write_text(str(self.max_processes))
        else:
            memory = self.folders["memory"]
            (memory / "memory.limit_in_bytes").write_text(limit)
            if (memory / "memory.memsw.limit_in_bytes").exists():
                (memory / "memory.memsw.limit_in_bytes").write_text(limit)
            (self.folders["pids"] / "pids.max").write_text(str(self.max_processes))
        return self

    def procs_files(self) -> list[str]:
        """The files a process writes its pid to, to join the group (see :func:`join`)."""
        return [str(folder / "cgroup.procs") for folder in self.folders.values()]

    def memory_killed(self) -> bool:
        """Whether the kernel stopped a process of the group for exceeding its memory."""
        try:
            if self.hierarchy.version == 2:
                events = (self.folders[""] / "memory.events").read_text().split()
                return int(dict(zip(events[::2], events[1::2], strict=False)).get("oom_kill", "0")) > 0
            memory = self.folders["memory"]
            control = (memory / "memory.oom_control").read_text().split()
            kills = dict(zip(control[::2], control[1::2], strict=False)).get("oom_kill")
            if kills is not None:
                return int(kills) > 0
            return int((memory / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def __exit__(self, *exc: object) -> None:
        for folder in self.folders.values():
            _empty(folder)
        for folder in self.folders.values():
            for _ in range(50):  # the killed processes take a moment to leave
                try:
                    folder.rmdir()
                    break
                except OSError:
                    import time

                    time.sleep(0.02)


def join(procs_files: list[str]) -> None:
    """Move the calling process into a group (for ``preexec_fn``: only system calls, no Python locks)."""
    pid = str(os.getpid()).encode()
    for path in procs_files:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, pid)
        finally:
            os.close(fd)
