"""The sandbox a student's kernel runs in: what it can and cannot see and do."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict

import nbformat
import pytest

from conftest import COURSE, ROOT
from coursekit.grading import grade as grade_module
from coursekit.grading.course import CourseError
from coursekit.grading.executors import execute_submission
from coursekit.grading.sandbox import INNER_HOME, Limits, sandbox_problem
from coursekit.grading.warm_client import WarmStarts

needs_sandbox = pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}")

PROBE = r"""
import json, os, socket, sys
facts = {"uid": os.getuid(), "home": os.environ.get("HOME"), "cwd": os.getcwd()}
facts["cwd_importable"] = any(os.path.abspath(p or ".") == os.getcwd() for p in sys.path)
facts["home_writable"] = os.access(facts["home"], os.W_OK)
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
facts["capabilities"] = int(status["CapEff"].strip(), 16)
facts["no_new_privs"] = status["NoNewPrivs"].strip()
facts["processes"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
facts["sees_course"] = os.path.exists(ROOT_FILE)
facts["sees_solutions"] = os.path.exists(SOLUTIONS)
try:
    socket.create_connection(("1.1.1.1", 53), timeout=3)
    facts["network"] = True
except OSError:
    facts["network"] = False
for name, path in (("write_usr", "/usr/pwned"), ("write_package", PACKAGE_FILE)):
    try:
        open(path, "w").write("x")
        facts[name] = True
    except OSError:
        facts[name] = False
open("own-file.txt", "w").write("mine")
facts["write_own"] = open("own-file.txt").read() == "mine"
facts["data_file"] = open("data.csv").read()
try:
    bytearray(8 * 2**30)
    facts["memory"] = True
except MemoryError:
    facts["memory"] = False
print(json.dumps(facts))
"""


@pytest.fixture(scope="module")
def warm_starts():
    if os.geteuid() != 0:
        pytest.skip("warm starts need root")
    server = WarmStarts()
    yield server
    server.close()


@needs_sandbox
@pytest.mark.parametrize("start", ["cold", "warm"])
def test_sandboxed_kernel_is_confined(tmp_path, start, request):
    warm = request.getfixturevalue("warm_starts") if start == "warm" else None
    code = (
        f"ROOT_FILE = {str(ROOT / 'nbgrader_config.py')!r}\nSOLUTIONS = {str(ROOT / 'solutions')!r}\n"
        f"PACKAGE_FILE = {str(ROOT / 'coursekit' / 'pwned.py')!r}\n" + PROBE
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    result = execute_submission(
        {
            "notebook": nbformat.writes(nb),
            "name": "probe.ipynb",
            "files": {"data.csv": b"a,b\n1,2\n"},
            "limits": asdict(Limits(cell_timeout=60, memory_mb=2048)),
            "sandbox": True,
        },
        warm,
    )
    assert "notebook" in result, result
    outputs = nbformat.reads(result["notebook"], as_version=4).cells[0].outputs
    assert outputs and outputs[0].get("name") == "stdout", outputs
    facts = json.loads(outputs[0]["text"])
    assert facts["uid"] != 0 and facts["capabilities"] == 0 and facts["no_new_privs"] == "1"
    assert len(facts["processes"]) <= 5, facts["processes"]  # its own PID namespace: nothing of the grader's
    assert not facts["sees_course"] and not facts["sees_solutions"]
    assert not facts["network"]
    assert not facts["write_usr"] and not facts["write_package"]
    assert facts["write_own"] and facts["data_file"] == "a,b\n1,2\n"
    assert facts["home"] == INNER_HOME and facts["home_writable"]
    assert not facts["cwd_importable"]  # files handed in cannot stand in for modules
    assert not facts["memory"]
    assert not (ROOT / "coursekit" / "pwned.py").exists()


def test_grading_stops_with_a_clear_message_without_a_sandbox(monkeypatch, tmp_path):
    monkeypatch.setattr(grade_module, "sandbox_problem", lambda: "bwrap not found: install bubblewrap")
    with pytest.raises(CourseError, match="no sandbox can be made here: bwrap not found.*--no-sandbox"):
        grade_module.grade(COURSE, tmp_path, COURSE.assignments()[:1], say=lambda _: None)


@needs_sandbox
def test_without_a_working_warm_start_server_submissions_start_cold(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("warm starts need root")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    payload = {
        "notebook": nbformat.writes(nb),
        "name": "n.ipynb",
        "files": {},
        "limits": asdict(Limits(cell_timeout=60)),
        "sandbox": True,
    }
    server = WarmStarts()
    try:
        os.kill(server.pid, signal.SIGKILL)
        for _ in range(2):  # the first finds the server gone, the second does not try it again
            result = execute_submission(payload, server)
            assert "notebook" in result, result
            assert nbformat.reads(result["notebook"], as_version=4).cells[0].outputs[0]["text"] == "42\n"
        assert "warm-start server" in server.broken
    finally:
        server.close()


def test_a_warm_start_enters_only_the_sandbox_it_was_told_of():
    from coursekit.grading.warm import _enter

    # another process's namespaces (here this one's) are refused before anything is entered
    with pytest.raises(RuntimeError, match="not the sandbox's: its ipc namespace differs"):
        _enter(os.getpid(), "/", {"ipc": 1, "mnt": 1})
