"""``model = torch.compile(model)`` keeps the model's facts: its calls run the
original forward, its ``train()``/``eval()`` reach the original's layers
(audit R21: a course that compiles every model hid a softmax head from LF101
and the absence of dropout from LF309)."""

from __future__ import annotations

import textwrap

from lossflint.api import lint_source


def _codes(text: str) -> list[tuple[int, str]]:
    found = lint_source(textwrap.dedent(text), "train.py", isolated=True)
    return [(d.location.row, d.code) for d in found]


def test_softmax_head_seen_through_compile() -> None:
    assert _codes(
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
        model = torch.compile(model)
        opt = torch.optim.Adam(model.parameters())
        crit = nn.CrossEntropyLoss()
        for x, y in loader:
            opt.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
        """
    ) == [(11, "LF101")]


def test_compiled_logits_model_is_silent() -> None:
    assert (
        _codes(
            """
        import torch
        from torch import nn

        model = torch.compile(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)))
        opt = torch.optim.Adam(model.parameters())
        crit = nn.CrossEntropyLoss()
        for x, y in loader:
            opt.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
        """
        )
        == []
    )


def test_compiled_model_without_dropout_or_norm_is_silent_for_lf309() -> None:
    assert (
        _codes(
            """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        model = torch.compile(model)
        opt = torch.optim.Adam(model.parameters())
        crit = nn.CrossEntropyLoss()
        for epoch in range(10):
            for x, y in loader:
                opt.zero_grad()
                loss = crit(model(x), y)
                loss.backward()
                opt.step()
                model.eval()
        """
        )
        == []
    )


def test_compiled_model_with_dropout_still_fires_lf309() -> None:
    assert _codes(
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
        model = torch.compile(model)
        opt = torch.optim.Adam(model.parameters())
        crit = nn.CrossEntropyLoss()
        for epoch in range(10):
            for x, y in loader:
                opt.zero_grad()
                loss = crit(model(x), y)
                loss.backward()
                opt.step()
                model.eval()
        """
    ) == [(15, "LF309")]
