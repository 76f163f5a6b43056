"""The committed notebooks are current and sound, and the checks catch what they exist to catch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import jupytext
import nbformat
import pytest
from jupytext.compare import compare

from conftest import ASSIGNMENTS, COURSE, ROOT
from coursekit.grading.check import check_course
from coursekit.grading.course import Course, CourseError
from coursekit.grading.release import build_solution, check_release, generate_students


def test_every_assignment_is_released():
    assert ASSIGNMENTS, "solutions/ has no assignment"
    for a in ASSIGNMENTS:
        for name in COURSE.notebook_names(a):
            assert COURSE.solution(a, name).is_file() and COURSE.student(a, name).is_file()


def test_committed_notebooks_are_up_to_date():
    assert check_release(COURSE, ASSIGNMENTS) == []


def test_course_check_passes():
    assert check_course(COURSE, ASSIGNMENTS) == []


def test_cli_reports_a_sound_course():
    out = subprocess.run(
        [sys.executable, "-m", "coursekit.grading.cli", "check", *ASSIGNMENTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "course is sound" in out.stdout


def test_student_notebooks_carry_no_jupytext_pairing():
    for a in ASSIGNMENTS:
        for name in COURSE.notebook_names(a):
            assert "jupytext" not in nbformat.read(COURSE.student(a, name), as_version=4).metadata


def test_jupyterlab_opens_every_solution_whatever_the_timestamps():
    """JupyterLab's jupytext opens a paired notebook whose .ipynb is newer than its script only if
    their inputs agree (read_pair(must_match=True)); the executed notebook's coursekit metadata must
    not count, so the scripts filter it out of the text representation."""
    for a in ASSIGNMENTS:
        for name in COURSE.notebook_names(a):
            if not COURSE.has_script(a, name):
                continue
            script = COURSE.source(a, name)
            from_script = jupytext.writes(jupytext.read(script), "py:percent")
            from_notebook = jupytext.writes(jupytext.read(COURSE.solution(a, name)), "py:percent")
            assert not compare(from_notebook, from_script, "ipynb", "py", return_diff=True), f"{a}/{name}"


# --- the checks themselves, on a small course made here -------------------------------------------

_TOY = '''# %%
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def step(z):
    """Heaviside step."""
    ### BEGIN SOLUTION
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_step", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert step(0.0) == 1.0
### BEGIN HIDDEN TESTS
assert step(-3.0) == 0.0, "secret hidden check"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_step", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# The model answer nobody should see.
# Grading: 1 point for saying it.
'''


@pytest.fixture
def toy(tmp_path, monkeypatch) -> Course:
    """A course with one assignment '02_activations' whose only checked exercise is 'step'."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    folder = tmp_path / "solutions" / "02_activations"
    folder.mkdir(parents=True)
    (folder / "02_activations.py").write_text(_TOY)
    jupytext.write(jupytext.read(folder / "02_activations.py"), folder / "02_activations.ipynb", fmt="ipynb")
    course = Course(tmp_path)
    generate_students(course, ["02_activations"], course.notebooks, tmp_path / "grading")
    (tmp_path / "course.toml").write_text('[assignments.02_activations]\nreferences = ["coursekit.activations"]\n')
    return course


def test_toy_course_is_sound(toy):
    assert check_course(toy) == []
    assert check_release(toy) == []


def test_check_finds_a_leaked_hidden_test(toy):
    path = toy.student("02_activations")
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_step")
    cell.source += '\nassert step(-3.0) == 0.0, "secret hidden check"'
    nbformat.write(nb, path)
    problems = check_course(toy)
    assert any("gives away" in p and "secret hidden check" in p for p in problems), problems
    assert any("out of date" in p for p in check_release(toy))


def test_check_finds_a_leaked_model_answer_and_solution(toy):
    path = toy.student("02_activations")
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "q_step":
            c.source = "The model answer nobody should see.\nGrading: 1 point for saying it."
        if gid == "step":
            c.source = c.source.replace("raise NotImplementedError()", "return np.where(np.asarray(z) >= 0, 1.0, 0.0)")
    nbformat.write(nb, path)
    problems = check_course(toy)
    assert any("model answer of 'q_step'" in p for p in problems), problems
    assert any("cell 'step'" in p and "np.where" in p for p in problems), problems


def test_check_finds_missing_test_cell_and_points(toy):
    path = toy.solution("02_activations")
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_step"]
    nbformat.write(nb, path)
    problems = check_course(toy)
    assert any("no autograded code cell 'test_step'" in p for p in problems), problems


def test_check_release_sees_an_edited_source(toy):
    src = toy.source("02_activations")
    src.write_text(src.read_text().replace("Heaviside step.", "Heaviside step, edited."))
    problems = check_release(toy)
    assert any("does not match" in p for p in problems), problems


def test_unknown_assignment_is_a_clear_error(toy):
    with pytest.raises(CourseError, match="unknown assignment.*99_nope.*02_activations"):
        toy.assignments(["99_nope"])


def _code(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


def test_tag_unfinished_marks_exactly_the_cells_that_raise_not_implemented(tmp_path):
    from coursekit.grading.release import RAISES, tag_unfinished

    nb = nbformat.v4.new_notebook(
        cells=[
            _code("def f(x):\n    raise NotImplementedError()"),
            _code("y = 1 + 1"),
            _code("f(2)"),
            nbformat.v4.new_markdown_cell("text"),
            _code("z = f(3)"),
        ]
    )
    nb.cells[1].metadata["tags"] = ["keep-me", RAISES]  # a stale tag is removed, others stay
    tag_unfinished(nb, tmp_path, "toy")
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags == [[], ["keep-me"], [RAISES], [], [RAISES]]


@pytest.mark.parametrize(
    "source, error", [("undefined_name + 1", "NameError"), ("import warnings; warnings.warn('careful')", "stderr")]
)
def test_tag_unfinished_rejects_any_other_failure(tmp_path, source, error):
    from coursekit.grading.release import tag_unfinished

    nb = nbformat.v4.new_notebook(cells=[_code("x = 1"), _code(source)])
    with pytest.raises(CourseError, match=error):
        tag_unfinished(nb, tmp_path, "toy")


OURS = [a for a in ASSIGNMENTS if COURSE.is_course_assignment(a)]


def test_student_notebooks_let_run_all_continue_past_every_unfinished_exercise():
    from coursekit.grading.release import RAISES

    for a in OURS:
        nb = nbformat.read(COURSE.student(a), as_version=4)
        tagged = [c for c in nb.cells if RAISES in c.metadata.get("tags", [])]
        assert tagged, f"{a}: no cell is tagged {RAISES}, so Run All stops at the first exercise"


def test_every_notebook_opens_with_its_goals_and_ends_with_a_summary():
    # the course's own notebooks (docs/authoring.md, "Title and summary"); an instructor's may differ
    for a in OURS:
        nb = nbformat.read(COURSE.student(a), as_version=4)
        first, last = nb.cells[0], nb.cells[-1]
        assert first.cell_type == "markdown" and first.source.startswith(f"# {a[:2]} · "), (
            f"{a}: the first cell should be the title '# {a[:2]} · ...'"
        )
        goals = first.source.split("will be able to", 1)
        assert len(goals) == 2 and "\n- " in goals[1], (
            f"{a}: the first cell should say what the student 'will be able to' do, as a list"
        )
        assert (
            last.cell_type == "markdown"
            and last.source.startswith("## Summary")
            and ("\n* " in last.source or "\n- " in last.source)
        ), f"{a}: the last cell should be a '## Summary' with a list"


def test_a_failed_release_leaves_no_student_notebook_to_trust(toy):
    # a cell that fails in the student version for another reason than NotImplementedError stops the release;
    # running the release again must fail again, not take the half-made notebook for a good one
    from coursekit.grading.release import release

    src = toy.source("02_activations")
    # the second cell's name is made by an unfinished exercise in the student version: a NameError there only
    src.write_text(src.read_text() + "\n# %%\nmade_by_step = step(1.0)\n\n# %%\nmade_by_step + 1\n")
    for _ in range(2):
        with pytest.raises(CourseError, match="NameError"):
            release(toy, ["02_activations"], workspace=toy.root / "grading", say=lambda line: None)
    assert not toy.student("02_activations").exists()


def test_a_written_answer_without_a_rubric_is_reported(toy):
    path = toy.solution("02_activations")
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q_step")
    cell.source = cell.source.replace("Grading: 1 point for saying it.", "")
    nbformat.write(nb, path)
    problems = check_course(toy)
    assert any("written answer 'q_step' has no rubric" in p for p in problems), problems


def test_a_rebuilt_solution_is_never_newer_than_its_script(toy):
    """An instructor's script without the metadata filter: after a release the notebook, with its
    reference times, is not newer than the script, so JupyterLab still opens it."""
    script = toy.source("02_activations")
    old = time.time() - 3600
    os.utime(script, (old, old))
    assert build_solution(toy, "02_activations", force=True)
    notebook = toy.solution("02_activations")
    assert "coursekit" in nbformat.read(notebook, as_version=4).cells[0].metadata
    assert notebook.stat().st_mtime <= script.stat().st_mtime
