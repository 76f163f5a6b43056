"""Warm starts: each submission's runner and kernel forked from one process that imported their libraries once.

Every submission needs two Python processes: the runner (:mod:`coursekit.grading.runner`,
which drives the notebook with nbclient) and the kernel (ipykernel), in which the notebook
imports numpy, matplotlib, ipywidgets and coursekit. Started from nothing, the two spend most
of a submission's CPU time importing: about 1.5 s of 3 for notebook 01. A warm server imports
all of that once per grading run; for each submission it forks a runner and a kernel straight
into that submission's sandbox.

The sandbox is made by bubblewrap exactly as for a cold start
(:func:`coursekit.grading.sandbox.bwrap_command`: the same mounts, namespaces and user), around
a placeholder command that only waits. The server, root and outside any sandbox, forks a child
that enters the placeholder's namespaces (mount, PID, network, IPC, UTS, cgroup) and root
folder. The child forks the kernel and the runner, which then become the sandbox's user (its
own uid, no groups), take the sandbox's resource limits, environment and working folder, can
gain no privileges, keep no file descriptor of the server's, and only then run anything of the
submission's. They end up where a cold start's runner and kernel would be, as the same user,
under the same limits, seeing the same files, and the placeholder's end (or the grader's kill)
ends them as it ends the sandbox.

Only root may enter another process's namespaces; for other users grading starts cold.

``python -P -m coursekit.grading.warm``, with standard input a Unix socket (SOCK_SEQPACKET) to the
grader. The server sends ``{"ready": true}`` (or ``{"error": ...}``) once it has imported
everything. Then each request is a JSON object with two file descriptors attached (where the
runner's standard output and error go)::

    {"pid": host pid of the sandbox's init, "namespaces": {"mnt": inode, ...} as bubblewrap reported
     them, "uid": sandbox user, "limits": Limits as a dict,
     "env": the sandbox's environment, "notebook": file name in the working folder,
     "cell_timeout": seconds}

and each reply ``{"ok": true}`` or ``{"error": "..."}``.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import socket
import sys
import threading
import traceback
from typing import Any

from coursekit.grading import skip_slow_imports

#: What the server imports before it forks anything: the runner's libraries, the kernel's, and what
#: every course notebook imports; the grading run adds the reference modules of its assignments
#: (``course.toml``) on the command line.
PRELOAD = (
    "nbformat",
    "nbclient",
    "jupyter_client",
    "zmq",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython",
    "numpy",
    "matplotlib",
    "matplotlib.pyplot",
    "ipywidgets",
    "tqdm.auto",
    "coursekit",
    "coursekit.checks",
    "coursekit.plotting",
    "coursekit.progress",
    "coursekit.grading.runner",
)

#: The namespaces a sandbox's processes share (see bubblewrap's --unshare-* options), entered in this order.
NAMESPACES = ("ipc", "uts", "net", "cgroup", "pid", "mnt")
#: The kernel's ports on the sandbox's own loopback (the sandbox has its own network namespace).
KERNEL_PORTS = {"shell_port": 40001, "iopub_port": 40002, "stdin_port": 40003, "control_port": 40004, "hb_port": 40005}
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _proc(pid: int, *parts: str) -> str:
    """A file of process ``pid`` under /proc."""
    return os.path.join("/proc", str(pid), *parts)


def _enter(pid: int, workdir: str, expected: dict[str, int]) -> None:
    """Enter the namespaces and root folder of process ``pid``; chdir to ``workdir`` there.

    ``expected`` maps namespace names to the inode numbers bubblewrap reported for its
    sandbox: a different process that took over the pid would not have them.
    """
    fds = [os.open(_proc(pid, "ns", ns), os.O_RDONLY | os.O_CLOEXEC) for ns in NAMESPACES]
    for ns, fd in zip(NAMESPACES, fds, strict=True):
        if ns in expected and os.fstat(fd).st_ino != expected[ns]:
            raise RuntimeError(f"process {pid} is not the sandbox's: its {ns} namespace differs")
    root = os.open(_proc(pid, "root"), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    for ns, fd in zip(NAMESPACES, fds, strict=True):
        _check(_libc.setns(fd, 0), f"setns({ns})")
        os.close(fd)
    os.fchdir(root)
    os.chroot(".")
    os.close(root)
    os.chdir(workdir)


def _become(request: dict[str, Any], stdout: int, stderr: int) -> None:
    """Turn this (forked, root) process into one of the sandbox's: user, limits, environment, descriptors."""
    import resource

    from coursekit.grading.sandbox import Limits

    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for target, source in ((0, devnull), (1, stdout), (2, stderr)):
        os.dup2(source, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    limits = Limits(**request["limits"])
    for which, value in (
        (resource.RLIMIT_AS, limits.memory_mb * 2**20),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_NPROC, limits.max_processes),
        (resource.RLIMIT_FSIZE, limits.max_file_mb * 2**20),
    ):
        resource.setrlimit(which, (value, value))
    uid = int(request["uid"])
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    os.environ.clear()
    os.environ.update(request["env"])


def _connection_file(uid: int) -> str:
    """Write the kernel's connection file in the sandbox's temporary folder (only root may create files there)."""
    from coursekit.grading.sandbox import INNER_TMP

    info = {
        **KERNEL_PORTS,
        "ip": "127.0.0.1",
        "key": secrets.token_hex(32),
        "transport": "tcp",
        "signature_scheme": "hmac-sha256",
        "kernel_name": "python3",
    }
    path = os.path.join(INNER_TMP, "kernel.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(info, fh)
    os.chown(path, uid, uid)
    return path


def _start(request: dict[str, Any], stdout: int, stderr: int) -> None:
    """In a child of the server: enter the sandbox and fork its kernel and its runner."""
    from coursekit.grading.runner import KERNEL_ARGS
    from coursekit.grading.sandbox import INNER_WORK

    if request.get("cgroup"):  # the whole submission's memory and process limit, before anything of it runs
        from coursekit.grading.cgroup import join

        join(request["cgroup"])
    _enter(int(request["pid"]), INNER_WORK, {ns: int(ino) for ns, ino in request["namespaces"].items()})
    connection = _connection_file(int(request["uid"]))
    told_r, told_w = os.pipe()
    kernel = os.fork()
    if kernel == 0:  # the kernel: says its pid (as the sandbox sees it), becomes the sandbox's, serves
        code = 1
        try:
            os.write(told_w, str(os.getpid()).encode())
            _become(request, os.open(os.devnull, os.O_WRONLY), os.open(os.devnull, os.O_WRONLY))
            from ipykernel.kernelapp import IPKernelApp

            IPKernelApp.launch_instance(argv=["-f", connection, *KERNEL_ARGS])
            code = 0
        finally:
            os._exit(code)
    os.close(told_w)
    kernel_pid = int(os.read(told_r, 32) or b"0")
    if kernel_pid <= 0:
        raise RuntimeError("the kernel did not start")
    runner = os.fork()
    if runner == 0:
        code = 1
        try:
            _become(request, stdout, stderr)
            from coursekit.grading.runner import main

            code = main(
                [
                    request["notebook"],
                    f"--cell-timeout={int(request['cell_timeout'])}",
                    f"--kernel={kernel_pid}:{connection}",
                ]
            )
        except BaseException:  # noqa: BLE001 - the grader reads the reason on the runner's stderr
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(code)


def _reap() -> None:
    """Collect the runners and kernels that have ended (this process adopts them: it is their subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _serve(channel: socket.socket) -> None:
    while True:
        _reap()
        message, fds, _flags, _addr = socket.recv_fds(channel, 1 << 20, 2)
        if not message:
            return
        try:
            request = json.loads(message)
            if len(fds) != 2:
                raise ValueError(f"expected 2 file descriptors, got {len(fds)}")
            child = os.fork()
            if child == 0:
                code = 70
                try:
                    _start(request, *fds)
                    code = 0
                except BaseException:  # noqa: BLE001 - reported through the exit status
                    traceback.print_exc()
                finally:
                    os._exit(code)
            _, status = os.waitpid(child, 0)
            reply = {"ok": True} if status == 0 else {"error": f"could not start the submission (status {status})"}
        except (OSError, ValueError) as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            for fd in fds:
                os.close(fd)
        channel.send(json.dumps(reply).encode())


def main() -> int:
    channel = socket.socket(fileno=0)
    skip_slow_imports()
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # as coursekit.grading.kernel: no debugger
    try:
        import importlib

        for name in (*PRELOAD, *sys.argv[1:]):
            importlib.import_module(name)
        if threading.active_count() != 1:
            raise RuntimeError(f"{threading.active_count()} threads after the imports; forking needs one")
        if os.geteuid() != 0:
            raise RuntimeError("warm starts need root (to enter the sandboxes' namespaces)")
    except Exception as exc:  # noqa: BLE001 - the grader falls back to cold starts and says why
        channel.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        return 1
    # The runners and kernels outlive the child that forks them; they become this process's
    # children (not the machine's init's), and _serve collects them when they end.
    _check(_libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")
    channel.send(json.dumps({"ready": True}).encode())
    _serve(channel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
