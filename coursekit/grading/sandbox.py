"""The sandbox student code runs in, and the limits it runs under.

The sandbox is bubblewrap (``bwrap``) on Linux. Inside it the student's kernel

* has no network (a new network namespace with only loopback);
* sees a read-only system (``/usr``, ``/etc``, the Python installation and the
  ``coursekit`` package) and one writable folder, its own copy of the submission; the
  course (``solutions/``), other submissions and the gradebook are not there at all;
* runs as an unprivileged user with its own temporary HOME, in its own PID namespace;
* is limited in memory (address space), CPU time, processes (no fork bomb) and file size.

Submissions are executed in it by :func:`coursekit.grading.executors.execute_submission`, started
cold (``bwrap`` runs the runner) or warm (:mod:`coursekit.grading.warm_client`).
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursekit.grading import ONE_BLAS_THREAD
from coursekit.grading.cgroup import Hierarchy, whole_submission_limits

__all__ = [
    "Limits",
    "bwrap_command",
    "inner_env",
    "memory_limit_here",
    "new_uid",
    "open_up",
    "prlimit",
    "runner_result",
    "sandbox_problem",
    "seed_matplotlib_cache",
]

#: When the grader is root, each sandbox runs as its own unprivileged user, drawn from this range,
#: so that the process limit (counted per user) of one submission cannot starve another.
SANDBOX_UIDS = range(200_000, 1_000_000)


def new_uid() -> int:
    return SANDBOX_UIDS[secrets.randbelow(len(SANDBOX_UIDS))]


#: Where the submission's folder appears inside the sandbox.
INNER_WORK = "/submission"
#: The sandbox's home folder: fresh, and apart from the submission, so that files a student
#: hands in (``.ipython/profile_default/startup/``, say) are never configuration.
INNER_HOME = "/home/student"
#: The sandbox's temporary folder: its own (a tmpfs), where only root may create files.
INNER_TMP = "/tmp"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's execution.

    Attributes
    ----------
    cell_timeout : int
        Seconds one cell may run before it is interrupted (it then scores zero).
    cpu_seconds : int
        CPU seconds the kernel may use for the whole notebook (then it is killed).
    memory_mb : int
        Address space of each process, in MiB.
    wall_seconds : int
        Wall-clock seconds for the whole notebook, kernel start included.
    max_processes : int
        Processes the sandbox user may have at once.
    max_file_mb : int
        Largest file the code may write, in MiB.
    max_notebook_mb : int
        Largest notebook a student may hand in, in MiB; a larger one is refused before anything
        runs (the course's notebooks, outputs included, are about 1 MiB).
    total_memory_mb : int
        Memory of all the submission's processes together, in MiB, where a cgroup can be made
        (:mod:`coursekit.grading.cgroup`); elsewhere only ``memory_mb`` per process applies.
    """

    cell_timeout: int = 60
    cpu_seconds: int = 300
    memory_mb: int = 3072
    wall_seconds: int = 600
    max_processes: int = 256
    max_file_mb: int = 200
    max_notebook_mb: int = 8
    total_memory_mb: int = 4096


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _system_mounts() -> list[str]:
    """bwrap arguments for the read-only system: /usr and /etc, and /bin, /lib... as on the host."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _readonly_paths() -> list[str]:
    """What the sandboxed interpreter needs besides the system: Python and the coursekit package."""
    import coursekit

    paths = [sys.base_prefix, sys.prefix, str(Path(coursekit.__file__).resolve().parent)]
    out: list[str] = []
    for p in paths:
        real = os.path.realpath(p)
        covered = any(real == q or real.startswith(q + "/") for q in ("/usr", "/etc", *out))
        if os.path.exists(real) and not covered:
            out.append(real)
    return sorted(out, key=len)


def bwrap_command(
    work: str, argv: list[str], env: dict[str, str], limits: Limits, uid: int, home: str | None = None
) -> list[str]:
    """The command that runs ``argv`` in the sandbox with ``work`` (and ``home``) as its only writable folders.

    ``work`` appears as :data:`INNER_WORK`, the working folder, and ``home`` as :data:`INNER_HOME`.
    As root, the code runs as the unprivileged ``uid`` (which must own both).
    """
    cmd = [
        "bwrap",
        "--die-with-parent",
        "--new-session",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--clearenv",
    ]
    # A private /tmp first: the binds below may live under /tmp (a checkout there) and must stay
    # visible on top of it.
    cmd += _system_mounts() + ["--tmpfs", INNER_TMP, "--proc", "/proc", "--dev", "/dev"]
    made: set[str] = set()
    for path in _readonly_paths():
        for anc in _ancestors(path):
            if anc not in made:
                cmd += ["--perms", "0755", "--dir", anc]
                made.add(anc)
        cmd += ["--ro-bind", path, path]
    cmd += ["--bind", work, INNER_WORK]
    if home is not None:
        cmd += ["--perms", "0755", "--dir", os.path.dirname(INNER_HOME), "--bind", home, INNER_HOME]
    cmd += ["--chdir", INNER_WORK]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    limit = prlimit(limits)
    if os.geteuid() == 0:
        drop = [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    else:
        cmd.insert(1, "--unshare-user")
        drop = []
    return cmd + ["--", *drop, *limit, *argv]


def prlimit(limits: Limits) -> list[str]:
    return [
        shutil.which("prlimit") or "prlimit",
        f"--as={limits.memory_mb * 1024 * 1024}",
        f"--cpu={limits.cpu_seconds}",
        f"--nproc={limits.max_processes}",
        f"--fsize={limits.max_file_mb * 1024 * 1024}",
        "--",
    ]


@functools.cache
def sandbox_problem() -> str | None:
    """Why no sandbox can be made here, or None when one can (checked once by running one)."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (bubblewrap); this is {sys.platform}"
    missing = [
        tool
        for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ())
        if shutil.which(tool) is None
    ]
    if missing:
        return (
            f"{', '.join(missing)} not found: install bubblewrap and util-linux "
            "(Debian/Ubuntu: apt-get install bubblewrap)"
        )
    with tempfile.TemporaryDirectory(prefix="coursekit-sandbox-check-") as tmp:
        uid = new_uid()
        open_up(tmp, uid)
        cmd = bwrap_command(tmp, [sys.executable, "-c", "import numpy, coursekit"], inner_env(), Limits(), uid)
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start a sandbox: {exc}"
        if out.returncode != 0:
            return f"bubblewrap could not start a sandbox: {out.stderr.strip()[-300:]}"
    return None


def open_up(folder: str, uid: int) -> None:
    """Give ``folder`` (and what is in it) to the sandbox user ``uid``."""
    if os.geteuid() != 0:
        return
    for root, _dirs, files in os.walk(folder):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid)


def inner_env(home: str = INNER_HOME) -> dict[str, str]:
    return {
        "HOME": home,
        # No import from the working folder, which is the student's (see coursekit.grading.runner).
        "PYTHONSAFEPATH": "1",
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        # Under grading, figures are built but never rendered: drawing them is most of a
        # notebook's run time, and no test looks at pixels. (plt.show() is then a no-op.)
        "MPLBACKEND": "agg",
        "PYTHONWARNINGS": "ignore:FigureCanvasAgg is non-interactive:UserWarning",
        "MPLCONFIGDIR": home + "/.matplotlib",
        "JUPYTER_RUNTIME_DIR": home + "/.runtime",
        "IPYTHONDIR": home + "/.ipython",
        **ONE_BLAS_THREAD,
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "NBGRADER_EXECUTION": "autograde",
    }


def seed_matplotlib_cache(home: Path) -> None:
    """Copy the grader's matplotlib font cache in, so the kernel does not rebuild it each time."""
    try:
        import matplotlib

        cache = Path(matplotlib.get_cachedir())
    except Exception:  # noqa: BLE001 - a missing cache only costs time
        return
    target = home / ".matplotlib"
    target.mkdir(parents=True, exist_ok=True)
    for f in cache.glob("fontlist-*.json"):
        shutil.copy(f, target / f.name)


@functools.cache
def memory_limit_here() -> tuple[Hierarchy | None, str]:
    """Whether submissions get a whole-submission memory limit on this machine (cached per process)."""
    return whole_submission_limits()


def runner_result(out: bytes, err: bytes, status: int) -> dict[str, Any]:
    """The runner's result: the notebook it wrote on its own standard output, if it finished.

    A student's code that kills the runner cannot leave a result of its own making: the output
    is then empty or cut short (the runner writes it at the very end, in one go).
    """
    if status != 0 or not out:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {status}"]
        return {"error": f"the grading process ended without a result ({tail[0][:200]})"}
    try:
        text = out.decode("utf-8")
        json.loads(text)
    except ValueError:
        return {"error": "the grading process ended without a result (its output was cut short)"}
    return {"notebook": text}
