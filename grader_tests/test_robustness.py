"""No data lost: killed runs resume to the same gradebook; sequential, parallel, repeated and Dask
runs agree."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from conftest import ASSIGNMENTS, COURSE, ROOT, load_mistakes
from coursekit.grading.examples import answer_ids, example_class, fill, write_submission
from coursekit.grading.grade import grade
from coursekit.grading.sandbox import Limits, sandbox_problem

A = "01_linear_collapse"
LIMITS = Limits(cell_timeout=20, wall_seconds=240)
pytestmark = [
    pytest.mark.skipif(A not in ASSIGNMENTS, reason="notebook 01 is not among the assignments under test"),
    pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}"),
]


def _make_class(ws: Path) -> None:
    """Six submissions: reference, untouched, partial, one mistake, one delegation, one broken file."""
    for sid, notebooks in example_class(COURSE, A).items():
        for name, nb in notebooks.items():
            write_submission(ws / "submitted", sid, A, nb, notebook=name)
    student = nbformat.read(COURSE.student(A), as_version=4)
    solution = nbformat.read(COURSE.solution(A), as_version=4)
    mistakes = load_mistakes(A)
    wrong = mistakes["relu_network"][0][1]
    write_submission(
        ws / "submitted", "mistaken", A, fill(student, solution, answer_ids(student), overrides={"relu_network": wrong})
    )
    delegating = (
        "from coursekit.linear import least_squares_fit as lsq\n\ndef least_squares_fit(X, y):\n    return lsq(X, y)\n"
    )
    write_submission(
        ws / "submitted",
        "delegating",
        A,
        fill(student, solution, answer_ids(student), overrides={"least_squares_fit": delegating}),
    )
    broken = ws / "submitted" / "broken" / A
    broken.mkdir(parents=True)
    (broken / f"{A}.ipynb").write_text("{not json", encoding="utf-8")


def _dump(ws: Path) -> dict[str, object]:
    """The gradebook's grades and its table sizes (duplicated or missing rows show up here)."""
    con = sqlite3.connect(ws / "gradebook.db")
    try:
        grades = con.execute(
            "SELECT student.id, assignment.name, notebook.name, base_cell.name, grade.auto_score, "
            "grade.manual_score, grade.needs_manual_grade FROM grade "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN notebook ON submitted_notebook.notebook_id = notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN assignment ON submitted_assignment.assignment_id = assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id "
            "JOIN base_cell ON grade.cell_id = base_cell.id ORDER BY 1, 2, 3, 4"
        ).fetchall()
        sizes = {
            t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")
        }
    finally:
        con.close()
    return {"grades": grades, "sizes": sizes}


def _rows(report):
    return sorted((r.student, r.score, r.status) for r in report.rows)


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    ws = tmp_path_factory.mktemp("sequential")
    _make_class(ws)
    # cold starts here; the runs compared with this one start warm where they can (as root)
    report = grade(COURSE, ws, [A], jobs=1, limits=LIMITS, say=lambda _: None, warm_start=False)
    return ws, report


def test_sequential_run_grades_the_mix(sequential):
    _, report = sequential
    rows = {r.student: r for r in report.rows}
    assert rows["reference"].auto_score == rows["reference"].auto_max > 0
    assert rows["untouched"].auto_score == 0
    assert rows["broken"].status.startswith("failed")
    assert 0 < rows["mistaken"].auto_score < rows["mistaken"].auto_max
    assert {f["exercise"] for f in report.flags[f"delegating/{A}"]} == {"least_squares_fit"}


def test_parallel_run_gives_identical_grades(sequential, tmp_path):
    ws_seq, report_seq = sequential
    _make_class(tmp_path)
    report = grade(COURSE, tmp_path, [A], jobs=3, limits=LIMITS, say=lambda _: None)
    assert _rows(report) == _rows(report_seq)
    assert _dump(tmp_path) == _dump(ws_seq)


def test_gradebook_matches_plain_nbgrader_autograde(sequential, tmp_path):
    """Grades as ``nbgrader autograde`` itself records them, for every submission it can grade.

    (nbgrader cannot read the broken file, and knows nothing of the delegation flag.)
    """
    ws_seq, _ = sequential
    for sid in ("reference", "untouched", "partial", "mistaken"):
        shutil.copytree(ws_seq / "submitted" / sid, tmp_path / "submitted" / sid)
    bindir = Path(sys.executable).parent
    env = {**os.environ, "COURSEKIT_WORKSPACE": str(tmp_path), "PATH": f"{bindir}:{os.environ.get('PATH', '')}"}
    release = f"--CourseDirectory.release_directory={tmp_path / 'release'}"
    for step in (
        ["generate_assignment", A, "--force", release],
        ["autograde", A, "--force", f"--Execute.timeout={LIMITS.cell_timeout}", release],
    ):
        out = subprocess.run([str(bindir / "nbgrader"), *step], cwd=ROOT, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-2000:]
    theirs = _dump(tmp_path)["grades"]
    ours = [g for g in _dump(ws_seq)["grades"] if g[0] in {row[0] for row in theirs}]
    assert {row[0] for row in theirs} == {"reference", "untouched", "partial", "mistaken"}
    assert ours == theirs


def test_three_forced_reruns_give_identical_grades(sequential):
    ws, report = sequential
    before = _dump(ws)
    for _ in range(3):
        again = grade(COURSE, ws, [A], jobs=2, limits=LIMITS, force=True, say=lambda _: None)
        assert _rows(again) == _rows(report)
        assert _dump(ws) == before


def _grade_cmd(ws: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "coursekit.grading.cli",
        "grade",
        A,
        "--workspace",
        str(ws),
        "--jobs",
        "2",
        "--cell-timeout",
        str(LIMITS.cell_timeout),
        "--wall-seconds",
        str(LIMITS.wall_seconds),
    ]


def test_sigkill_at_any_point_then_resume_gives_the_same_gradebook(sequential, tmp_path):
    ws_seq, report_seq = sequential
    _make_class(tmp_path)
    done = tmp_path / ".coursekit" / "done" / A
    # Kill early (while preparing), then after the first and the third finished submission.
    for trigger in (0, 1, 3):
        proc = subprocess.Popen(
            _grade_cmd(tmp_path), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            finished = len(list(done.glob("*.json"))) if done.is_dir() else 0
            if (trigger == 0 and (tmp_path / "gradebook.db").exists()) or (trigger and finished >= trigger):
                break
            time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    out = subprocess.run(_grade_cmd(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert _dump(tmp_path) == _dump(ws_seq)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    shutil.which("dask") is None and not (Path(sys.executable).parent / "dask").exists(), reason="dask is not installed"
)
def test_grading_on_a_dask_cluster_gives_the_same_grades(sequential, tmp_path):
    ws_seq, report_seq = sequential
    _make_class(tmp_path)
    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--name",
                        f"w{i}",
                        "--no-dashboard",
                        "--local-directory",
                        str(tmp_path / f"worker{i}"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            workers = client.scheduler_info()["workers"]
            assert len(workers) == 2
        report = grade(COURSE, tmp_path, [A], scheduler=address, limits=LIMITS, say=lambda _: None)
        assert _rows(report) == _rows(report_seq)
        assert _dump(tmp_path) == _dump(ws_seq)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
