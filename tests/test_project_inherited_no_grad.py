"""A method inherited from another module's class whose returns hold no
gradient (copies of ``p.grad.data``: LibMTL's ``AbsWeighting._compute_grad``,
audit s150) gives the subclass's ``sqrt`` of their norms no gradient (LF205
silent); the same base returning the losses' graph keeps LF205."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_ABSTRACT = """
import torch
import torch.nn as nn


class AbsWeighting(nn.Module):
    def _grad2vec(self):
        grad = torch.zeros(self.grad_dim)
        beg = 0
        for param in self.get_share_params():
            n = param.data.numel()
            if param.grad is not None:
                grad[beg:beg + n] = param.grad.data.view(-1)
            beg += n
        return grad

    def _compute_grad(self, losses):
        {body}
"""

_COPIES = """grads = torch.zeros(self.task_num, self.grad_dim)
        for tn in range(self.task_num):
            losses[tn].backward(retain_graph=True)
            grads[tn] = self._grad2vec()
        return grads"""

_GRAPH = "return torch.stack([loss * self.scale for loss in losses])"

_MGDA = """
import torch
from pkg.abstract import AbsWeighting


class MGDA(AbsWeighting):
    def normalizers(self, grads):
        gn = grads.pow(2).sum(-1).sqrt()
        return grads / gn.unsqueeze(1)

    def backward(self, losses):
        grads = self._compute_grad(losses)
        return self.normalizers(grads)
"""


def _run(tmp_path: Path, body: str) -> list[tuple[str, int, str]]:
    files = {
        "pkg/__init__.py": "",
        "pkg/abstract.py": _ABSTRACT.format(body=body),
        "pkg/mgda.py": _MGDA,
    }
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF205"]


def test_inherited_gradient_copies_carry_no_gradient(tmp_path: Path) -> None:
    assert _run(tmp_path, _COPIES) == []


def test_an_inherited_graph_keeps_the_finding(tmp_path: Path) -> None:
    assert _run(tmp_path, _GRAPH) == [("mgda.py", 8, "LF205")]
