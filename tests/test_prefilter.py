"""The byte-level screen before parsing: it skips what cannot be a tensor log, nothing more."""

import pytest

from engine_helpers import STRICT, flagged
from nanguard.rules.ng001.prefilter import call_sites

LOGGING_ONLY = b"""
import logging
import wandb
import pytorch_lightning as pl

logger = logging.getLogger(__name__)
run = wandb.init(project="x")

class Module(pl.LightningModule):
    def training_step(self, batch, batch_idx):
        self.log("loss", batch)
        wandb.log({"loss": 1.0})
        run.log({"acc": 2.0})
        logger.log(logging.INFO, "step")
        return catalog(batch) + dialog(batch)
"""


def test_files_that_only_call_logging_apis_need_no_parse():
    assert call_sites(LOGGING_ONLY) == []


@pytest.mark.parametrize(
    "code",
    [
        "import torch\nrun = torch.softmax(x, 1)\ny = run.log(1)\n",
        "import torch\nimport wandb\nwandb = torch\ny = wandb.log(p)\n",
        "import torch\nfor run in torch.split(p, 2):\n    y = run.log(1)\n",
        "import wandb\ndef f(run):\n    return run.log()\n",
    ],
)
def test_rebound_logging_names_are_still_checked(code):
    assert len(flagged(code, STRICT)) == 1


def test_sites_in_strings_and_comments_are_not_calls():
    code = "import numpy as np\ns = 'np.log(p)'\n# np.log(q)\nt = np.log(r)\n"
    assert flagged(code, STRICT) == [(4, "numpy.log")]


@pytest.mark.parametrize(
    "code",
    [
        b"import wandb\na, run = wandb.init(), 2\ny = run.log(1)\n",
        b"import wandb\nrun = wandb.init()\nif (run := other()) is not None:\n    y = run.log(1)\n",
        b"import wandb\nrun = wandb.init()\nwith other() as run:\n    y = run.log(1)\n",
        b"import wandb\nrun = wandb.init()\nfor run in runs:\n    y = run.log(1)\n",
    ],
)
def test_names_bound_to_anything_else_are_kept(code):
    assert call_sites(code) != []


def test_walrus_binding_is_followed():
    assert len(flagged("import torch\nif (run := torch.softmax(x, 1)) is not None:\n    y = run.log(1)\n")) == 1


def test_parameters_are_never_taken_for_tensors():
    assert call_sites(b"import torch\ndef report(metrics, run=None):\n    run.log(metrics, step=1)\n") == []


def test_bracketed_targets_count_as_bindings():
    assert call_sites(b"import wandb\nrun = wandb.init()\n(run, b) = pair\ny = run.log(1)\n") != []



def test_an_import_word_in_a_comment_hides_no_import_after_it():
    # "import (" in a comment must not swallow the real import on the next line
    code = b"# we import (see below\nimport wandb\nfrom x import y  # )\nwandb.log({'loss': 1})\n"
    assert call_sites(code) == []


@pytest.mark.parametrize(
    "code",
    [
        b"import logging\nlogger = logging.getLogger()\nlogger = torch\nlogger.log(x)\n",
        b"import wandb\nfor wandb in runs:\n    wandb.log(1)\n",
        b"import wandb\nwandb: Any = make()\nwandb.log(1)\n",
    ],
)
def test_a_logging_import_rebound_later_in_the_file_is_checked(code):
    assert call_sites(code) != []


@pytest.mark.parametrize(
    "imports",
    [
        "import numpy as \\\n    np\n",  # a backslash continuation, which Python accepts
        "import numpy \\\n    as np\n",
        "import numpy as\n    np\n",  # not Python, but tree-sitter reads np as the alias: the screen must not skip what the parse sees
    ],
)
def test_an_import_continued_on_the_next_line_binds_its_alias(imports):
    code = imports + "def f(x):\n    return np.log(np.maximum(x, 0))\n"
    assert call_sites(code.encode()) != []
    assert flagged(code) == [(len(imports.splitlines()) + 2, "numpy.log")]
