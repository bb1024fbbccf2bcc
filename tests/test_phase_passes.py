"""Passes of a phase loop (``for phase in ['train', 'val']: if phase ==
'train': ...``) in analysis/loops.py, and the LF310 / LF312 cases they
leave silent because the order is not certain."""

from __future__ import annotations

import textwrap

import libcst as cst

from lossflint import lint_source
from lossflint.analysis.loops import PhaseTest, loops
from lossflint.analysis.model import SemanticModel

TUTORIAL = """
import torch

def fit(model, loaders, optimizer, scheduler, phases):
    for phase in ['train', 'val']:
        if phase == 'train':
            scheduler.step()
        for x, y in loaders[phase]:
            loss = model(x, y)
            if phase == 'train':
                loss.backward()
                optimizer.step()
"""


def _codes(source: str, code: str) -> list[int]:
    return [d.location.row for d in lint_source(textwrap.dedent(source), select=[code])]


def test_phase_test_first_pass_and_guard() -> None:
    model = SemanticModel(cst.parse_module(TUTORIAL))
    index = loops(model)
    phase_loop = next(
        lp
        for lp in index.loops
        if isinstance(lp.node, cst.For) and model.code(lp.node.target) == "phase"
    )
    sched = phase_loop.of("sched_step")[0]
    step = phase_loop.of("step")[0]
    test = index.phase_test(phase_loop, sched)
    assert test == PhaseTest("phase", "train")
    assert index.first_pass_takes(phase_loop, test)
    assert not index.first_pass_takes(phase_loop, PhaseTest("phase", "val"))
    assert index.guarded_by(step, test)
    assert not index.guarded_by(step, PhaseTest("phase", "val"))
    # the batch loop: the scheduler is not in it
    assert index.phase_test(phase_loop, step) is None


def test_lf310_silent_when_the_order_of_phases_is_unknown() -> None:
    # phases of unknown order, the optimizer stepped on another test
    assert not _codes(
        """
        def fit(model, loaders, optimizer, scheduler, phases):
            for phase in phases:
                if phase == 'train':
                    scheduler.step()
                for x, y in loaders[phase]:
                    if model.training:
                        model(x, y).backward()
                        optimizer.step()
        """,
        "LF310",
    )
    # the control: phases written out, or the step under the same test, fires
    assert _codes(
        """
        def fit(model, loaders, optimizer, scheduler):
            for phase in ['train', 'val']:
                if phase == 'train':
                    scheduler.step()
                for x, y in loaders[phase]:
                    if model.training:
                        model(x, y).backward()
                        optimizer.step()
        """,
        "LF310",
    ) == [5]
    assert _codes(
        """
        def fit(model, loaders, optimizer, scheduler, phases):
            for phase in phases:
                if phase == 'train':
                    scheduler.step()
                for x, y in loaders[phase]:
                    if phase == 'train':
                        model(x, y).backward()
                        optimizer.step()
        """,
        "LF310",
    ) == [5]


REBOUND = """
def fit(model, loaders, optimizer, scheduler, warm):
    for phase in ['train', 'val']:
        if phase == 'train':
            scheduler.step()
        {rebind}
        for x, y in loaders[phase]:
            if phase == 'train':
                model(x, y).backward()
                optimizer.step()
"""


def test_lf310_silent_when_the_phase_name_is_rebound_in_the_pass() -> None:
    assert not _codes(
        """
        def fit(model, loaders, optimizer, scheduler, warm):
            for phase in ['train', 'val']:
                if phase == 'train':
                    scheduler.step()
                phase = warm(phase)
                for x, y in loaders[phase]:
                    if phase == 'train':
                        model(x, y).backward()
                        optimizer.step()
        """,
        "LF310",
    )
    # every way of binding it again (not only a plain assignment), and the control
    for rebind in ("phase += ''", "for phase in warm: pass", "(phase := warm(phase))"):
        assert not _codes(REBOUND.format(rebind=rebind), "LF310"), rebind
    assert _codes(REBOUND.format(rebind="other = warm(phase)"), "LF310") == [5]


def test_lf310_silent_under_another_test_or_a_second_condition() -> None:
    assert not _codes(
        """
        def fit(model, loaders, optimizer, scheduler, warmup):
            for epoch in range(10):
                for phase in ['train', 'val']:
                    if phase == 'train':
                        if epoch > warmup:
                            scheduler.step()
                    for x, y in loaders[phase]:
                        model(x, y).backward()
                        optimizer.step()
        """,
        "LF310",
    )
    # the control: the same loop with the one test fires
    assert _codes(
        """
        def fit(model, loaders, optimizer, scheduler):
            for epoch in range(10):
                for phase in ['train', 'val']:
                    if phase == 'train':
                        scheduler.step()
                    for x, y in loaders[phase]:
                        model(x, y).backward()
                        optimizer.step()
        """,
        "LF310",
    ) == [6]


def test_lf310_fires_on_the_tutorial() -> None:
    assert _codes(TUTORIAL, "LF310") == [7]


def test_lf312_fp32_model_after_a_half_model_reusing_loss() -> None:
    # the later `loss` is bound just above its backward
    rows = _codes(
        """
        import torch
        import torch.nn as nn

        half = nn.Linear(8, 2).cuda().half()
        for x, y in loader:
            loss = (half(x.half()) - y).pow(2).mean()
            loss.backward()
        full = nn.Linear(8, 2)
        for x, y in loader:
            loss = (full(x) - y).pow(2).mean()
            loss.backward()
        """,
        "LF312",
    )
    assert rows == [8]
