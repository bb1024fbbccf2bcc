"""What a project class may have as an attribute, from its syntax
(``exports.ClassShape``, ``ProjectContext.may_have_member``): a method or
attribute no class along the bases binds is answered without any summary,
and a result that relied on that stays valid only while the classes' syntax
does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lossflint.project.driver import ProjectSession
from lossflint.project.exports import class_shape
from lossflint.project.summary import SClass, SInstance


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def shape_of(source: str) -> tuple[set[str], tuple[str | None, ...]]:
    cls = ast.parse(source).body[0]
    assert isinstance(cls, ast.ClassDef)
    shape = class_shape(cls)
    return set(shape.names), shape.bases


def test_a_shape_lists_what_instances_may_have_and_not_a_methods_locals() -> None:
    names, bases = shape_of(
        "class Net(base.Model, Mixin, Generic[T], make_base()):\n"
        "    scale = 2\n"
        "    ratio: float = 0.5\n"
        "    if FLAG:\n"
        "        extra = 1\n"
        "    from torch.nn import functional as F\n"
        "    def __init__(self):\n"
        "        state = {}\n"  # a local: not an attribute
        "        self.head, self.tail = 1, 2\n"
        "        setattr(self, 'gate', 3)\n"
        "        def inner():\n"
        "            pass\n"
        "    async def fetch(self):\n"
        "        pass\n"
        "    class Config:\n"
        "        depth = 3\n"
    )
    assert {"scale", "ratio", "extra", "F", "__init__", "head", "tail", "gate", "fetch"} <= names
    assert {"Config"} <= names
    assert "state" not in names and "inner" not in names
    # a nested class's own attributes are not the outer class's
    assert "depth" not in names
    assert bases == ("base.Model", "Mixin", "Generic", None)


BASE = """\
import torch
from torch import nn


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(4, 3)

    def probs(self, x):
        return torch.softmax(self.head(x), dim=1)
"""

NET = """\
from torch import nn
from models.base import Base
from models import base


class Net(Base):
    def forward(self, x):
        state_dict = self.state_dict()  # a local of a method
        return self.head(x)


class Aliased(base.Base):
    pass


def make_base():
    return nn.Module


class Unknown(make_base()):
    pass
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'p'\n",
            "models/__init__.py": "",
            "models/base.py": BASE,
            "models/net.py": NET,
            "train.py": "from models.net import Net\nnet = Net()\nnet.state_dict()\n",
        },
    )
    return tmp_path


def test_a_member_no_class_along_the_bases_binds_costs_no_summary(project: Path) -> None:
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        net = SInstance("models/net.py", "Net")
        for name in ("state_dict", "eval", "to"):
            assert not ctx.may_have_member(net, name)
            assert ctx.method_summary(net, name) is None
        assert not ctx.may_have_member(SInstance("models/net.py", "Aliased"), "state_dict")
        assert session.store.computed == []
        # bound by the base's __init__ and methods, or the class itself
        assert ctx.may_have_member(net, "head")
        assert ctx.may_have_member(net, "probs")
        assert ctx.may_have_member(SClass("models/net.py", "Net"), "forward")
        assert ctx.may_have_member(SInstance("models/net.py", "Aliased"), "probs")
        # a base nobody can list: anything may be there
        assert ctx.may_have_member(SInstance("models/net.py", "Unknown"), "state_dict")
        assert session.store.computed == []
        found = ctx.method_summary(net, "probs")
        assert found is not None and found.name == "Base.probs"


def test_a_result_that_relied_on_a_missing_member_follows_the_bases(project: Path) -> None:
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        assert ctx.method_summary(SInstance("models/net.py", "Net"), "state_dict") is None
    deps = session.deps(ctx)
    assert set(deps) >= {"models/net.py", "models/base.py"}
    # a comment changes no class's syntax: still valid
    write(project, {"models/base.py": BASE + "# a comment\n"})
    assert ProjectSession.for_files([project / "train.py"]).still_valid(deps)
    # the base gains the method: the result is stale
    write(
        project,
        {"models/base.py": BASE + "\n    def state_dict(self):\n        return self.probs(1)\n"},
    )
    assert not ProjectSession.for_files([project / "train.py"]).still_valid(deps)


def test_calls_through_an_instance_beyond_the_listed_ones_make_its_callers_unknown(
    tmp_path: Path,
) -> None:
    from lossflint.project.summarize import MAX_CALL_RECORDS

    calls = "".join(
        f"loss{i} = crit(torch.softmax(z, dim=1), y)\n" for i in range(MAX_CALL_RECORDS + 2)
    )
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'p'\n",
            "losses.py": (
                "import torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
                "class L(nn.Module):\n    def forward(self, scores, target):\n"
                "        return F.cross_entropy(scores, target)\n"
            ),
            "train.py": f"import torch\nfrom losses import L\n\ncrit = L()\n{calls}",
        },
    )
    session = ProjectSession.for_files([tmp_path / "losses.py"])
    entry = session.store.by_rel("train.py")
    assert entry is not None
    records = [r for r in entry.summary.calls if r.name == "L.forward"]
    # the calls listed, and one opaque record for those that were not
    assert len(records) == MAX_CALL_RECORDS + 1
    assert records[-1].opaque


def test_plain_methods_by_syntax() -> None:
    """A method defined once in the body, bound no other way, is a plain
    method; a property with a setter, a rebound name, an attribute of the
    same name set anywhere, a ``def`` under an ``if`` are not."""
    cls = ast.parse(
        "class T:\n"
        "    def fit(self): pass\n"
        "    @property\n"
        "    def lr(self): return 1\n"
        "    @lr.setter\n"
        "    def lr(self, v): pass\n"
        "    def step(self): pass\n"
        "    step = staticmethod(step)\n"
        "    def head(self): pass\n"
        "    def __init__(self):\n"
        "        self.head = None\n"
        "    if FAST:\n"
        "        def run(self): pass\n"
        "    def run(self): pass\n"
    ).body[0]
    assert isinstance(cls, ast.ClassDef)
    assert class_shape(cls).methods == {"fit", "__init__"}


def test_a_plain_method_along_the_bases_is_named_without_a_summary(project: Path) -> None:
    """``net.probs`` runs ``Base.probs`` (another module): the classes'
    syntax says so; an attribute set anywhere along the bases would be read
    first, so then the summaries answer."""
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        net = SInstance("models/net.py", "Net")
        assert ctx.method_owner(net, "probs") == ("models/base.py", "Base")
        assert ctx.method_owner(net, "forward") == ("models/net.py", "Net")
        assert ctx.method_owner(net, "head") is None  # set by Base.__init__
        assert ctx.method_owner(SInstance("models/net.py", "Unknown"), "probs") is None
        assert session.store.computed == []


CONFIGS = """\
import torch
from dataclasses import dataclass
x = 1; y = 2


@dataclass
class Config:
    hidden: int = 256
    lr: float = 0.3


class Other:
    def fit(self):
        self.state = 1
"""


def test_shapes_read_from_a_class_s_own_lines_keep_the_module_s_lines(tmp_path: Path) -> None:
    """Each class's shape is read from its own lines when first asked
    (``exports.ClassShapes``): the same shape as a parse of the whole module,
    a literal field at its line in the module, decorators included."""
    from lossflint.project.exports import module_exports
    from lossflint.project.layout import Layout, Module

    write(tmp_path, {"pyproject.toml": "", "cfg.py": CONFIGS})
    module = Module(tmp_path / "cfg.py", "cfg.py")
    exports = module_exports(CONFIGS, module, Layout(tmp_path))
    whole = {c.name: class_shape(c) for c in ast.parse(CONFIGS).body if isinstance(c, ast.ClassDef)}
    assert set(exports.classes) == {"Config", "Other"}
    for name, shape in whole.items():
        assert exports.classes[name] == shape
    fields = dict(exports.classes["Config"].fields)
    assert fields["lr"].value == 0.3 and fields["lr"].line == 9
    assert exports.classes["Config"].dataclass_fields == ("hidden", "lr")
    # the exports' hash follows a class's text: a changed default is a change
    changed = module_exports(CONFIGS.replace("0.3", "0.03"), module, Layout(tmp_path))
    assert changed.hash != exports.hash
