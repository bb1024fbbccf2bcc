"""Loaders a trainer class keeps and trains on.

BERT-pytorch's ``BERTTrainer(model, train_dataloader=...)`` keeps the loader
as ``self.train_data``; ``train()`` hands it to ``self.iteration(epoch,
self.train_data)``, whose loop backpropagates. A script of another module
that builds the trainer with an unshuffled loader trains on it in order
(LF602): ``FunctionSummary.trains_on`` of ``__init__`` names the parameter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.data_flow import trained_parameters, trains_in_loop, unwrapped_iterable
from lossflint.analysis.interpreter.syntax import param_names
from lossflint.analysis.loops import loops
from lossflint.analysis.names import self_attribute
from lossflint.analysis.walk import calls_in, memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def kept_and_trained(model: ModuleIndex, func: cst.FunctionDef) -> tuple[str, ...]:
    """The parameters of a class's ``__init__`` kept on ``self`` (``self.train_data
    = train_dataloader``) that a method of the class iterates while it trains,
    in its own loop or through a method it hands the attribute to."""
    if func.name.value != "__init__":
        return ()
    block = model.parent(func)
    cls = model.parent(block) if isinstance(block, cst.IndentedBlock) else None
    if not isinstance(cls, cst.ClassDef) or not isinstance(cls.body, cst.IndentedBlock):
        return ()
    params = set(param_names(func.params)[1:])
    kept: dict[str, str] = {}
    for assign in nodes_in(func.body, cst.Assign, memo=memo_of(model)):
        assert isinstance(assign, cst.Assign)
        attr = self_attribute(assign.targets[0].target) if len(assign.targets) == 1 else None
        value = assign.value
        if attr is not None and isinstance(value, cst.Name) and value.value in params:
            kept[attr] = value.value
    if not kept:
        return ()
    methods = {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}
    trained: set[str] = set()
    for method in methods.values():
        trained |= _trained_attributes(model, method, methods, set(kept))
    return tuple(param for attr, param in kept.items() if attr in trained)


def _trained_attributes(
    model: ModuleIndex,
    method: cst.FunctionDef,
    methods: dict[str, cst.FunctionDef],
    kept: set[str],
) -> set[str]:
    """The kept attributes ``method`` trains on: ``for b in self.train_data``
    with a backward and a step, or ``self.iteration(epoch, self.train_data)``
    of a method that trains on that parameter."""
    found: set[str] = set()
    index = loops(model)
    for loop in nodes_in(method.body, cst.For, memo=memo_of(model)):
        assert isinstance(loop, cst.For)
        attr = self_attribute(unwrapped_iterable(model, loop.iter))
        if attr in kept and trains_in_loop(model, index, loop):
            found.add(attr)
    for call in calls_in(method.body):
        callee = self_attribute(call.func)
        target = methods.get(callee) if callee is not None else None
        if target is None or target is method or any(a.star for a in call.args):
            continue
        if any(literal_value(a.value) is False for a in call.args):
            continue  # ``self.iteration(epoch, self.test_data, train=False)``
        names = param_names(target.params)[1:]
        trained = trained_parameters(model, target, tuple(names))
        for position, arg in enumerate(call.args):
            attr = self_attribute(arg.value)
            if attr not in kept:
                continue
            param = arg.keyword.value if arg.keyword is not None else None
            if param is None and position < len(names):
                param = names[position]
            if param in trained:
                found.add(attr)  # type: ignore[arg-type]
    return found
