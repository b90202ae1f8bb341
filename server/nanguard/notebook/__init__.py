"""Jupyter notebooks: reading .ipynb files, analysing their code cells as one module, and writing
fixed cells back without disturbing anything else in the file."""

from nanguard.files import NOTEBOOK_SUFFIX
from nanguard.notebook.ipynb import Cell, NotebookError, NotebookFile, NotPython
from nanguard.notebook.module import CellFinding, NotebookModule

__all__ = ["NOTEBOOK_SUFFIX", "Cell", "CellFinding", "NotPython", "NotebookError", "NotebookFile", "NotebookModule"]
