"""nbgrader configuration of the course (read by nbgrader, the formgrader and `coursekit`).

Layout: instructors edit `solutions/` (nbgrader's source directory); `coursekit release`
generates the student notebooks in `notebooks/` (nbgrader's release directory). Everything
produced by grading lives under one git-ignored workspace folder, `grading/` by default
(`coursekit grade --workspace DIR` points it elsewhere): submitted/, autograded/, feedback/
and the SQLite gradebook.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))
WORKSPACE = os.environ.get("COURSEKIT_WORKSPACE", "grading")

c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "nn-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = os.path.join(WORKSPACE, "submitted")
c.CourseDirectory.autograded_directory = os.path.join(WORKSPACE, "autograded")
c.CourseDirectory.feedback_directory = os.path.join(WORKSPACE, "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, WORKSPACE, "gradebook.db")
# The gradebook's folder must exist before nbgrader (or the formgrader) opens the database: on a fresh
# clone, plain `nbgrader generate_assignment ...` would otherwise fail with "error accessing the database".
os.makedirs(os.path.join(ROOT, WORKSPACE), exist_ok=True)
# The jupytext sources of the notebooks (NN_topic.py) stay out of the student release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "[0-9][0-9]_*.py"]

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading: a cell may run for 60 s at most; it is then interrupted and scores zero.
c.Execute.timeout = 60
# Keep hidden tests out of tracebacks (minimal exception mode shows only the message) and
# stop the student kernel from writing an IPython history database; the kernel keeps its own log
# (TCP warnings, shutdown notices) quiet.
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--InteractiveShell.xmode=Minimal",
    "--IPKernelApp.log_level=CRITICAL",
]
# A deleted test cell is restored from the gradebook instead of silently scoring zero.
c.OverwriteCells.add_missing_cells = True
# Feedback HTML without the hidden tests.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
