"""The grader's side of warm starts: start the server (:mod:`coursekit.grading.warm`), and run a
submission through it.

For each submission, :func:`run_warm` has bubblewrap build the usual sandbox around a placeholder
process and asks the server to fork the runner and the kernel into that sandbox's namespaces.
Nothing of the student's runs before it is inside. When the server cannot be used,
:class:`WarmStartFailed` says so and the submission starts cold (:mod:`coursekit.grading.sandbox`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from coursekit.grading.sandbox import Limits, bwrap_command, inner_env, seed_matplotlib_cache

__all__ = ["WarmStarts", "WarmStartFailed", "run_warm"]


class WarmStartFailed(RuntimeError):
    """A submission's processes could not be forked into its sandbox (nothing of it ran)."""


class WarmStarts:
    """The client of a warm-start server (:mod:`coursekit.grading.warm`) for one grading run on this machine.

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
        seed_matplotlib_cache(Path(self._home.name))
        env = {**inner_env(), "MPLCONFIGDIR": str(Path(self._home.name) / ".matplotlib")}
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


def run_warm(
    warm: WarmStarts, work: Path, home: Path, name: str, limits: Limits, uid: int, cgroup: list[str]
) -> tuple[bytes, bytes]:
    """Start the sandbox around a placeholder, have ``warm`` fork the runner and kernel into it; their output."""
    import time

    deadline = time.monotonic() + limits.wall_seconds
    info_r, info_w = os.pipe()
    placeholder = ["/bin/sh", "-c", "echo ready && exec cat"]  # waits until the grader closes its input
    cmd = bwrap_command(str(work), placeholder, inner_env(), limits, uid, str(home))
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
                "env": inner_env(),
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
