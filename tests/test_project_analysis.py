"""Whole-project analysis (issue 14): the project's layout, import resolution,
module summaries, their cache and store, and the driver around a lint."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lossflint.project.context import ProjectContext, active, current
from lossflint.project.driver import ProjectSession, ResultDeps
from lossflint.project.imports import project_modules, scan_imports
from lossflint.project.layout import Layout, Module, find_root
from lossflint.project.store import MAX_DEPTH, SummaryStore
from lossflint.project.summary import (
    S_UNKNOWN,
    BadSummary,
    CallRecord,
    ClassSummary,
    EventSummary,
    FunctionSummary,
    ModuleSummary,
    Origin,
    SAlias,
    SClass,
    SFunction,
    SInstance,
    SLoss,
    SModule,
    STensor,
    STuple,
    empty_summary,
    summary_from_json,
    summary_hash,
    summary_to_json,
)
from lossflint.project.summary_cache import SummaryCache


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


NET = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=1)


def build_model(cfg):
    return Net()


criterion = nn.CrossEntropyLoss(reduction="sum")
"""

ENGINE = """\
import torch


def train_one_epoch(model, optimizer, loader):
    for x, y in loader:
        loss = model(x).sum()
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        loss.backward()
        optimizer.zero_grad()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(
        root,
        {
            "pyproject.toml": "",
            "train.py": "from models import Net\nfrom model import helper\n",
            "model.py": "def helper():\n    return 1\n",
            "models/__init__.py": "from .net import Net, build_model\nfrom . import net as net_module\n",
            "models/net.py": NET,
            "engine.py": ENGINE,
            "src/pkg/__init__.py": "",
            "src/pkg/mod.py": "from .sub.leaf import thing\n",
            "src/pkg/sub/__init__.py": "",
            "src/pkg/sub/leaf.py": "thing = 1\n",
            "scripts/run.py": "import helpers\n",
            "scripts/helpers.py": "",
        },
    )
    return root


# --- the root and the resolution of imports ----------------------------------------


def test_root_is_the_nearest_folder_with_a_marker(project: Path) -> None:
    assert find_root([project / "models" / "net.py"]) == project.resolve()
    assert find_root([project / "scripts" / "run.py"]) == project.resolve()


def test_root_without_marker_is_the_common_folder(tmp_path: Path) -> None:
    write(tmp_path, {"a/x/one.py": "", "a/y/two.py": ""})
    if any((p / ".git").exists() or (p / "pyproject.toml").exists() for p in tmp_path.parents):
        pytest.skip("a marker above the temporary folder")
    assert find_root([tmp_path / "a/x/one.py", tmp_path / "a/y/two.py"]) == (tmp_path / "a")


def test_root_that_is_a_package_resolves_its_own_name(tmp_path: Path) -> None:
    # ``check .`` inside the package ``pk`` (no marker above): its modules
    # import each other as ``pk.utils``; nothing outside the root is named
    write(
        tmp_path,
        {"w/pk/__init__.py": "", "w/pk/utils.py": "", "w/pk/a2c.py": "", "w/other.py": ""},
    )
    layout = Layout(tmp_path / "w/pk")
    importer = tmp_path / "w/pk/a2c.py"
    assert layout.resolve("pk.utils", importer) == Module(
        (tmp_path / "w/pk/utils.py").resolve(), "utils.py"
    )
    assert layout.resolve("pk", importer) == Module(
        (tmp_path / "w/pk/__init__.py").resolve(), "__init__.py"
    )
    assert layout.resolve("other", importer) is None
    assert layout.resolve("pk.missing", importer) is None
    assert Layout(tmp_path / "w").resolve("pk.utils", importer) == Module(
        (tmp_path / "w/pk/utils.py").resolve(), "pk/utils.py"
    )


def test_imports_resolve_to_project_files(project: Path) -> None:
    layout = Layout(project)
    train = project / "train.py"
    assert layout.resolve("models.net", train) == Module(
        (project / "models/net.py").resolve(), "models/net.py"
    )
    assert layout.resolve("models", train).rel == "models/__init__.py"  # type: ignore[union-attr]
    # a script imports its siblings
    assert layout.resolve("model", train).rel == "model.py"  # type: ignore[union-attr]
    assert layout.resolve("helpers", project / "scripts/run.py").rel == "scripts/helpers.py"  # type: ignore[union-attr]
    # src/ layout
    assert layout.resolve("pkg.mod", train).rel == "src/pkg/mod.py"  # type: ignore[union-attr]
    # relative imports go up from the importing file
    mod = project / "src/pkg/mod.py"
    assert layout.resolve_relative(mod, 1, "sub.leaf").rel == "src/pkg/sub/leaf.py"  # type: ignore[union-attr]
    assert layout.resolve_relative(mod, 1, "").rel == "src/pkg/__init__.py"  # type: ignore[union-attr]
    # not project modules: the standard library, frameworks, what does not exist
    assert layout.resolve("logging", train) is None
    assert layout.resolve("torch", train) is None
    assert layout.resolve("models.nothing", train) is None
    assert layout.resolve_relative(project / "train.py", 3, "x") is None


def test_code_inside_a_package_does_not_import_its_siblings_by_bare_name(project: Path) -> None:
    write(project, {"models/torch.py": "x = 1\n"})
    layout = Layout(project)
    # `import torch` in models/net.py is the framework, not models/torch.py
    assert layout.resolve("torch", project / "models/net.py") is None
    assert layout.resolve("models.torch", project / "models/net.py") is not None


def test_a_package_wins_over_a_module_of_the_same_name(tmp_path: Path) -> None:
    # CPython imports model/ (a regular package) before model.py; a namespace
    # folder (no __init__.py) loses to the module
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "train.py": "",
            "model.py": "",
            "model/__init__.py": "",
            "data.py": "",
            "data/loaders.py": "",
        },
    )
    layout = Layout(tmp_path)
    train = tmp_path / "train.py"
    assert layout.resolve("model", train).rel == "model/__init__.py"  # type: ignore[union-attr]
    assert layout.resolve("data", train).rel == "data.py"  # type: ignore[union-attr]


def test_nothing_outside_the_project_is_resolved(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": "", "train.py": ""})
    write(tmp_path, {"outside/evil.py": "x = 1\n", "outside/__init__.py": ""})
    os.symlink(tmp_path / "outside", root / "linked")
    os.symlink(tmp_path / "outside" / "evil.py", root / "evil.py")
    layout = Layout(root)
    assert layout.resolve("linked.evil", root / "train.py") is None
    assert layout.resolve("evil", root / "train.py") is None
    assert layout.resolve("linked", root / "train.py") is None


def test_a_symlinked_package_inside_the_project_resolves(project: Path) -> None:
    os.symlink(project / "models", project / "alias_models")
    layout = Layout(project)
    found = layout.resolve("alias_models.net", project / "train.py")
    assert found is not None and found.rel == "models/net.py"


def test_import_scan_finds_every_import_without_libcst(project: Path) -> None:
    text = "import a.b as c\nfrom .x import y, z\ndef f():\n    from models import *\n"
    refs = scan_imports(text)
    assert [(r.module, r.level, r.names, r.star) for r in refs] == [
        ("a.b", 0, (), False),
        ("x", 1, ("y", "z"), False),
        ("models", 0, (), True),
    ]
    assert scan_imports("def broken(:\n    import x\n") == []
    assert scan_imports("x = 1\n") == []


def test_project_modules_of_a_file(project: Path) -> None:
    layout = Layout(project)
    refs = scan_imports("import models.net\nfrom models import net\nimport torch\nimport model\n")
    found = {m.rel for m in project_modules(layout, project / "train.py", refs)}
    assert found == {"models/__init__.py", "models/net.py", "model.py"}


# --- summaries ------------------------------------------------------------------------


def sample_summary() -> ModuleSummary:
    origin = Origin("models/net.py", 11, 16, "torch.softmax", "Net.forward")
    probs = STensor("PROBS", origin=origin)
    return ModuleSummary(
        file="models/net.py",
        names={
            "Net": SClass("models/net.py", "Net"),
            "crit": SLoss("torch.nn.functional.cross_entropy", {"reduction": '"sum"'}),
            "pair": STuple((probs, S_UNKNOWN)),
            "other": SAlias("models/other.py", "Thing"),
        },
        star=("Net",),
        functions={
            "Net.forward": FunctionSummary("Net.forward", 10, ("self", "x"), probs),
            "fit": FunctionSummary(
                "fit", 20, ("opt",), S_UNKNOWN, (EventSummary("step", 21, 5, "opt", 0),)
            ),
        },
        classes={"Net": ClassSummary("Net", 5, (), probs, {}, ("forward",))},
        calls=(
            CallRecord("losses.py", "nll", 30, 5, (probs, S_UNKNOWN), {"target": S_UNKNOWN}),
            CallRecord("losses.py", "log_of", 0, 0, opaque=True, no_grad=True),
        ),
    )


def test_summary_json_round_trip() -> None:
    summary = sample_summary()
    text = json.dumps(summary_to_json(summary))
    again = summary_from_json(json.loads(text))
    assert again == summary
    assert summary_hash(again) == summary_hash(summary)
    assert len(text) < 2000  # small: a few hundred bytes per export


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(format=99),
        lambda d: d.update(parsed=1),
        lambda d: d.update(star="Net"),
        lambda d: d["names"].update(x={"t": "Evil"}),
        # a field left out is its default (the encoding omits defaults), but
        # a required one missing, a wrong type or an unknown field is damage
        lambda d: d["names"].update(x={"t": "STensor"}),
        lambda d: d["names"].update(x={"t": "STensor", "kind": 3}),
        lambda d: d["names"].update(x={"t": "STensor", "kind": "PROBS", "evil": 1}),
        lambda d: d["functions"]["fit"].update(line=2**40),
        lambda d: d.update(extra=1),
    ],
)
def test_damaged_summaries_are_rejected(damage) -> None:  # type: ignore[no-untyped-def]
    data = summary_to_json(sample_summary())
    damage(data)
    with pytest.raises(BadSummary):
        summary_from_json(data)


def test_deeply_nested_summary_is_rejected() -> None:
    value: dict = {"t": "SUnknown"}
    for _ in range(200):
        value = {"t": "STuple", "items": [value]}
    data = summary_to_json(empty_summary("a.py"))
    data["names"] = {"x": value}
    with pytest.raises(BadSummary):
        summary_from_json(data)


def test_summary_cache_round_trip_and_damage(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path / ".lossflint_cache")
    summary = sample_summary()
    cache.put("models/net.py", "a" * 64, summary, {"models/other.py": "b" * 64})
    found = cache.get("models/net.py", "a" * 64)
    assert found is not None and found.summary == summary
    assert found.deps == {"models/other.py": "b" * 64}
    assert cache.get("models/net.py", "c" * 64) is None  # other bytes: other entry
    # marked like the result cache
    assert (tmp_path / ".lossflint_cache" / "CACHEDIR.TAG").is_file()
    # damaged entries are misses, not errors
    (entry,) = (tmp_path / ".lossflint_cache").rglob("*.json")
    for text in ("{", "[]", '{"format": 1}', "[" * 100_000):
        entry.write_text(text)
        assert SummaryCache(tmp_path / ".lossflint_cache").get("models/net.py", "a" * 64) is None


# --- the store: summaries on demand ---------------------------------------------------


def test_summaries_of_imported_modules(project: Path) -> None:
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None and current() is ctx
        net = ctx.import_name("models", 0, "Net")
        assert net == SClass("models/net.py", "Net")  # through the package's re-export
        forward = ctx.method_summary(net, "forward")
        assert forward is not None and isinstance(forward.returns, STensor)
        assert forward.returns.kind == "PROBS"
        assert forward.returns.origin is not None
        assert forward.returns.origin.describe() == (
            "torch.softmax at models/net.py:11 in Net.forward"
        )
        build = ctx.import_name("models.net", 0, "build_model")
        assert isinstance(build, SFunction)
        function = ctx.function_summary(build)
        assert function is not None and function.returns == SInstance("models/net.py", "Net")
        assert ctx.import_name("models", 0, "net_module") == SModule("models/net.py")
        assert ctx.import_name("models", 0, "net") == SModule("models/net.py")
        crit = ctx.import_name("models.net", 0, "criterion")
        assert isinstance(crit, SLoss) and crit.keywords == {"reduction": '"sum"'}
        assert ctx.import_name("torch", 0, "softmax") is None
        assert ctx.import_name("models.net", 0, "nothing") is None
    assert current() is None
    deps = session.deps(ctx)
    assert deps is not None and set(deps) == {"models/__init__.py", "models/net.py"}


def test_loop_events_of_a_function_are_summarised(project: Path) -> None:
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        ref = ctx.import_name("engine", 0, "train_one_epoch")
        assert isinstance(ref, SFunction)
        function = ctx.function_summary(ref)
    assert function is not None
    assert [(e.kind, e.line, e.receiver, e.param, e.nested) for e in function.events] == [
        ("step", 7, "optimizer", 1, True),
        ("clip", 8, None, None, True),
        ("backward", 9, "loss", None, True),
        ("zero_grad", 10, "optimizer", 1, True),
    ]


def test_star_imports_of_project_modules(project: Path) -> None:
    write(
        project,
        {"models/all.py": "from .net import *\n", "models/net.py": NET + "__all__ = ['Net']\n"},
    )
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        assert ctx.star_names("models.net", 0) == {"Net": SClass("models/net.py", "Net")}
        assert ctx.import_name("models.all", 0, "Net") == SClass("models/net.py", "Net")
        assert ctx.import_name("models.all", 0, "build_model") is None


def test_a_module_that_does_not_parse_contributes_nothing(project: Path) -> None:
    write(project, {"models/net.py": "def broken(:\n"})
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        assert ctx.import_name("models.net", 0, "Net") is None
        assert ctx.import_name("models", 0, "Net") == SAlias("models/net.py", "Net")


def test_summaries_are_cached_by_content(project: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = ProjectSession.for_files([project / "train.py"], folder)
    with first.linting(project / "train.py") as ctx:
        assert ctx is not None
        net = ctx.import_name("models", 0, "Net")
        assert net == SClass("models/net.py", "Net")
        # what a name is comes from the modules' syntax: no summary computed yet
        assert first.store.computed == []
        assert ctx.method_summary(net, "forward") is not None
    deps = first.deps(ctx)
    assert deps is not None
    # the package __init__ was only read for its names
    assert first.store.computed == ["models/net.py"]
    assert deps["models/__init__.py"].startswith("x:")
    second = ProjectSession.for_files([project / "train.py"], folder)
    assert second.still_valid(deps)
    assert second.store.computed == []  # everything from the cache
    # a comment does not change the summary: the result stays valid
    write(project, {"models/net.py": NET + "# a comment\n"})
    third = ProjectSession.for_files([project / "train.py"], folder)
    assert third.still_valid(deps)
    assert third.store.computed == ["models/net.py"]
    # the model's output changes: results that used it are stale
    write(project, {"models/net.py": NET.replace("torch.softmax(self.fc(x), dim=1)", "self.fc(x)")})
    fourth = ProjectSession.for_files([project / "train.py"], folder)
    assert not fourth.still_valid(deps)


def test_unsaved_editor_text_counts(project: Path) -> None:
    session = ProjectSession.for_files([project / "train.py"])
    edited = NET.replace("torch.softmax(self.fc(x), dim=1)", "self.fc(x)")
    session.set_overlay(str(project / "models/net.py"), edited)
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        forward = ctx.method_summary(SClass("models/net.py", "Net"), "forward")
        assert forward is not None
        assert not (isinstance(forward.returns, STensor) and forward.returns.kind == "PROBS")


def _importing_summarizer(text: str, module: Module, context: ProjectContext) -> ModuleSummary:
    """A stand-in for the analysis: a module exports ``value``, which is what
    the module it imports exports (``import other``), or a tensor."""
    refs = scan_imports(text)
    names = {}
    if refs:
        got = context.import_name(refs[0].module, 0, "value")
        names["value"] = got if got is not None else S_UNKNOWN
    else:
        names["value"] = STensor("PROBS")
    return ModuleSummary(file=module.rel, names=names)


def test_import_cycles_settle_and_stay_bounded(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "a.py": "import b\n", "b.py": "import a\n"})
    layout = Layout(tmp_path)
    store = SummaryStore(layout, summarizer=_importing_summarizer)
    started = time.monotonic()
    found = store.get(layout.resolve("a", tmp_path / "x.py"))  # type: ignore[arg-type]
    assert found is not None
    assert found.summary.names["value"] == S_UNKNOWN  # nothing known anywhere: silence
    assert time.monotonic() - started < 5


def test_cycle_with_a_fact_from_outside(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"pyproject.toml": "", "a.py": "import b\n", "b.py": "import c\n", "c.py": ""},
    )
    layout = Layout(tmp_path)
    store = SummaryStore(layout, summarizer=_importing_summarizer)
    found = store.get(layout.resolve("a", tmp_path / "x.py"))  # type: ignore[arg-type]
    assert found is not None and found.summary.names["value"] == STensor("PROBS")


def test_settling_a_cycle_computes_again_only_what_read_a_changed_member(tmp_path: Path) -> None:
    """a imports b imports c imports a: only c read a member (a) before its
    summary existed; a and b read final summaries and are not computed again."""
    write(
        tmp_path,
        {"pyproject.toml": "", "a.py": "import b\n", "b.py": "import c\n", "c.py": "import a\n"},
    )
    computed: list[str] = []

    def counting(text: str, module: Module, context: ProjectContext) -> ModuleSummary:
        computed.append(module.rel)
        return _importing_summarizer(text, module, context)

    layout = Layout(tmp_path)
    store = SummaryStore(layout, summarizer=counting)
    found = store.get(layout.resolve("a", tmp_path / "x.py"))  # type: ignore[arg-type]
    assert found is not None and found.summary.names["value"] == S_UNKNOWN
    assert sorted(computed) == ["a.py", "b.py", "c.py", "c.py"]


def test_deep_import_chains_are_bounded(tmp_path: Path) -> None:
    count = MAX_DEPTH * 3
    files = {"pyproject.toml": ""}
    for i in range(count):
        files[f"m{i}.py"] = f"import m{i + 1}\n" if i + 1 < count else ""
    write(tmp_path, files)
    layout = Layout(tmp_path)
    store = SummaryStore(layout, summarizer=_importing_summarizer)
    found = store.get(layout.resolve("m0", tmp_path / "x.py"))  # type: ignore[arg-type]
    assert found is not None and found.summary.names["value"] == S_UNKNOWN


def test_ten_thousand_modules(tmp_path: Path) -> None:
    """A generated 10k-module tree: resolving and summarising what one file
    imports stays fast (nothing walks the tree)."""
    files = {"pyproject.toml": ""}
    for i in range(100):
        files[f"pkg/p{i}/__init__.py"] = ""
        for j in range(100):
            files[f"pkg/p{i}/m{j}.py"] = f"from pkg.p{i}.m{(j + 1) % 100} import value\n"
    files["pkg/__init__.py"] = ""
    files["train.py"] = "from pkg.p5.m7 import value\n"
    write(tmp_path, files)
    started = time.monotonic()
    layout = Layout(tmp_path)
    store = SummaryStore(layout, summarizer=_importing_summarizer)
    found = store.get(layout.resolve("pkg.p5.m7", tmp_path / "train.py"))  # type: ignore[arg-type]
    assert found is not None
    assert len(store.computed) <= 100  # only the cycle it imports
    assert time.monotonic() - started < 20


def test_result_deps_record(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    record = ResultDeps(folder, "ns", tmp_path)
    record.store(str(tmp_path / "train.py"), "a" * 64, {"models/net.py": "b" * 64})
    (tmp_path / "train.py").write_text("")
    record.save()
    again = ResultDeps(folder, "ns", tmp_path)
    assert again.get(str(tmp_path / "train.py"), "a" * 64) == {"models/net.py": "b" * 64}
    assert again.get(str(tmp_path / "train.py"), "c" * 64) is None
    assert (
        ResultDeps(folder, "ns", tmp_path / "other").get(str(tmp_path / "train.py"), "a" * 64)
        is None
    )


def test_no_context_outside_the_project(tmp_path: Path, project: Path) -> None:
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(tmp_path / "elsewhere.py") as ctx:
        assert ctx is None and current() is None
    with active(None):
        assert current() is None


def test_bridge_reads_imported_names_like_the_interpreter(project: Path) -> None:
    import libcst as cst

    from lossflint.project import bridge

    session = ProjectSession.for_files([project / "train.py"])
    module = cst.parse_module(
        "from models import Net as Model\nimport models.net\nimport models.net as mn\n"
    )
    imports = [
        small
        for stmt in module.body
        if isinstance(stmt, cst.SimpleStatementLine)
        for small in stmt.body
        if isinstance(small, (cst.Import, cst.ImportFrom))
    ]
    from_import, plain, aliased = imports
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        cls = bridge.value_of_import(from_import, "Model")
        assert cls == SClass("models/net.py", "Net")
        assert bridge.value_of_import(plain, "models") == SModule("models/__init__.py")
        assert bridge.value_of_import(aliased, "mn") == SModule("models/net.py")
        assert bridge.value_of_qualname("models.net.Net") == cls
        assert bridge.value_of_qualname("models.Net") == cls
        instance = bridge.call(cls)
        assert instance == SInstance("models/net.py", "Net")
        output = bridge.call(instance)
        assert isinstance(output, STensor) and output.kind == "PROBS"
        factory = bridge.value_of_qualname("models.build_model")
        assert factory is not None and bridge.call(factory) == instance
        forward = bridge.attribute(instance, "forward")
        assert forward == SFunction("models/net.py", "Net.forward")
        assert bridge.value_of_qualname("models.nothing") is None
        assert bridge.value_of_qualname("torch.nn") is None
    assert bridge.value_of_qualname("models.Net") is None  # no project: nothing known


# --- findings across files (fixtures/projects/) ------------------------------------

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"

#: codes and positions of ``lossflint check .`` in each project
GOLDEN = {
    # an optimiser class in another module: a torch subclass still needs
    # zero_grad; one written by hand (a NumPy framework's SGD) steps its own way
    "optimizer_written_elsewhere": ["train.py:9:5: LF303"],
    "optimizer_written_elsewhere_precision": [],
    "framework_written_by_hand": ["train.py:16:15: LF602"],
    # an optimiser rebuilt every epoch and handed to another module's trainer
    # stepping it per batch; silent when that trainer runs whole epochs
    # itself (a fresh one per fold or restart) or each model gets its own
    "optimizer_per_epoch_elsewhere": ["train.py:12:17: LF311", "train.py:16:11: LF311"],
    "optimizer_per_epoch_elsewhere_precision": [],
    # a helper called only with detached tensors, named again in a comment,
    # a docstring and a string: those call nothing (audit s99)
    "mentioned_in_comment_precision": [],
    # another module's trainer returns the loss it backpropagated (its loss
    # function handed in): kept per batch; silent when it returns .item()
    "step_returns_loss_elsewhere": ["train.py:12:5: LF306", "train.py:17:5: LF306"],
    "step_returns_loss_elsewhere_precision": [],
    # a test loader (one of two, by a flag) handed to another module's
    # train-or-evaluate function without an optimiser: evaluated on
    "loader_evaluated_elsewhere_precision": [],
    # NLLLoss built in run.py, applied in another module's closure to the raw
    # logits of a model of a third one (held-out H9 p02, lost for a while when
    # two sightings of one foreign loss joined to "some loss")
    "closure_loss_elsewhere": ["engine/trainer.py:6:16: LF102"],
    # a script that trains nothing and imports nothing that trains: its RMSE
    # has no gradient; the same script beside a machine trained by autograd
    "hand_trained_script": ["train.py:16:18: LF205"],
    "hand_trained_script_precision": [],
    # a model module's __main__ self-test with anomaly mode on: silent when
    # no backward pass runs there
    "anomaly_self_test": ["net.py:18:5: LF314"],
    "anomaly_self_test_precision": [],
    # ``from crops.models import TempNet``: the package's class, not its
    # submodule of the same name (BreizhCrops)
    "class_named_like_module": ["train.py:10:12: LF112"],
    # ``size_average`` set on a loss another module builds; the project's
    # own loss reading its ``reduce`` attribute stays silent
    "loss_attribute_elsewhere": ["train.py:7:9: LF113"],
    "softmax_model": [
        "explore.ipynb:cell 3:5:8: LF101",
        # model(x) and other(x): one cause (Net.forward's softmax), a finding
        # at each loss call naming the other
        "train.py:14:16: LF101",
        "train.py:15:23: LF101",
    ],
    "loss_helper": ["train.py:22:39: LF201"],
    # get_model(kind) picks from a registry dict of models ending in Linear;
    # a registry a decorator (zoo.py) or another module (plugins.py) adds to stays unknown
    "model_registry": ["train.py:15:12: LF105"],
    "keras_factory": [
        "model.py:21:13: LF403",
        "train.py:8:5: LF401",
        "train.py:13:36: LF404",
    ],
    # compile with strings only, on a model built in another module: the
    # script calls nothing under keras (torch's Module.compile() stays silent)
    "keras_string_compile": ["train.py:6:33: LF404"],
    # another module's step function that never clears, run by this loop (the
    # subclass that clears stays silent)
    "step_elsewhere": ["train.py:11:5: LF303"],
    # a model class chosen by an option among another module's classes that all
    # end in softmax (ACGAN); one ending in log_softmax makes it unknown
    "model_by_option": ["main.py:21:12: LF102"],
    # an AverageMeter in utils.py whose update adds the loss tensor into its sum
    "meter_update": ["train.py:17:9: LF306"],
    # train.py calls losses.py's helper through an alias (`loss_fn = joint_loss`):
    # its calls pin the helper's parameters like direct ones
    "aliased_helper": ["losses.py:5:10: LF101"],
    # a builder's head activation is a parameter: each call says (or relies on
    # the default) what the head is; the matching pairs are silent
    # and a head from factory.py used as the last layer of a functional model,
    # its units a constant of the caller
    "keras_head_activation": [
        # a functional head helper of heads.py applied to a tensor here
        "functional.py:14:5: LF401",
        "tagger.py:12:34: LF409",
        "train.py:9:5: LF401",
        "train.py:14:40: LF402",
    ],
    # the Keras facts pin a builder's parameters from other files' calls too:
    # `image_backbone()` relies on its channels-first default; the other call
    # passes its own shape (silent)
    "keras_builder_defaults": ["builders.py:9:9: LF411"],
    # geometry.py's helper returns a cosine similarity (its summary says so)
    "cosine_helper": ["losses.py:8:13: LF207"],
    # a keras.Model subclass of models.py whose call() ends in a Dense without
    # activation, compiled in train.py with a probability loss (its softmax twin: silent)
    "keras_subclass": ["train.py:9:34: LF402"],
    # the init function's file builds no layer; the model applying it is elsewhere
    "init_elsewhere": ["utils/init.py:8:9: LF315"],
    # the data set's class (datasets.py) and the loop that trains on the loader
    # (engine.py) are in other modules, or the loader is built by a factory whose caller trains on it
    "loader_elsewhere": [
        "datasets.py:49:13: LF602",
        "datasets.py:55:12: LF602",
        "datasets.py:59:12: LF602",
        "train.py:14:16: LF602",
    ],
    # a shape tuple written in config.py reaches the layer built in model.py
    # (and a factory's units default naming a constant of config.py)
    "keras_config_shapes": ["model.py:11:13: LF408", "train.py:6:54: LF409"],
    # the callee runs a whole iteration: reported where it is written, once
    "trainer_engine": ["engine.py:15:9: LF301"],
    "closures": ["train.py:13:16: LF101"],
    # the eval() of evaluation.py is reported there too (the convention's
    # place), and the call in train.py for a lint of train.py alone
    # the call of another module's helper defers to the helper's eval(), which
    # the run reports (one finding per bug, audit s152)
    "eval_helper": ["evaluation.py:5:5: LF309", "train.py:8:5: LF309"],
    "precision": [],
    # a policy's std is exp of its log-std in models.py (never 0: silent); a
    # ReLU rate from there can be 0
    "policy_std_elsewhere": ["train.py:12:36: LF202"],
    # a helper imported relatively (`from .preprocessing import ...`) and called
    # only inside a transforms.Lambda: its calls are recorded, no gradient
    "relative_import_transform_precision": [],
    # the model's dropout sits in a layer class imported relatively: eval left
    # on in the epoch loop matters
    # (and in a generator's block that another module's validate() evaluates)
    "relative_layer_mode": [
        "pkg/train.py:29:9: LF309",
        "pkg/validation.py:5:5: LF309",
    ],
    # the same with mode-free layer classes of another module (seungwonpark's
    # melgan): eval mode changes nothing, silent
    "relative_layer_mode_precision": [],
    # torch's names handed on by the project package's star import
    # (`from models import *` with `import torch.nn as nn` in models/__init__)
    "star_framework_names": ["run.py:6:47: LF110", "run.py:7:8: LF113"],
    # the package binds nn and F to its own helpers: not torch's
    "star_framework_names_precision": [],
    # the teacher's features detached by the only caller, in another module:
    # only the student's root meets a gradient (SemCKD's PKT, audit s92)
    "detached_argument_elsewhere": ["distiller/pkt.py:14:23: LF205"],
    "detached_argument_elsewhere_twin": ["lib/losses.py:5:32: LF205", "lib/losses.py:6:32: LF205"],
    # the same function called with arrays by another module, and run in
    # training here through ``self.sim = order_sim`` (vsepp, R79)
    "detached_argument_aliased": ["model.py:10:13: LF205"],
    # F bound two star imports away (HAWQ: utils/__init__ star-imports a submodule)
    "star_chain_names": ["train.py:10:12: LF107"],
    # the chain binds the project's own F
    "star_chain_names_precision": [],
    # a module of Keras metrics (talos's keras_metrics.py): its rmse is a
    # metric, handed to compile(metrics=[...]) by another module
    "metrics_module_precision": [],
    # rmse and rse are only Keras metrics of model.py (metrics=[...] through a
    # star import, custom_objects), main.py's `rse` is its own variable;
    # rmse_loss is the loss (mounalab's forecasting repo, fbadine's LSTNet)
    "keras_metric_elsewhere": ["utils.py:16:12: LF205"],
    # loss functions of losses.py given to compile(loss=...) in train.py: Keras
    # calls them with the output of model.py's softmax classifier
    "keras_compiled_loss": ["losses.py:6:39: LF201", "losses.py:11:12: LF401"],
    # handed on through a dict, clipped like Keras's own loss, a regression model
    "keras_compiled_loss_precision": [],
    # the configuration handed to a star-imported project function that never
    # sets its fields: its lr of 1 is applied (MrGiovanni/ModelsGenesis)
    "config_star_import": ["train.py:14:49: LF307"],
    "bad_input": ["broken.py:1:12: LF900"],
    # loss objects built in losses.py: module level, a factory, an instance
    # attribute, a class attribute
    "loss_object": [
        "train.py:14:16: LF101",
        "train.py:15:23: LF101",
        "train.py:16:23: LF104",
        "train.py:17:23: LF101",
    ],
    # a project-local CrossEntropyLoss instance; names rebound after the import
    "loss_object_precision": [],
    # nll_from_probs's parameter, pinned by its one caller in train.py
    "call_sites": ["losses.py:6:13: LF201"],
    # real_loss is re-exported by losses/__init__.py; its one caller imports it from there
    "reexported_helper": ["losses/adversarial.py:9:12: LF103"],
    # callers through the package and directly disagree; a re-export under another name
    "reexported_helper_precision": [],
    # callers disagree (probabilities / logits), a helper passed as a value,
    # a same-file call that does not know, a caller through `import *`
    "call_sites_precision": [],
    # rmse is only called under no_grad in train.py; distance also in the loss
    "no_grad_helper": ["metrics.py:11:12: LF205"],
    # step before backward, scheduler before the optimizer, inside Trainer methods
    "trainer_order": ["engine.py:11:9: LF305", "engine.py:18:9: LF310"],
    # a dropout model of model.py evaluated without eval() here; evaluate_ok.py calls it
    "foreign_train_mode": ["evaluate.py:8:13: LF603"],
    # learning rates written in configs/base.py: a dict entry (re-exported by
    # the package), a nested entry, a module attribute
    "config_constants": ["train.py:9:51: LF307", "train.py:10:46: LF307", "train.py:11:49: LF307"],
    # overridden by cli.py at run time, a scheduler's peak, small, computed,
    # changed in its own module, bound twice
    "config_constants_precision": [],
    # an EasyDict filled by config.py (py-faster-rcnn style): two learning
    # rates, and a decay start of -1 that makes a resumed epoch loop step the
    # scheduler before train() steps the optimizer (C-3-Framework, audit s182)
    "config_namespaces": [
        "trainer.py:12:66: LF307",
        "trainer.py:13:72: LF307",
        "trainer.py:22:17: LF310",
    ],
    # merged from YAML (yacs merge_from_file, py-faster-rcnn's cfg_from_file),
    # set by cli.py, set under an if, twice, computed, updated in place, a
    # positive decay start
    "config_namespaces_precision": [],
    # perturb() switches a deep copy to eval mode, probe() the caller's model
    "eval_copy": ["attacks.py:13:5: LF309"],
    # a trainer evaluates the model build_net() made, in the train mode its
    # own train_epoch() set; careful.py's twin calls eval() first
    "trainer_eval_mode": ["engine.py:21:29: LF603"],
    # a project scheduler class with its own step() (stepped first on
    # purpose); a project factory returning torch schedulers is reported
    "own_scheduler": ["train.py:23:13: LF310"],
    # a trainer stepping the scheduler it is handed before the optimiser: a
    # torch StepLR is reported; in a project that writes its own schedulers
    # (built from a registry by a config string) which one arrives is unknown
    "scheduler_handed_to_trainer": ["engine/trainer.py:15:13: LF310"],
    "scheduler_handed_to_trainer_precision": [],
    # a unit count from settings.py; another one prepare.py rebinds at run time;
    # zoo.tagger(8) builds Dense(n_tags) with n_tags = 8 (unknown from argv)
    # a unit count from the command line: categorical cross-entropy on sigmoid
    # outputs is wrong for any count (with one unit the loss is identically 0)
    "keras_config_units": [
        "model.py:12:37: LF405",
        "train_zoo.py:9:32: LF409",
        "train_zoo.py:13:32: LF409",
    ],
    # raw keras.datasets pixels returned by data.py's loader reach fit here
    "keras_data_helper": ["train.py:9:1: LF412"],
    # nn.Sequential stacks from another module: a factory's and a module-level one
    "sequential_factory": ["train.py:8:12: LF102", "train.py:9:19: LF101"],
    # Keras loss objects built in losses.py: module level (from_logits=True on
    # softmax; the default on logits), a factory, a custom GradientTape step,
    # a class attribute and an instance attribute
    "keras_loss_object": [
        "train.py:7:33: LF401",
        "train.py:16:40: LF402",
        "train.py:20:41: LF401",
        "train.py:33:16: LF401",
        "train.py:43:38: LF401",
        "train.py:45:40: LF401",
        "train.py:51:38: LF401",
        "train.py:53:44: LF402",
    ],
    # a project-local CategoricalCrossentropy, a factory whose branches
    # disagree, an attribute set twice, a factory rebinding its from_logits
    # parameter, a flag that is not a literal at the call
    "keras_loss_object_precision": [],
    # half an iteration in the callee: a clip after the callee's own step is
    # reported at the clip (the reporting conventions); a scheduler stepped
    # before the optimizer at the call, naming engine.py
    "partial_callee": ["engine.py:14:9: LF301", "train.py:27:9: LF310"],
    # Trainer.__init__'s parameters, pinned by its one construction in train.py
    "trainer_class_pins": ["engine.py:11:20: LF101"],
    # constructions that disagree (softmax Net / LogitNet), one with **cfg, a
    # subclass in another file, a class its own file puts in a registry or
    # registers with a decorator
    "trainer_class_pins_precision": [],
    # parameters annotated with a class of models.py (`model: Classifier`,
    # `model: models.Scorer`, an `__init__`'s `model: Ranker` kept on self)
    # and `self.model: models.Scorer = model`: an instance of it
    "annotated_param": [
        "train.py:12:16: LF101",
        "train.py:18:13: LF605",
        "train.py:30:16: LF101",
        "train.py:40:16: LF605",
    ],
    # a class subclassed in another file (the subclass returns logits), also
    # through an `__init__`; `Optional[...]` and quoted annotations; an
    # annotated model evaluated without eval() (its caller may have called it)
    "annotated_param_precision": [],
    # Trainer inherits BaseTrainer's __init__ (same file): its one
    # construction in train.py pins it
    "inherited_init_pins": ["engine.py:13:20: LF101"],
    # the base also built elsewhere with logits, a subclass whose own
    # __init__ calls super().__init__, a subclass in another file
    "inherited_init_pins_precision": [],
    # Trainer.fit's model, pinned by its one call in train.py (trainer.fit(Net(), loader))
    "method_pins": ["engine.py:14:20: LF101"],
    # a loss class of another module called through its instance (``crit =
    # SmoothedCE(); crit(net(x), y)``, ``self.focal(...)`` in a trainer):
    # its forward's parameters hold what those calls pass
    "instance_calls": ["losses/smooth.py:13:16: LF101", "losses/smooth.py:18:14: LF101"],
    # an instance handed on to another function, callers that disagree, a
    # subclass elsewhere, an instance the defining module makes itself
    "instance_calls_precision": [],
    # features.py scales the whole frame it is given and returns it; train.py
    # splits what it returned (LF601 at the fit, naming the split)
    "scaled_elsewhere": ["features.py:11:20: LF601"],
    # model.py's factories build a Dense head on a feature map / a sequence;
    # train.py compiles them for one label per sample: LF410 at the Dense, in
    # model.py (train.py's findings would point at its own call)
    "keras_head_elsewhere": ["model.py:15:9: LF410", "model.py:25:13: LF410"],
    # a per-pixel regression, a tagger fitted on per-token tags, a factory
    # never compiled by an importer (a notebook runs model.py with ``%run``)
    "keras_head_elsewhere_precision": [],
    # data/loaders.py's helpers return labels divided like pixels (or by their
    # maximum); train.py fits classifiers on them: LF413 at the division, in
    # data/loaders.py
    "labels_scaled_elsewhere": ["data/loaders.py:10:5: LF413", "data/loaders.py:17:5: LF413"],
    # a regression on them, labels left alone, a two-unit head, a cast back
    "labels_scaled_elsewhere_precision": [],
    # scheduler.step() at the top of the epoch, then engine.train_one_epoch(...)
    # (its own batch loop steps the optimiser it is handed): LF310; silent in
    # train_ok.py: step(epoch), another optimiser's scheduler, the right order
    "scheduler_before_engine": ["train.py:12:5: LF310"],
    # the epoch loop steps its scheduler, then a trainer method (another
    # module) built with the optimiser steps it batch by batch; the trainer's
    # own warm-up scheduler is another one (H15 p01)
    "scheduler_before_trainer_method": ["train.py:12:9: LF310"],
    # a Keras factory's model ends in a Softmax layer (model.py); its output
    # fed to a *_with_logits loss in evaluate.py
    "keras_softmax_elsewhere": ["evaluate.py:11:11: LF101"],
    # a weightless mel front-end (mel.py) whose STFT magnitude train.py
    # back-propagates through (a mel reconstruction loss) ...
    "frontend_in_loss": ["mel.py:18:21: LF205"],
    # ... and the same front-end applied only to data and, under no_grad, to
    # detached audio (melgan): no gradient reaches the sqrt (R14)
    "frontend_in_loss_precision": [],
    # ``from evaluate import evaluate``: a dim-0 softmax of the model train.py
    # hands evaluate() (its calls stay known)
    "same_name_module": ["evaluate.py:10:17: LF605"],
    # losses.py's BCE (a loss class called through its instance, a function)
    # runs under train.py's autocast region: LF313 at the BCE, in losses.py
    "autocast_elsewhere": ["losses.py:8:16: LF313", "losses.py:12:12: LF313"],
    # the loss turns autocast off around its BCE; the other BCE is called
    # outside the region
    "autocast_elsewhere_precision": [],
    # the model is handed only to losses.py's recon_loss, which just calls
    # it (FunctionSummary.mode_safe): still in train mode when embed()
    # collects its outputs under no_grad (LF603)
    "mode_safe_helper": ["train.py:21:26: LF603"],
    # a helper that switches modes (validate), eval() before the extraction
    "mode_safe_helper_precision": [],
    # a notebook is a caller too: it splits what features.py scaled whole,
    # trains on data.py's unshuffled loader, hands softmax output to losses.py
    # (a function, and a loss class called through its instance)
    "notebook_caller": [
        "data.py:18:12: LF602",
        "features.py:11:20: LF601",
        "losses.py:6:12: LF101",
        "losses.py:15:16: LF101",
    ],
    # the notebook scales only to plot and splits the raw frame, evaluates on
    # the loader, gives the loss logits; another runs the module (``%run``):
    # its calls are out of sight
    "notebook_caller_precision": [],
    # get_model(name) returns MODEL_ZOO[name](**kw): a literal key picks the
    # entry (the softmax one); the Linear one and a key from argv stay silent
    "keyed_registry": ["train.py:13:8: LF101"],
    # the caller splits first and scales each part; a whole frame scaled for a
    # plot and never split
    "scaled_elsewhere_precision": [],
    # a call in a file that does not import engine (an instance handed over),
    # calls that disagree, a bound method passed on, a call on a receiver the
    # defining file does not know
    "method_pins_precision": [],
    # tf.data datasets of keras.datasets arrays built in data.py (a factory,
    # a module-level one), iterated here: their labels are known (r604)
    "tfdata_pipeline": [
        "train.py:15:20: LF604",
        "train.py:24:12: LF604",
        "train.py:25:29: LF604",
    ],
    # map() in the pipeline, a factory whose branches disagree, the right
    # order, a module-level dataset rebound through map()
    "tfdata_pipeline_precision": [],
}


def _check(folder: Path, *args: str) -> tuple[int, list[str], str]:
    import re
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = [
        re.sub(r"^(.*?:\d+:\d+: LF\d+) .*$", r"\1", line)
        for line in proc.stdout.splitlines()
        if re.match(r"^.*?:\d+:\d+: LF\d+ ", line)
    ]
    return proc.returncode, found, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_project_fixture_findings(name: str) -> None:
    code, found, output = _check(PROJECTS / name, ".")
    assert found == GOLDEN[name], output
    assert code == (1 if GOLDEN[name] else 0), output
    assert "Traceback" not in output


def test_evidence_names_the_other_file() -> None:
    _, _, output = _check(PROJECTS / "softmax_model", "train.py")
    assert (
        "train.py:14:16: LF101 CrossEntropyLoss gets softmax output (it applies log_softmax "
        "itself): `model(x)` comes from F.softmax at models/net.py:18 in Net.forward; "
        "pass the logits instead"
    ) in output


def test_a_keras_loss_built_elsewhere_is_related() -> None:
    """JSON ``related`` names where the loss object was built, in its file."""
    _, _, output = _check(
        PROJECTS / "keras_loss_object", "train.py", "--output-format", "json", "-q"
    )
    found = {
        (d["location"]["row"], d["code"]): [
            (r["filename"], r["location"]["row"], r["message"]) for r in d["related"]
        ]
        for d in json.loads(output[: output.rindex("]") + 1])
    }
    assert found[(7, "LF401")] == [
        ("train.py", 6, "the model's output"),
        ("losses.py", 4, "the loss is built here"),
    ]
    assert found[(16, "LF402")][1:] == [("losses.py", 6, "the loss is built here")]
    assert found[(43, "LF401")][1:] == [("losses.py", 14, "the loss is built here")]


def test_keras_layer_of_another_module_is_named_there() -> None:
    """Regression: the message named the line of the factory's call in this
    file ("at line 6") as the Softmax layer's place."""
    _, found, output = _check(PROJECTS / "keras_softmax_elsewhere", "evaluate.py")
    assert found == ["evaluate.py:11:11: LF101"], output
    assert "last layer `Softmax()` at model.py:12;" in output, output


def test_imported_modules_are_read_not_reported() -> None:
    code, found, output = _check(PROJECTS / "keras_factory", "train.py")
    # model.py's own LF403 is not reported: only train.py was named
    assert found == ["train.py:8:5: LF401", "train.py:13:36: LF404"], output
    code, found, output = _check(PROJECTS / "bad_input", "train.py")
    assert (code, found) == (0, []), output  # the broken module is not reported


def _cached_linter(
    tmp_path: Path, fixture: str, target: str
) -> tuple[Path, Callable[[], list[str]]]:
    """Copies the fixture project to tmp_path and returns the copy with a function
    linting `target` there through its result cache (a new cache object per
    call, as separate runs would)."""
    import shutil

    from lossflint.cache import ResultCache
    from lossflint.config import Settings
    from lossflint.parallel import run_files

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / fixture, root)
    settings = Settings(root=root)

    def lint() -> list[str]:
        cache = ResultCache(root / ".lossflint_cache", "test")
        result = run_files([root / target], settings, jobs=1, cache=cache)
        return [f"{d.location.row}:{d.location.column} {d.code}" for d in result.diagnostics]

    return root, lint


def test_editing_an_imported_module_changes_the_importers_findings(tmp_path: Path) -> None:
    root, lint = _cached_linter(tmp_path, "softmax_model", "train.py")
    assert lint() == ["14:16 LF101", "15:23 LF101"]
    assert lint() == ["14:16 LF101", "15:23 LF101"]  # from the cache
    net = root / "models" / "net.py"
    net.write_text(net.read_text() + "# a comment\n")
    assert lint() == ["14:16 LF101", "15:23 LF101"]
    net.write_text(
        net.read_text().replace("F.softmax(self.head(hidden), dim=1)", "self.head(hidden)")
    )
    assert lint() == []


def test_flake8_plugin_sees_the_project() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=LF", "train.py"],
        cwd=PROJECTS / "softmax_model",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout.splitlines() == [
        "train.py:14:16: LF101 CrossEntropyLoss gets softmax output (it applies log_softmax "
        "itself): `model(x)` comes from F.softmax at models/net.py:18 in Net.forward; "
        "pass the logits instead (output of the same layer also reaches the loss at line 15)",
        "train.py:15:23: LF101 CrossEntropyLoss gets softmax output (it applies log_softmax "
        "itself): `other(x)` comes from F.softmax at models/net.py:18 in Net.forward; "
        "pass the logits instead (output of the same layer also reaches the loss at line 14)",
    ], proc.stderr


def test_related_locations_name_the_other_file() -> None:
    import json
    import subprocess
    import sys

    def run(fmt: str) -> Any:
        proc = subprocess.run(
            [sys.executable, "-m", "lossflint", "check", "--no-cache", "--output-format", fmt],
            cwd=PROJECTS / "softmax_model",
            capture_output=True,
            text=True,
            timeout=300,
        )
        return json.loads(proc.stdout)

    found = run("json")
    train, _other = [d for d in found if d["filename"] == "train.py"]
    assert train["related"] == [
        {
            "message": "probabilities produced here",
            "filename": "models/net.py",
            "location": {"row": 18, "column": 16},
            "end_location": {"row": 18, "column": 16},
        }
    ]
    sarif = run("sarif")
    results = sarif["runs"][0]["results"]
    result, _other = [
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py"
    ]
    (location,) = result["relatedLocations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "models/net.py"
    assert location["physicalLocation"]["region"]["startLine"] == 18


def test_stdin_buffer_sees_its_project(run_cli) -> None:  # type: ignore[no-untyped-def]
    """``--stdin-filename`` (editors, pre-commit wrappers) lints the buffer in
    its project: the softmax model of models/net.py is followed."""
    root = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "softmax_model"
    source = (root / "train.py").read_text()
    code, out, err = run_cli(
        "check", "--no-cache", "--stdin-filename", "train.py", "-", cwd=root, stdin=source
    )
    assert code == 1, err
    assert "LF101" in out and "models/net.py:18" in out


def test_an_imported_loss_object_names_where_it_was_built() -> None:
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", "--output-format", "json"],
        cwd=PROJECTS / "loss_object",
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = {(d["location"]["row"], d["code"]): d for d in json.loads(proc.stdout)}
    first = found[(14, "LF101")]
    assert first["message"].startswith("CrossEntropyLoss gets softmax output")
    assert first["related"] == [
        {
            "message": "nn.CrossEntropyLoss built here",
            "filename": "losses.py",
            "location": {"row": 3, "column": 13},
            "end_location": {"row": 3, "column": 13},
        }
    ]
    assert found[(15, "LF101")]["related"][0]["location"]["row"] == 7  # build_loss()
    assert found[(17, "LF101")]["related"][0]["location"]["row"] == 11  # LossBank.ce
    bce = found[(16, "LF104")]
    assert bce["message"].startswith("BCELoss on sigmoid output")
    assert bce["related"][-1]["filename"] == "losses.py"
    # the fix would edit the constructor in losses.py: not offered from train.py
    assert bce.get("fix") is None


def test_summary_keeps_the_loss_class_and_its_keywords(project: Path) -> None:
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        crit = ctx.import_name("models.net", 0, "criterion")
    assert isinstance(crit, SLoss)
    assert crit.name == "torch.nn.CrossEntropyLoss"
    assert crit.keywords == {"reduction": '"sum"'}


def test_keywords_of_an_imported_loss_reach_the_loss_call(project: Path) -> None:
    import libcst as cst

    from lossflint.analysis.model import SemanticModel

    text = "from models.net import criterion\nloss = criterion(out, y)\n"
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py"):
        model = SemanticModel(cst.parse_module(text), "train.py")
        (call,) = model.kinds.loss_calls.values()
    assert call.functional == "torch.nn.functional.cross_entropy"
    assert call.is_object and call.ctor is None
    assert call.foreign is not None and call.built_at is not None
    assert call.built_at.file == "models/net.py"
    reduction = call.keywords["reduction"]
    assert isinstance(reduction, cst.SimpleString) and reduction.evaluated_value == "sum"


def test_parameters_pinned_by_callers_in_other_files() -> None:
    code, found, output = _check(PROJECTS / "call_sites", "losses.py")
    assert found == ["losses.py:6:13: LF201"], output
    assert "it comes from F.softmax at train.py:11 in fit" in output
    # train.py on its own: the finding is losses.py's
    code, found, output = _check(PROJECTS / "call_sites", "train.py")
    assert (code, found) == (0, []), output


def test_the_callers_summary_lists_its_calls(tmp_path: Path) -> None:
    root = PROJECTS / "call_sites"
    session = ProjectSession.for_files([root / "losses.py"])
    entry = session.store.by_rel("train.py")
    assert entry is not None
    (record,) = entry.summary.calls
    assert isinstance(record, CallRecord)
    assert (record.file, record.name, record.line, record.opaque) == (
        "losses.py",
        "nll_from_probs",
        11,
        False,
    )
    probs, target = record.args
    assert isinstance(probs, STensor) and probs.kind == "PROBS"
    assert target == S_UNKNOWN
    # a function passed as a value: opaque
    precision = PROJECTS / "call_sites_precision"
    session = ProjectSession.for_files([precision / "losses.py"])
    entry = session.store.by_rel("train.py")
    assert entry is not None
    assert [r.name for r in entry.summary.calls if r.opaque] == ["log_of"]


def test_editing_a_caller_changes_the_callees_findings(tmp_path: Path) -> None:
    root, lint = _cached_linter(tmp_path, "call_sites", "losses.py")
    assert lint() == ["6:13 LF201"]
    assert lint() == ["6:13 LF201"]  # from the cache
    train = root / "train.py"
    original = train.read_text()
    train.write_text(original.replace("F.softmax(model(x), dim=1)", "F.log_softmax(model(x), 1)"))
    assert lint() == []
    train.write_text(original)
    assert lint() == ["6:13 LF201"]


def test_loop_events_of_another_module_name_its_lines() -> None:
    import json
    import subprocess
    import sys

    def run(folder: str) -> list[Any]:
        proc = subprocess.run(
            [sys.executable, "-m", "lossflint", "check", "--no-cache", "--output-format", "json"],
            cwd=PROJECTS / folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return list(json.loads(proc.stdout))

    clip, scheduler_first = run("partial_callee")
    assert clip["filename"].endswith("engine.py")
    assert clip["message"].startswith(
        "gradients clipped after `self.optimizer.step()` (line 13): the update already used"
    )
    assert [(r["filename"], r["location"]["row"]) for r in clip["related"]] == [
        (clip["filename"], 13),
    ]
    assert (
        "before the optimizer step (engine.py:18 in Stepper.schedule_then_step)"
        in (scheduler_first["message"])
    )
    assert scheduler_first["related"][0]["filename"] == "engine.py"
    # train.py alone: the call is reported, naming the other file (a run of the
    # whole project keeps the finding at the eval() instead)
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", "--output-format", "json"]
        + ["train.py"],
        cwd=PROJECTS / "eval_helper",
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = {d["location"]["row"]: d for d in json.loads(proc.stdout)}
    other = found[34]
    assert (
        "`evaluate()` puts `model` in eval mode (evaluation.py:5 in evaluate)" in (other["message"])
    )
    assert [(r["filename"], r["location"]["row"]) for r in other["related"]] == [
        ("evaluation.py", 5)
    ]


def test_a_helper_called_only_under_no_grad_in_another_file() -> None:
    import libcst as cst

    from lossflint.analysis.gradients import Reach, gradients
    from lossflint.analysis.model import SemanticModel

    root = PROJECTS / "no_grad_helper"
    session = ProjectSession.for_files([root / "metrics.py"])
    text = (root / "metrics.py").read_text()
    with session.linting(root / "metrics.py"):
        model = SemanticModel(cst.parse_module(text), "metrics.py")
        facts = gradients(model)
        rmse, distance = (s for s in model.module.body if isinstance(s, cst.FunctionDef))
        body = rmse.body.body[0]
        assert facts.reach(body) is Reach.NO
        assert facts.why(body).startswith("rmse is only called where no gradient flows")
        assert facts.reach(distance.body.body[0]) is not Reach.NO
    entry = session.store.by_rel("train.py")
    assert entry is not None
    assert [(r.name, r.no_grad) for r in entry.summary.calls] == [
        ("distance", False),
        ("rmse", True),
        ("distance", True),
    ]


def test_a_keras_loss_object_is_summarised(tmp_path: Path) -> None:
    from lossflint.project.summary import SKerasLoss

    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "losses.py": (
                "import keras\n\n"
                "loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)\n\n\n"
                "def make_loss(flag):\n"
                "    return keras.losses.BinaryCrossentropy(from_logits=flag)\n"
            ),
            "train.py": "from losses import loss_fn\n",
        },
    )
    session = ProjectSession.for_files([tmp_path / "train.py"])
    entry = session.store.by_rel("losses.py")
    assert entry is not None
    loss = entry.summary.names["loss_fn"]
    assert isinstance(loss, SKerasLoss)
    assert (loss.name, loss.from_logits) == ("categorical_crossentropy", True)
    assert loss.origin is not None and (loss.origin.file, loss.origin.line) == ("losses.py", 3)
    made = entry.summary.functions["make_loss"].returns
    assert isinstance(made, SKerasLoss)
    assert (made.name, made.from_logits) == ("binary_crossentropy", None)  # not a literal
    assert made.from_logits_param == "flag"  # a call passing a literal says it
    again = summary_from_json(json.loads(json.dumps(summary_to_json(entry.summary))))
    assert again == entry.summary


def test_a_keras_loss_function_with_its_flag_bound_is_summarised(tmp_path: Path) -> None:
    from lossflint.project.summary import SKerasLoss

    write(
        tmp_path,
        {
            "pyproject.toml": "",
            # a module that only binds the loss calls nothing under keras
            "losses.py": (
                "from functools import partial\n"
                "import tensorflow as tf\n\n"
                "cce = partial(tf.keras.losses.categorical_crossentropy, from_logits=True)\n"
                "plain = partial(tf.keras.losses.categorical_crossentropy, label_smoothing=0.1)\n"
                "bound = partial(tf.keras.losses.categorical_crossentropy, y_true)\n"
            ),
            "train.py": "from losses import cce, plain, bound\n",
        },
    )
    session = ProjectSession.for_files([tmp_path / "train.py"])
    entry = session.store.by_rel("losses.py")
    assert entry is not None
    names = entry.summary.names
    assert isinstance(names["cce"], SKerasLoss) and isinstance(names["plain"], SKerasLoss)
    assert (names["cce"].name, names["cce"].from_logits) == ("categorical_crossentropy", True)
    assert names["plain"].from_logits is False
    assert "bound" not in names  # a bound ``y_true``: no loss of two tensors


def test_a_notebook_caller_makes_the_parameters_unknown(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "call_sites", root)
    cell = ["from losses import nll_from_probs\n", "nll_from_probs(model(x), y)\n"]
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": cell,
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "explore.ipynb").write_text(json.dumps(notebook))
    code, found, output = _check(root, "losses.py")
    assert (code, found) == (0, []), output


def test_a_notebook_bigger_than_the_text_limit_is_still_a_caller(tmp_path: Path) -> None:
    """Its outputs make it big; its code cells still call the function with
    something else than the other callers pass."""
    import shutil

    from lossflint.project import callers

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "call_sites", root)
    assert _check(root, "losses.py")[1] == ["losses.py:6:13: LF201"]
    image = {"output_type": "display_data", "data": {"image/png": "A" * callers.MAX_FILE_BYTES}}
    cell = {
        "cell_type": "code",
        "metadata": {},
        "execution_count": 1,
        "outputs": [image],
        "source": ["from losses import nll_from_probs\n", "nll_from_probs(model(x), y)\n"],
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "explore.ipynb").write_text(json.dumps(notebook))
    code, found, output = _check(root, "losses.py")
    assert (code, found) == (0, []), output
    # a big notebook naming the module where it cannot load it is no caller
    cell["source"] = ["!python convert.py --output losses.py\n", "def nll_from_probs(p, y): ...\n"]
    (root / "explore.ipynb").write_text(json.dumps(notebook))
    assert _check(root, "losses.py")[1] == ["losses.py:6:13: LF201"]
    # a module that big is not read: whoever it calls, nothing is pinned
    (root / "explore.ipynb").unlink()
    assert _check(root, "losses.py")[1] == ["losses.py:6:13: LF201"]
    (root / "generated.py").write_text("# " + "x" * callers.MAX_FILE_BYTES + "\n")
    code, found, output = _check(root, "losses.py")
    assert (code, found) == (0, []), output


def test_constructor_arguments_in_other_files_pin_init() -> None:
    code, found, output = _check(PROJECTS / "trainer_class_pins", "engine.py")
    assert found == ["engine.py:11:20: LF101"], output
    assert "`self.model(x)` comes from F.softmax at model.py:11 in Net.forward" in output
    # train.py on its own: the finding is engine.py's
    code, found, output = _check(PROJECTS / "trainer_class_pins", "train.py")
    assert (code, found) == (0, []), output
    code, _, output = _check(
        PROJECTS / "trainer_class_pins", "--output-format", "json", "engine.py"
    )
    (finding,) = json.loads(output)
    assert [(r["filename"], r["location"]["row"]) for r in finding["related"]] == [
        ("model.py", 11),
        ("train.py", 8),
    ]


def test_the_constructors_summary_lists_its_constructions() -> None:
    root = PROJECTS / "trainer_class_pins"
    session = ProjectSession.for_files([root / "engine.py"])
    entry = session.store.by_rel("train.py")
    assert entry is not None
    records = {r.name: r for r in entry.summary.calls}
    # Net's __init__ keeps no argument: its constructions are not listed; a
    # method of a project class called on a known instance is; the net is
    # handed whole to the trainer's recorded construction, so its forward's
    # callers are read where the trainer calls it (no opaque record here)
    assert sorted(records) == ["Trainer", "Trainer.train_epoch"]
    from lossflint.project.callers import external_instance_calls

    with session.linting(root / "model.py"):
        through = external_instance_calls({"Net.forward": ("Net", None)})
    # the trainer's call of ``self.model(x)``, as a lint of engine.py pins it
    # (engine.py also names ``Net`` in a comment without importing model.py:
    # that mention alone stays an opaque record)
    assert through is not None
    assert [r.opaque for r in through["Net.forward"]].count(False) == 1
    engine, model_py = session.store.by_rel("engine.py"), session.store.by_rel("model.py")
    assert engine is not None and model_py is not None
    assert engine.summary.classes["Trainer"].keeps_arguments
    assert not model_py.summary.classes["Net"].keeps_arguments
    trainer = records["Trainer"]
    assert (trainer.file, trainer.line, trainer.opaque) == ("engine.py", 8, False)
    model, criterion, optimizer = trainer.args
    assert isinstance(model, SInstance) and (model.file, model.name) == ("model.py", "Net")
    assert criterion != S_UNKNOWN
    # built with **cfg: opaque; subclassed in another file: named there, not
    # called, so what reaches __init__ is unknown
    from lossflint.project.callers import external_calls

    precision = PROJECTS / "trainer_class_pins_precision"
    session = ProjectSession.for_files([precision / "engine.py"])
    entry = session.store.by_rel("sweep.py")
    assert entry is not None
    assert [(r.name, r.opaque) for r in entry.summary.calls] == [("Finetuner", True)]
    with session.linting(precision / "engine.py"):
        found = external_calls(["Finetuner", "Pretrainer", "Trainer"])
    assert found is not None
    assert [r.opaque for r in found["Trainer"]] == [False, False]
    assert any(r.opaque for r in found["Finetuner"])
    assert any(r.opaque for r in found["Pretrainer"])


def test_editing_a_constructor_call_changes_the_class_findings(tmp_path: Path) -> None:
    root, lint = _cached_linter(tmp_path, "trainer_class_pins", "engine.py")
    assert lint() == ["11:20 LF101"]
    assert lint() == ["11:20 LF101"]  # from the cache
    train = root / "train.py"
    original = train.read_text()
    train.write_text(original.replace("Trainer(model,", "Trainer(model.fc,"))
    assert lint() == []
    train.write_text(original)
    assert lint() == ["11:20 LF101"]


def test_what_the_modules_own_calls_pass_is_not_what_another_file_gets(tmp_path: Path) -> None:
    """A helper called here with softmax output (``flatten``), a model built
    here with a softmax head under ``__main__``: another file calling them with
    its own arguments gets what the code says for any caller (unknown), not
    what this module's calls pinned."""
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "utils.py": (
                "import torch.nn.functional as F\n\n\n"
                "def flatten(t):\n"
                "    return t.reshape(t.shape[0], -1)\n\n\n"
                "def probabilities(logits):\n"
                "    return flatten(F.softmax(logits, dim=1))\n"
            ),
            "net.py": (
                "import torch\nfrom torch import nn\n\n\n"
                "class Net(nn.Module):\n"
                "    def __init__(self, final=None):\n"
                "        super().__init__()\n"
                "        self.fc = nn.Linear(4, 3)\n"
                "        self.final = final\n\n"
                "    def forward(self, x):\n"
                "        return self.final(self.fc(x))\n\n\n"
                'if __name__ == "__main__":\n'
                "    print(Net(nn.Softmax(dim=1))(torch.randn(2, 4)))\n"
            ),
            "train.py": (
                "import torch.nn.functional as F\nfrom torch import nn\n\n"
                "from net import Net\nfrom utils import flatten, probabilities\n\n\n"
                "def fit(loader):\n"
                "    model = Net(nn.Identity())\n"
                "    for x, y in loader:\n"
                "        F.cross_entropy(flatten(model(x)), y).backward()\n"
                "        F.cross_entropy(model(x), y).backward()\n"
                "        F.cross_entropy(probabilities(x), y).backward()\n"
            ),
        },
    )
    code, found, output = _check(tmp_path, "train.py")
    # what a function returns whoever calls it still crosses the file
    assert found == ["train.py:13:9: LF101"], output
    session = ProjectSession.for_files([tmp_path / "train.py"])
    utils = session.store.by_rel("utils.py")
    assert utils is not None
    assert utils.summary.functions["flatten"].returns == S_UNKNOWN
    probs = utils.summary.functions["probabilities"].returns
    assert isinstance(probs, STensor) and probs.kind == "PROBS"


def test_a_call_with_star_arguments_runs_no_events_of_another_module(tmp_path: Path) -> None:
    """``evaluate(*extra, model)``: ``model`` is not evaluate's first parameter,
    whose ``.eval()`` is then on an unknown receiver."""
    import shutil

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "eval_helper", root)
    train = root / "train.py"
    assert "train.py:34:9: LF309" in _check(root, "train.py")[1]
    text = train.read_text()
    train.write_text(
        text.replace(
            "        evaluate(model, val_loader)", "        evaluate(*extra, model)"
        ).replace(
            "def fit_other_file(model, train_loader, val_loader):",
            "def fit_other_file(model, extra, train_loader, val_loader):",
        )
    )
    code, found, output = _check(root, "train.py")
    assert found == ["train.py:8:5: LF309"], output


def test_a_keras_helper_returns_the_module_names_as_the_module_leaves_them(
    tmp_path: Path,
) -> None:
    """data.py calls its helper before scaling the images; train.py imports
    it after the whole module ran: the images it gets are scaled."""
    data = (
        "from tensorflow import keras\n\n"
        "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n\n\n"
        "def training_set():\n"
        "    return x_train, y_train\n\n\n"
        "print(training_set()[0].max())\n"
        "x_train = x_train / 255.0\n"
    )
    train = (
        "from tensorflow import keras\nfrom tensorflow.keras import layers\n\n"
        "from data import training_set\n\n"
        "x, y = training_set()\n"
        'model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])\n'
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")\n'
        "model.fit(x, y, epochs=2)\n"
    )
    write(tmp_path, {"pyproject.toml": "", "data.py": data, "train.py": train})
    code, found, output = _check(tmp_path, "train.py")
    assert (code, found) == (0, []), output
    # the same helper's raw images, returned from the function itself, still cross
    (tmp_path / "data.py").write_text(
        data.replace(
            "    return x_train, y_train", "    return keras.datasets.mnist.load_data()[0]"
        )
    )
    assert _check(tmp_path, "train.py")[1] == ["train.py:9:1: LF412"]


def test_a_method_called_through_its_class_takes_self_from_the_arguments(
    tmp_path: Path,
) -> None:
    """``Stepper.step_and_clip(stepper)``: ``self.optimizer`` is ``stepper``'s."""
    import shutil

    import libcst as cst

    from lossflint.analysis.loops import loops
    from lossflint.analysis.model import SemanticModel

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "partial_callee", root)
    train = root / "train.py"
    text = train.read_text().replace(
        "        stepper.step_and_clip()", "        Stepper.step_and_clip(stepper)"
    )
    train.write_text(text)
    session = ProjectSession.for_files([train])
    with session.linting(train):
        model = SemanticModel(cst.parse_module(text), "train.py")
        far = [(e.kind, e.receiver) for e in loops(model).events if e.far]
    assert far[:2] == [("step", "stepper.optimizer"), ("clip", None)]
    # the clip after the callee's own step is engine.py's finding, not train.py's
    assert _check(root, "train.py")[1] == ["train.py:27:9: LF310"]


def test_method_calls_are_searched_in_every_file_naming_the_method() -> None:
    from lossflint.project.callers import external_method_calls

    root = PROJECTS / "method_pins_precision"
    session = ProjectSession.for_files([root / "engine.py"])
    with session.linting(root / "engine.py"):
        found = external_method_calls(["Trainer.fit", "Tuner.tune", "Runner.run_epoch"])
    assert found is not None
    # runner.py calls fit on a trainer it was handed and never imports engine
    assert any(r.opaque for r in found["Trainer.fit"])
    # tune.py: two calls, both listed with what they pass
    tune = found["Tuner.tune"]
    assert [(r.line, r.opaque) for r in tune] == [(9, False), (10, False)]
    assert isinstance(tune[0].args[0], SInstance) and tune[0].args[0].name == "Net"
    # callbacks.py names run_epoch without calling it
    assert any(r.opaque for r in found["Runner.run_epoch"])


def test_a_tf_data_pipeline_is_summarised() -> None:
    from lossflint.project.summary import SKerasBatches, SKerasData, STuple

    root = PROJECTS / "tfdata_pipeline"
    session = ProjectSession.for_files([root / "train.py"])
    entry = session.store.by_rel("data.py")
    assert entry is not None
    made = entry.summary.functions["make_dataset"].returns
    assert isinstance(made, SKerasBatches) and isinstance(made.element, STuple)
    images, labels = made.element.items
    assert images == S_UNKNOWN  # scaled: no longer raw pixels
    assert isinstance(labels, SKerasData) and (labels.what, labels.encoding) == ("labels", "int")
    assert isinstance(entry.summary.names["train_ds"], SKerasBatches)
    again = summary_from_json(json.loads(json.dumps(summary_to_json(entry.summary))))
    assert again == entry.summary


def test_subclasses_are_found_in_the_project_texts(tmp_path: Path) -> None:
    from lossflint.project.callers import subclassed

    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "models.py": (
                "from torch import nn\n\n\n"
                "class Clf(nn.Module):\n    pass\n\n\n"
                "class Head(nn.Module):\n    pass\n\n\n"
                "class Body(nn.Module):\n    pass\n"
            ),
            # a base across lines, after a keyword argument's call
            "heads.py": (
                "from models import Head\n\n\n"
                "class Wide(\n    make(lambda x: x),\n    Head,\n):\n    pass\n"
            ),
            # imported under another name: a base through it is not told apart
            "bodies.py": "from models import Body as B\n",
            "train.py": "from models import Clf\n\nclass Clf2:\n    pass\n",
        },
    )
    session = ProjectSession.for_files([tmp_path / "train.py"])
    with session.linting(tmp_path / "train.py"):
        assert subclassed("Clf") is False
        assert subclassed("Head") is True
        assert subclassed("Body") is True


_INFERENCE = """
import torch
import torch.nn.functional as F


class ArcMargin(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(n, 16))

    def forward(self, x):
        cosine = F.linear(F.normalize(x), F.normalize(self.weight))
        return torch.sqrt(1.0 - torch.pow(cosine, 2))


def embed(loader, path):
    model = ArcMargin(100)
    model.load_state_dict(torch.load(path))
    model.eval()
    with torch.no_grad():
        return [model(x) for x in loader]
"""


def test_an_inference_script_no_file_imports_takes_no_gradient(tmp_path: Path) -> None:
    # R8: ArcFace heads in inference scripts: loads weights, evaluates, trains nothing
    write(tmp_path, {"pyproject.toml": "", "infer.py": _INFERENCE})
    _, found, output = _check(tmp_path, "infer.py")
    assert found == [], output
    # imported by a training script, its forward may be trained there
    write(tmp_path, {"train.py": "from infer import ArcMargin\n"})
    _, found, output = _check(tmp_path, "infer.py")
    assert found == ["infer.py:13:16: LF205"], output


def test_an_engine_that_imports_no_framework_is_pinned_by_its_callers(tmp_path: Path) -> None:
    # H8 p07: engine.py's fit() only receives model, criterion and optimizer
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "model.py": (
                "import torch.nn as nn\n\n\n"
                "class Net(nn.Module):\n"
                "    def __init__(self):\n"
                "        super().__init__()\n"
                "        self.net = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1))\n\n"
                "    def forward(self, x):\n"
                "        return self.net(x).squeeze(-1)\n"
            ),
            "engine.py": (
                "def fit(model, loader, criterion, optimizer, epochs=3):\n"
                "    for _ in range(epochs):\n"
                "        for xb, yb in loader:\n"
                "            loss = criterion(model(xb), yb)\n"
                "            optimizer.zero_grad()\n"
                "            loss.backward()\n"
                "            optimizer.step()\n"
            ),
            "train.py": (
                "import torch\nimport torch.nn as nn\n\nfrom engine import fit\nfrom model import Net\n\n"
                "model = Net()\n"
                "fit(model, data, nn.BCELoss(), torch.optim.Adam(model.parameters(), lr=1e-3))\n"
            ),
        },
    )
    _, found, output = _check(tmp_path, ".")
    assert found == ["engine.py:4:20: LF105"], output


def test_a_notebook_caller_is_named_by_its_cell() -> None:
    """Evidence from a notebook caller names the cell and the line in it,
    as lossflint names notebook positions; JSON ``related`` points at the
    notebook file."""
    _, _, output = _check(PROJECTS / "notebook_caller", ".", "--output-format", "json", "-q")
    found = {d["code"]: d for d in json.loads(output[: output.rindex("]") + 1])}
    assert "the split at churn.ipynb:cell 4:1" in found["LF601"]["message"]
    assert "returned to churn.ipynb:cell 5:3, which trains on it" in found["LF602"]["message"]
    assert "nn.Softmax at churn.ipynb:cell 5:1" in found["LF101"]["message"]
    assert [
        (r["filename"], r["location"]["row"], r["message"]) for r in found["LF101"]["related"]
    ] == [("churn.ipynb", 1, "probabilities produced here in cell 5")]


def test_a_keras_head_built_elsewhere_is_reported_in_its_module() -> None:
    """LF410 points at the factory's Dense: linting train.py alone reports
    nothing at its own call; linting model.py alone names the compile."""
    _, found, output = _check(PROJECTS / "keras_head_elsewhere", "train.py")
    assert found == [], output
    _, found, output = _check(PROJECTS / "keras_head_elsewhere", "model.py")
    assert found == ["model.py:15:9: LF410", "model.py:25:13: LF410"], output
    assert "compiled for classification at train.py:7" in output


def test_labels_scaled_in_a_loader_module_are_reported_there() -> None:
    """LF413 points at the division in data/loaders.py, naming the loss in
    train.py; train.py alone reports nothing at its own calls."""
    _, found, output = _check(PROJECTS / "labels_scaled_elsewhere", "train.py")
    assert found == [], output
    _, found, output = _check(PROJECTS / "labels_scaled_elsewhere", "data/loaders.py")
    assert found == ["data/loaders.py:10:5: LF413", "data/loaders.py:17:5: LF413"], output
    assert "(`sparse_categorical_crossentropy` at train.py:8)" in output


def test_a_module_named_like_its_function_is_no_other_use_of_it() -> None:
    """``from evaluate import evaluate``: the module's name in the import is
    no mention of the function; its calls stay known (not opaque)."""
    from lossflint.project.driver import ProjectSession

    folder = PROJECTS / "same_name_module"
    session = ProjectSession.for_files([folder / "train.py"])
    with session.linting(folder / "train.py") as ctx:
        assert ctx is not None
        summary = ctx.summary("train.py")
        assert summary is not None
        assert [(r.name, r.opaque) for r in summary.calls if r.name == "evaluate"] == [
            ("evaluate", False)
        ]


def test_editing_a_notebook_caller_changes_the_callee_findings(tmp_path: Path) -> None:
    """A cached result of features.py used the notebook's summary: once the
    notebook no longer splits what it got, the next (cached) run drops the
    LF601 it led to."""
    import shutil
    import subprocess
    import sys

    folder = tmp_path / "project"
    shutil.copytree(PROJECTS / "notebook_caller", folder)

    def lf601() -> int:
        proc = subprocess.run(
            [sys.executable, "-m", "lossflint", "check", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return proc.stdout.count("LF601")

    assert lf601() == 1
    notebook = folder / "churn.ipynb"
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        if "train_test_split(X, y" in "".join(cell["source"]):
            cell["source"] = ["X_train, y_train = X, y\n"]
    notebook.write_text(json.dumps(data, indent=1))
    assert lf601() == 0


def test_a_decorator_of_another_module_runs_no_events_in_the_function(tmp_path: Path) -> None:
    """``@timed(optimizer)`` runs once, where ``train_step`` is defined: the
    ``optimizer.step()`` in the decorator factory is no event of the step."""
    import libcst as cst

    from lossflint.analysis.loops import loops
    from lossflint.analysis.model import SemanticModel

    utils = (
        "def timed(optimizer):\n"
        "    optimizer.step()\n"
        "    def wrap(fn):\n"
        "        return fn\n"
        "    return wrap\n"
    )
    train = (
        "import torch\nfrom utils import timed\n\n"
        "optimizer = torch.optim.SGD(params, lr=0.1)\n\n\n"
        "@timed(optimizer)\n"
        "def train_step(x):\n"
        "    optimizer.zero_grad()\n"
        "    loss = model(x).sum()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    )
    write(tmp_path, {"pyproject.toml": "", "utils.py": utils, "train.py": train})
    session = ProjectSession.for_files([tmp_path / "train.py"])
    with session.linting(tmp_path / "train.py"):
        model = SemanticModel(cst.parse_module(train), "train.py")
        kinds = [(e.kind, e.far) for e in loops(model).events]
    assert ("step", True) not in kinds and kinds[-3:] == [
        ("zero_grad", False),
        ("backward", False),
        ("step", False),
    ]
    # the same factory called inside the function does run there
    inside = train.replace("@timed(optimizer)\n", "").replace(
        "    optimizer.zero_grad()\n", "    optimizer.zero_grad()\n    timed(optimizer)\n"
    )
    (tmp_path / "train.py").write_text(inside)
    session = ProjectSession.for_files([tmp_path / "train.py"])
    with session.linting(tmp_path / "train.py"):
        model = SemanticModel(cst.parse_module(inside), "train.py")
        kinds = [(e.kind, e.far) for e in loops(model).events]
    assert ("step", True) in kinds


def test_another_modules_data_set_over_a_shuffled_split_is_in_random_order(
    tmp_path: Path,
) -> None:
    """bert-sentiment: ``BERTDataset(review=df_train.review.values, ...)`` of
    dataset.py over a ``train_test_split`` part: the rows are already a random
    permutation, so an unshuffled loader over it is not in a sorted order."""
    dataset = (
        "import torch\n\n\n"
        "class TextDataset(torch.utils.data.Dataset):\n"
        "    def __init__(self, review, target):\n"
        "        self.review = review\n"
        "        self.target = target\n\n"
        "    def __len__(self):\n"
        "        return len(self.review)\n\n"
        "    def __getitem__(self, item):\n"
        "        return self.review[item], torch.tensor(self.target[item])\n"
    )
    train = (
        "import pandas as pd\nimport torch\nfrom sklearn import model_selection\n\n"
        "import dataset\n\n"
        'dfx = pd.read_csv("x.csv")\n'
        "df_train, df_valid = model_selection.train_test_split(dfx, test_size=0.1)\n"
        "df_train = df_train.reset_index(drop=True)\n"
        "train_dataset = dataset.TextDataset(\n"
        "    review=df_train.review.values, target=df_train.sentiment.values\n"
        ")\n"
        "loader = torch.utils.data.DataLoader(train_dataset, batch_size=8)\n"
        "for x, y in loader:\n"
        "    loss = model(x).sum()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    optimizer.zero_grad()\n"
    )
    write(tmp_path, {"pyproject.toml": "", "dataset.py": dataset, "train.py": train})
    assert _check(tmp_path, "train.py")[1] == []
    # a split that keeps the file's order: the loader reads it in that order
    unshuffled = train.replace("test_size=0.1)", "test_size=0.1, shuffle=False)")
    (tmp_path / "train.py").write_text(unshuffled)
    assert _check(tmp_path, "train.py")[1] == ["train.py:13:10: LF602"]


def _notebook(*cells: tuple[str, str]) -> str:
    import json

    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": kind,
                    "metadata": {},
                    "source": source,
                    "outputs": [],
                    "execution_count": None,
                }
                if kind == "code"
                else {"cell_type": kind, "metadata": {}, "source": source}
                for kind, source in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_a_notebook_naming_another_in_its_prose_does_not_run_it(tmp_path: Path) -> None:
    """dataflowr: a solution notebook's title names the exercise notebook; it
    never loads it, so the exercise's helper keeps the callers it has."""
    helper = (
        "import numpy as np\nimport torch\n\n"
        "def normalize(arr): return (arr - arr.mean()) / arr.std()\n\n"
        "filts = normalize(np.random.rand(8, 4, 4))\n"
    )
    training = "loss = model(x).sum()\nloss.backward()\n"
    exercise = _notebook(("code", helper), ("code", training))
    solution = _notebook(
        ("markdown", "Solution of 06_digits (see 06_digits.ipynb)"),
        ("code", helper),
        ("code", training),
    )
    write(tmp_path, {"pyproject.toml": "", "06_digits.ipynb": exercise, "sol.ipynb": solution})
    assert _check(tmp_path, "06_digits.ipynb")[1] == []
    # a notebook that runs it (``%run``) may call its helper with anything
    running = _notebook(("code", "%run 06_digits.ipynb\nnormalize(model(x))\n"))
    (tmp_path / "sol.ipynb").write_text(running)
    assert _check(tmp_path, "06_digits.ipynb")[1] == ["06_digits.ipynb:cell 1:4:28: LF206"]


def test_optimizer_rebuilt_per_epoch_elsewhere_says_every_epoch() -> None:
    # the batch loop is in engine/loops.py: the loop here is the epoch loop
    _, found, output = _check(PROJECTS / "optimizer_per_epoch_elsewhere", "train.py")
    assert found == ["train.py:12:17: LF311", "train.py:16:11: LF311"], output
    assert output.count("reset at every epoch") == 2, output
    assert "every iteration" not in output, output


_SAMPLING_SCRIPT = """\
import torch
from helpers import record


def sample(net, sigma):
    return net((sigma ** 2 - 0.002 ** 2).sqrt())


if __name__ == "__main__":
    net = torch.load("net.pt")
    images = sample(net, net.sigma_max)
    torch.save(images, "images.pt")
    record("done")
"""


def test_a_sampling_script_whose_helpers_only_switch_gradients_off(tmp_path: Path) -> None:
    # audit s164 (EDM's generate.py): torch_utils says ``no_grad(`` and
    # ``torch.autograd.profiler``, which train nothing
    helpers = (
        "import torch\n\n\n@torch.no_grad()\ndef record(x):\n"
        "    with torch.autograd.profiler.record_function('record'):\n        print(x)\n"
    )
    write(tmp_path, {"pyproject.toml": "", "generate.py": _SAMPLING_SCRIPT, "helpers.py": helpers})
    _, found, output = _check(tmp_path, "generate.py")
    assert found == [], output
    # a helper module that back-propagates: the script may be part of training
    write(tmp_path, {"helpers.py": helpers + "\n\ndef fit(loss):\n    loss.backward()\n"})
    _, found, output = _check(tmp_path, "generate.py")
    assert found == ["generate.py:6:16: LF205"], output
