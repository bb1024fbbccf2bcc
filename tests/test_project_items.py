"""Item summaries (lossflint/project/items.py): a summary asked for one class
or function of a big module is computed from that item's text only, and
answers as the whole module's summary does."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from lossflint.check_run import make_plan
from lossflint.config import SettingsResolver
from lossflint.duplicate_findings import without_pointers_to_reported
from lossflint.parallel import run_files
from lossflint.project import digests, items
from lossflint.project.driver import ProjectSession
from lossflint.project.summary import SClass, SFunction

ROOT = Path(__file__).resolve().parent.parent

#: an unrelated helper, repeated to make the module big enough for item texts
FILLER = "".join(
    f"\n\ndef unrelated_{i}(x):\n    y = x + {i}\n    z = y * 2\n    return torch.relu(z)\n"
    for i in range(40)
)

NET = (
    '''"""Models."""
import torch
import torch.nn as nn
from torch.nn import functional as F

WIDTH = 64
_CACHE = None


def head(width):
    return nn.Sequential(nn.Linear(width, 10), nn.Softmax(dim=1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(WIDTH, WIDTH)
        self.head = head(WIDTH)

    def forward(self, x):
        return self.head(F.relu(self.body(x)))


Net.default_width = WIDTH
torch.manual_seed(0)


def remember(value):
    global _CACHE
    _CACHE = value


def cached():
    return _CACHE


if __name__ == "__main__":
    model = Net()
    print(model)
'''
    + FILLER
)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def kept_lines(text: str) -> list[int]:
    """The lines an item text keeps: not blank, not its filler strings."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() not in ("", '"""')]


def test_an_item_text_keeps_what_the_item_reads_and_blanks_the_rest() -> None:
    plan = items.item_plan(NET)
    assert plan is not None
    text = items.item_text(plan, "Net")
    assert text is not None
    # same lines, so positions in it are those of the module
    assert text.count("\n") == NET.count("\n")
    original = NET.splitlines()
    for number in kept_lines(text):
        assert text.splitlines()[number - 1] == original[number - 1]
    assert "class Net(nn.Module):" in text
    assert "def head(width):" in text  # called by Net.__init__
    assert "WIDTH = 64" in text  # a module constant it reads
    assert "import torch.nn as nn" in text and "from torch.nn import functional as F" in text
    assert "def unrelated_3" not in text
    assert "def remember" not in text and "_CACHE = None" not in text
    assert "__main__" not in text  # a script's block binds nothing Net reads
    assert "Net.default_width = WIDTH" in text  # changes Net
    assert "torch.manual_seed(0)" not in text  # changes nothing Net reads
    assert '"""Models."""' not in text


def test_a_function_rebinding_a_global_is_kept_with_its_readers() -> None:
    plan = items.item_plan(NET)
    assert plan is not None
    text = items.item_text(plan, "cached")
    assert text is not None
    assert "def remember(value):" in text and "_CACHE = None" in text
    assert "class Net" not in text


def test_blanked_runs_are_one_string_each_and_keep_every_line() -> None:
    """A run of blanked lines is one string statement at the indentation of
    the statement it replaces (thousands of empty lines cost the parser a
    node each); the text still parses, line for line."""
    plan = items.item_plan(TRAINER)
    assert plan is not None
    text = items.item_text(plan, "Trainer.predict")
    assert text is not None
    ast.parse(text)
    lines = text.splitlines()
    fillers = [n for n, line in enumerate(lines) if line.strip() == '"""']
    assert fillers and len(fillers) % 2 == 0
    # the class's last kept method is followed by its dropped ones: the
    # filler opens inside the class body
    opening = lines[fillers[-2]]
    assert opening == '    """'
    assert all(not line.strip() for line in lines[fillers[-2] + 1 : fillers[-1]])


@pytest.mark.parametrize(
    "source, item",
    [
        # bound twice: which one a caller gets is the whole module's question
        (NET + "\n\ndef cached():\n    return 1\n", "cached"),
        # bound by a function and by an assignment
        (NET + "\ncached = cached()\n", "cached"),
        # bound only in a script's block
        (NET, "model"),
        (NET, "missing"),
        # small modules are summarised whole
        ("def f():\n    return 1\n", "f"),
    ],
)
def test_no_item_text(source: str, item: str) -> None:
    plan = items.item_plan(source)
    assert plan is None or items.item_text(plan, item) is None


def test_a_module_level_name_is_an_item_too() -> None:
    source = NET + "\nREGISTRY = {'net': Net}\nREGISTRY.update(head=head)\n"
    plan = items.item_plan(source)
    assert plan is not None
    text = items.item_text(plan, "REGISTRY")
    assert text is not None
    # what binds it, what it reads, and the statements changing it in place
    assert "REGISTRY = {'net': Net}" in text and "REGISTRY.update(head=head)" in text
    assert "class Net(nn.Module):" in text and "def head(width):" in text
    assert "def unrelated_1(x):" not in text


def test_an_item_that_needs_most_of_the_module_uses_the_whole_summary() -> None:
    text = (
        NET + "\n\ndef everything(x):\n" + "".join(f"    x = unrelated_{i}(x)\n" for i in range(40))
    )
    plan = items.item_plan(text)
    assert plan is not None
    assert items.item_text(plan, "everything") is None
    assert items.item_text(plan, "Net") is not None


def test_item_summaries_answer_and_record_their_own_dependency(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "models/net.py": NET, "train.py": "import models.net\n"})
    folder = tmp_path / "cache"
    session = ProjectSession.for_files([tmp_path / "train.py"], folder)
    with session.linting(tmp_path / "train.py") as ctx:
        assert ctx is not None
        net = SClass("models/net.py", "Net")
        forward = ctx.method_summary(net, "forward")
        assert forward is not None and forward.returns.kind == "PROBS"  # type: ignore[attr-defined]
        assert ctx.function_summary(SFunction("models/net.py", "head")) is not None
    # two item summaries (the method's own: the class with what forward
    # needs of it), no summary of the whole module
    assert session.store.computed == ["models/net.py::Net.forward", "models/net.py::head"]
    deps = session.deps(ctx)
    uses = digests.parse(deps["models/net.py"])
    assert uses is not None and set(uses.items) == {"Net.forward", "head"} and not uses.summary
    # another run: from the cache, nothing computed
    again = ProjectSession.for_files([tmp_path / "train.py"], folder)
    assert again.still_valid(deps) and again.store.computed == []
    # an edit of a function Net does not read changes no item summary it used
    write(tmp_path, {"models/net.py": NET.replace("y = x + 3", "y = x - 3")})
    third = ProjectSession.for_files([tmp_path / "train.py"], folder)
    assert third.still_valid(deps)
    # Net's output changes: the result is stale
    write(tmp_path, {"models/net.py": NET.replace("nn.Softmax(dim=1)", "nn.Identity()")})
    fourth = ProjectSession.for_files([tmp_path / "train.py"], folder)
    assert not fourth.still_valid(deps)


def test_a_finding_across_files_through_an_item_summary(tmp_path: Path) -> None:
    train = (
        "import torch\nfrom models.net import Net\n\nmodel = Net()\n"
        "criterion = torch.nn.CrossEntropyLoss()\n"
        "x, y = torch.randn(4, 64), torch.randint(0, 10, (4,))\n"
        "loss = criterion(model(x), y)\n"
    )
    write(tmp_path, {"pyproject.toml": "", "models/net.py": NET, "train.py": train})
    plan = make_plan([str(tmp_path / "train.py")], SettingsResolver())
    found = []
    for settings, files in plan.groups:
        result = run_files(files, settings, jobs=1, cache=None, progress=False)
        found += [
            f"{d.location.row}:{d.location.column} {d.code} {'models/net.py:11 in head' in d.message}"
            for d in result.diagnostics
        ]
    assert found == ["7:8 LF101 True"]


def test_every_fixture_gives_the_same_findings_with_item_summaries_everywhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Item texts for every module and item, however small: the bundled
    examples (multi-file projects included) give their golden findings."""
    monkeypatch.setattr(items, "MIN_LINES", 0)
    monkeypatch.setattr(items, "MAX_KEPT", 1.01)
    monkeypatch.chdir(ROOT)
    plan = make_plan(["fixtures/"], SettingsResolver())
    diagnostics = []
    for settings, files in plan.groups:
        result = run_files(files, settings, jobs=1, cache=None, progress=False)
        assert not result.errors
        diagnostics += result.diagnostics
    # one finding per bug across the run's files, as ``lint_plan`` keeps them
    found = [
        f"{os.path.relpath(d.filename, ROOT)}:{f'cell {d.cell}:' if d.cell else ''}"
        f"{d.location.row}:{d.location.column}: {d.code}"
        for d in without_pointers_to_reported(diagnostics)
    ]
    expected = (ROOT / "tests" / "data" / "fixtures_expected.txt").read_text().splitlines()
    assert sorted(found) == sorted(re.sub(r"\s+$", "", line) for line in expected)


H1, H2, H3 = "a" * 64, "b" * 64, "c" * 64


@pytest.mark.parametrize(
    "uses, rendered",
    [
        (digests.Uses(summary=H1), H1),
        (digests.Uses(exports=H2), "x:" + H2),
        (digests.Uses(H1, H2), f"b:{H1}:{H2}"),
        (digests.Uses(items={"Net": H3}), f"u:i.Net={H3}"),
        (digests.Uses(H1, H2, {"b": H3, "a": H1}), f"u:s={H1};x={H2};i.a={H1};i.b={H3}"),
    ],
)
def test_digest_forms_round_trip(uses: digests.Uses, rendered: str) -> None:
    assert uses.render() == rendered
    assert digests.parse(rendered) == uses


@pytest.mark.parametrize(
    "bad", ["", "x:", "u:", "u:i.Net=abc", f"u:q={H1}", f"u:i.1x={H1}", f"b:{H1}", "zz" * 32]
)
def test_malformed_digests_are_rejected(bad: str) -> None:
    assert digests.parse(bad) is None


def test_the_whole_summary_answers_once_item_texts_would_cost_more(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "models/net.py": NET, "train.py": "import models.net\n"})
    session = ProjectSession.for_files([tmp_path / "train.py"])
    store = session.store
    module = store.module("models/net.py")
    assert module is not None
    _, of_item = store.get_item(module, "Net")
    assert of_item
    # each item text holds Net's imports and what it reads: together they
    # soon parse more than the module once
    answered = [store.get_item(module, f"unrelated_{i}")[1] for i in range(40)]
    assert answered[0] and not answered[-1]
    assert "models/net.py" in store.computed
    # and with the whole summary at hand, it answers for every item
    assert store.get_item(module, "cached") == (store.get(module), False)


TRAINER = (
    '''import torch
import torch.nn as nn
from torch.nn import functional as F

LR = 0.1


def make_head(width):
    return nn.Linear(width, 10)


def unused_helper():
    return nn.Softmax(dim=1)


class Trainer:
    """A trainer."""

    default_epochs = 3

    def __init__(self, model):
        self.model = model
        self.head = make_head(8)

    @property
    def device(self):
        return next(self.model.parameters()).device

    def predict(self, x):
        return self.head(self.features(x.to(self.device)))

    def features(self, x):
        """Features of x."""
        return F.relu(self.model(x))

    def swap_head(self):
        self.head = unused_helper()

    def log(self, value):
        print(value, LR)

    def save(self, path):
        torch.save(self.model.state_dict(), path)
'''
    + FILLER
)


def test_a_method_item_keeps_what_the_method_needs_of_its_class() -> None:
    """``Trainer.predict``: its class's header and attributes, ``__init__``,
    the methods it names (``features``, the ``device`` property) and every
    method that assigns an attribute it reads (``swap_head`` rebinds
    ``self.head``: the analysis joins it), with the module-level names those
    read; ``log`` and ``save`` are blanked, and so is what only they read."""
    plan = items.item_plan(TRAINER)
    assert plan is not None
    text = items.item_text(plan, "Trainer.predict")
    assert text is not None and text.count("\n") == TRAINER.count("\n")
    kept = text.splitlines()
    for needed in ("def __init__", "def device", "def predict", "def features", "def swap_head"):
        assert any(needed in line for line in kept), needed
    for dropped in ("def log", "def save", "print(value, LR)", "LR = 0.1", "unrelated_0"):
        assert not any(dropped in line for line in kept), dropped
    assert "def make_head(width):" in text and "def unused_helper():" in text
    assert "default_epochs = 3" in text
    # documentation is blanked too: the class's docstring, a method's before its code
    assert '"""A trainer."""' not in text
    assert '"""Features of x."""' not in text and "return F.relu(self.model(x))" in text


def test_no_method_item_for_what_the_class_does_not_define() -> None:
    plan = items.item_plan(TRAINER)
    assert plan is not None
    assert items.item_text(plan, "Trainer.fit") is None
    assert items.item_text(plan, "make_head.x") is None


def test_a_method_item_answers_as_the_class_does(tmp_path: Path) -> None:
    """The method's summary from its item equals the one the whole module
    gives (``features`` returns relu output; ``predict`` the head's)."""
    write(tmp_path, {"pyproject.toml": "", "engine.py": TRAINER, "train.py": "import engine\n"})
    session = ProjectSession.for_files([tmp_path / "train.py"], None)
    with session.linting(tmp_path / "train.py") as ctx:
        assert ctx is not None
        trainer = SClass("engine.py", "Trainer")
        from_item = ctx.method_summary(trainer, "predict")
        assert session.store.computed == ["engine.py::Trainer.predict"]
        whole = ctx.summary("engine.py")
        assert whole is not None and from_item == whole.functions["Trainer.predict"]


def test_an_item_summary_runs_only_its_own_functions(tmp_path: Path) -> None:
    # ``build`` names both blocks, so its item keeps them; what their methods
    # call (another module's helper) is nobody's question when only
    # ``build``'s return is asked
    blocks = (
        "import torch.nn as nn\nfrom helpers import scale\n\n\n"
        "class Down(nn.Module):\n    def forward(self, x):\n        return scale(x)\n\n\n"
        "class Up(nn.Module):\n    def forward(self, x):\n        return scale(x) * 2\n\n\n"
        "def build(kind):\n    if kind == 'down':\n        return Down()\n    return Up()\n"
        + FILLER
    )
    helpers = "import torch\n\n\ndef scale(x):\n    return torch.softmax(x, dim=1)\n"
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "blocks.py": blocks,
            "helpers.py": helpers,
            "train.py": "import blocks\n",
        },
    )
    session = ProjectSession.for_files([tmp_path / "train.py"])
    with session.linting(tmp_path / "train.py") as ctx:
        assert ctx is not None
        build = ctx.function_summary(SFunction("blocks.py", "build"))
        assert build is not None and build.line == 15
        assert session.store.computed == ["blocks.py::build"]
        # asked about a block's output, its method answers (and reads helpers)
        forward = ctx.method_summary(SClass("blocks.py", "Down"), "forward")
        assert forward is not None and forward.returns.kind == "PROBS"  # type: ignore[attr-defined]
    assert "helpers.py" in "".join(session.store.computed)
    entry = session.store.get_item(session.store.module("blocks.py"), "build")[0]  # type: ignore[arg-type]
    assert entry is not None and set(entry.summary.functions) == {"build"}
    assert not entry.summary.classes and not entry.summary.calls
