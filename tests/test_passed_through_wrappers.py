"""``passed_through``: a helper that wraps its model parameter for several
devices and hands it back still gives back what each call passed
(skip-ganomaly's ``init_net``, audit s177)."""

from __future__ import annotations

import libcst as cst
import pytest

from lossflint.analysis.interpreter.syntax import passed_through


def _func(source: str) -> cst.FunctionDef:
    stmt = cst.parse_module(source).body[0]
    assert isinstance(stmt, cst.FunctionDef)
    return stmt


@pytest.mark.parametrize(
    "body",
    [
        "    if len(gpu_ids) > 0:\n        net = torch.nn.DataParallel(net, gpu_ids)\n    return net\n",
        "    net = DistributedDataParallel(net, device_ids=[0])\n    return net\n",
        "    for _ in range(1):\n        net = nn.DataParallel(net)\n    return net\n",
    ],
)
def test_a_parallel_wrapper_rebinding_passes_the_model_through(body: str) -> None:
    assert passed_through(_func("def init_net(net, gpu_ids=[]):\n" + body)) == "net"


@pytest.mark.parametrize(
    "body",
    [
        "    net = Wrapper(net)\n    return net\n",  # not a data-parallel wrapper
        "    net = torch.nn.DataParallel(other)\n    return net\n",  # wraps something else
        "    net = torch.nn.DataParallel(net)\n    del net\n    net = other\n    return net\n",
        "    net, extra = torch.nn.DataParallel(net), 1\n    return net\n",
        "    with make() as net:\n        pass\n    return net\n",
        "    if (net := build()):\n        pass\n    return net\n",
    ],
)
def test_other_rebindings_are_not_passed_through(body: str) -> None:
    assert passed_through(_func("def init_net(net, gpu_ids=[]):\n" + body)) is None
