"""Browser tests of the course: JupyterLab, the notebooks and the formgrader in Chromium."""
