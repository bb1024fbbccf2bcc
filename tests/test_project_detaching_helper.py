"""LF205 on a data set's RMS handed to another module's ``to_numpy`` (every
return detached, as its summary says: MACE's ``compute_rms_dipoles``, audit
s212): the value leaves the graph. A helper of another module that returns its
argument with the graph kept leaves the finding."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_TOOLS = """
import torch


def to_numpy(t):
    return t.cpu().detach().numpy()


def to_device(t):
    return t.to("cpu")
"""

_UTILS = """
import torch
from tools import {helper}


def compute_rms(data_loader, model):
    values = torch.cat([model(batch) for batch in data_loader], dim=0)
    return {helper}(torch.sqrt(torch.mean(torch.square(values))))
"""


def _run(tmp_path: Path, helper: str) -> list[tuple[str, int, str]]:
    files = {"tools.py": _TOOLS, "utils.py": _UTILS.format(helper=helper)}
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF205"]


def test_another_module_detaching_helper_leaves_the_graph(tmp_path: Path) -> None:
    assert _run(tmp_path, "to_numpy") == []


def test_a_helper_keeping_the_graph_is_reported(tmp_path: Path) -> None:
    assert _run(tmp_path, "to_device") == [("utils.py", 8, "LF205")]
