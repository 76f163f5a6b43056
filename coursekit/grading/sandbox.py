"""Run student code in a sandbox, and execute a submission there (the grading workers' job).

The sandbox is bubblewrap (``bwrap``) on Linux. Inside it the student's kernel

* has no network (a new network namespace with only loopback);
* sees a read-only system (``/usr``, ``/etc``, the Python installation and the
  ``coursekit`` package) and one writable folder, its own copy of the submission; the
  course (``solutions/``), other submissions and the gradebook are not there at all;
* runs as an unprivileged user with its own temporary HOME, in its own PID namespace;
* is limited in memory (address space), CPU time, processes (no fork bomb) and file size.

:func:`execute_submission` is what a worker runs, on this machine or on a Dask worker: it
takes the sanitized notebook and the submission's other files as data and returns the
executed notebook as data, so it needs no shared file system.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from coursekit.grading import ONE_BLAS_THREAD
from coursekit.grading.cgroup import Hierarchy, SubmissionGroup, join, whole_submission_limits

__all__ = ["Limits", "WarmStarts", "sandbox_problem", "execute_submission"]

#: When the grader is root, each sandbox runs as its own unprivileged user, drawn from this range,
#: so that the process limit (counted per user) of one submission cannot starve another.
SANDBOX_UIDS = range(200_000, 1_000_000)


def _new_uid() -> int:
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
    limit = _prlimit(limits)
    if os.geteuid() == 0:
        drop = [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    else:
        cmd.insert(1, "--unshare-user")
        drop = []
    return cmd + ["--", *drop, *limit, *argv]


def _prlimit(limits: Limits) -> list[str]:
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
        uid = _new_uid()
        _open_up(tmp, uid)
        cmd = bwrap_command(tmp, [sys.executable, "-c", "import numpy, coursekit"], _inner_env(), Limits(), uid)
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start a sandbox: {exc}"
        if out.returncode != 0:
            return f"bubblewrap could not start a sandbox: {out.stderr.strip()[-300:]}"
    return None


def _open_up(folder: str, uid: int) -> None:
    """Give ``folder`` (and what is in it) to the sandbox user ``uid``."""
    if os.geteuid() != 0:
        return
    for root, _dirs, files in os.walk(folder):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid)


def _inner_env(home: str = INNER_HOME) -> dict[str, str]:
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


def _seed_matplotlib_cache(home: Path) -> None:
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


class WarmStartFailed(RuntimeError):
    """A submission's processes could not be forked into its sandbox (nothing of it ran)."""


class WarmStarts:
    """A warm-start server (:mod:`coursekit.grading.warm`) for one grading run on this machine.

    Raises :class:`OSError` or :class:`RuntimeError` when none can be started here (the reason
    is the message); grading then starts each submission cold.
    """

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        """``preload``: modules to import once besides :data:`coursekit.grading.warm.PRELOAD`."""
        import socket

        if os.geteuid() != 0:
            raise RuntimeError("warm starts need root")
        self._lock = threading.Lock()
        self.broken = ""  # why the server can no longer be used
        self._home = tempfile.TemporaryDirectory(prefix="coursekit-warm-")
        _seed_matplotlib_cache(Path(self._home.name))
        env = {**_inner_env(), "MPLCONFIGDIR": str(Path(self._home.name) / ".matplotlib")}
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._channel = ours
        self._proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "coursekit.grading.warm", *preload],
            stdin=theirs.fileno(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=self._home.name,
            start_new_session=True,
        )
        theirs.close()
        self._channel.settimeout(120)
        hello = self._receive()
        if not hello.get("ready"):
            self.close()
            raise RuntimeError(hello.get("error", "the warm-start server did not start"))

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._proc.pid

    def _receive(self) -> dict[str, Any]:
        data = self._channel.recv(1 << 16)
        if not data:
            raise RuntimeError("the warm-start server has stopped")
        return json.loads(data)

    def start(self, request: dict[str, Any], stdout: int, stderr: int) -> None:
        """Fork a runner and a kernel into the sandbox whose init is ``request["pid"]``.

        Raises :class:`WarmStartFailed` when they could not be started; after a failure of the
        server itself (it stopped, or did not answer) every later call fails at once.
        """
        import socket

        with self._lock:
            if self.broken:
                raise WarmStartFailed(self.broken)
            try:
                socket.send_fds(self._channel, [json.dumps(request).encode()], [stdout, stderr])
                reply = self._receive()
            except (OSError, RuntimeError, ValueError) as exc:
                self.broken = f"the warm-start server failed ({type(exc).__name__}: {exc})"
                raise WarmStartFailed(self.broken) from None
        if not reply.get("ok"):
            raise WarmStartFailed(reply.get("error", "the warm start failed"))

    def close(self) -> None:
        self._channel.close()  # the server ends when its channel does
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        self._home.cleanup()


def _read_until(fds: list[int], deadline: float) -> list[bytes] | None:
    """Everything written to the pipes ``fds`` until all are closed; None at ``deadline`` (time.monotonic)."""
    import selectors
    import time

    chunks: dict[int, list[bytes]] = {fd: [] for fd in fds}
    with selectors.DefaultSelector() as sel:
        for fd in fds:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            for key, _ in sel.select(left):
                data = os.read(key.fd, 1 << 16)
                if data:
                    chunks[key.fd].append(data)
                else:
                    sel.unregister(key.fd)
    return [b"".join(chunks[fd]) for fd in fds]


def _run_warm(
    warm: WarmStarts, work: Path, home: Path, name: str, limits: Limits, uid: int, cgroup: list[str]
) -> tuple[bytes, bytes]:
    """Start the sandbox around a placeholder, have ``warm`` fork the runner and kernel into it; their output."""
    import time

    deadline = time.monotonic() + limits.wall_seconds
    info_r, info_w = os.pipe()
    placeholder = ["/bin/sh", "-c", "echo ready && exec cat"]  # waits until the grader closes its input
    cmd = bwrap_command(str(work), placeholder, _inner_env(), limits, uid, str(home))
    cmd[1:1] = ["--info-fd", str(info_w)]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        pass_fds=(info_w,),
        start_new_session=True,
    )
    os.close(info_w)
    out_r = err_r = -1
    try:
        with os.fdopen(info_r, "rb") as info:
            facts = json.loads(info.read() or b"{}")  # bubblewrap closes it once written
        pid = facts.get("child-pid")
        namespaces = {key[: -len("-namespace")]: ino for key, ino in facts.items() if key.endswith("-namespace")}
        if not pid or "mnt" not in namespaces or proc.stdout is None or proc.stdout.readline() != b"ready\n":
            raise WarmStartFailed("the sandbox did not start")
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            request = {
                "pid": pid,
                "namespaces": namespaces,
                "uid": uid,
                "limits": asdict(limits),
                "env": _inner_env(),
                "notebook": name,
                "cell_timeout": limits.cell_timeout,
                "cgroup": cgroup,
            }
            warm.start(request, out_w, err_w)
        finally:
            os.close(out_w)
            os.close(err_w)
        got = _read_until([out_r, err_r], deadline)
        if got is None:
            raise TimeoutError
        return got[0], got[1]
    finally:
        for fd in (out_r, err_r):
            if fd >= 0:
                os.close(fd)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the sandbox, and everything left in it
        except ProcessLookupError:
            pass
        proc.communicate()


@functools.cache
def memory_limit_here() -> tuple[Hierarchy | None, str]:
    """Whether submissions get a whole-submission memory limit on this machine (cached per process)."""
    return whole_submission_limits()


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
        _seed_matplotlib_cache(home)
        uid = _new_uid()
        _open_up(str(work), uid)
        _open_up(str(home), uid)
        argv = [sys.executable, "-P", "-m", "coursekit.grading.runner", name, f"--cell-timeout={limits.cell_timeout}"]
        if use_sandbox and warm is not None:
            try:
                out, err = _run_warm(warm, work, home, name, limits, uid, cgroup)
            except WarmStartFailed:
                pass  # nothing of the submission ran: start it cold below
            except TimeoutError:
                return {"error": f"the notebook ran for more than {limits.wall_seconds} s in total and was stopped"}
            except (OSError, RuntimeError) as exc:
                return {"error": f"could not start the grading process: {exc}"}
            else:
                return _result(out, err, 0)
        if use_sandbox:
            cmd, env = bwrap_command(str(work), argv, _inner_env(), limits, uid, str(home)), None
        else:  # --no-sandbox: the limits still apply, the isolation does not
            limits = Limits(**{**asdict(limits), "max_processes": 4096})
            cmd, env = _prlimit(limits) + argv, {**os.environ, **_inner_env(str(home))}
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
        return _result(out, err, proc.returncode)


def _result(out: bytes, err: bytes, status: int) -> dict[str, Any]:
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
