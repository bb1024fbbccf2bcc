"""Data set classes read in their stored order.

A ``DataLoader`` without ``shuffle=True`` or a sampler hands out batches in
index order only when its data set is map-style (``__getitem__(index)``) and
its rows are not random already. This module answers that for a class of the
file, so the data facts (LF602) can read it for a same-file class and the
project summary can carry it for a class another module imports
(``ClassSummary.dataset``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.attribute_constants import number, only_self_write
from lossflint.analysis.calls import argument, has_star_args, literal_value
from lossflint.analysis.interpreter.specialise import literal_arguments
from lossflint.analysis.interpreter.syntax import statements_of
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.names import dotted_text, last_name
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.values import ClassRef, Foreign
from lossflint.analysis.walk import descendants, memo_of, nodes_in
from lossflint.project.context import current as project_context
from lossflint.project.summary import SAlias, SClass

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def ordered_dataset(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """``cls`` is a map-style data set whose item ``i`` is row ``i``: it (or a
    same-file base) defines ``__getitem__`` and reads its index there, defines
    no ``__iter__``, every base is torch's ``Dataset`` or a same-file class,
    and its ``__init__`` does not draw every array it keeps at random."""
    classes = _same_file_mro(model, cls)
    if classes is None:
        return False
    methods = {
        stmt.name.value: stmt
        for klass in reversed(classes)
        for stmt in statements_of(klass)
        if isinstance(stmt, cst.FunctionDef)
    }
    getitem = methods.get("__getitem__")
    if "__iter__" in methods:
        return False
    if getitem is None:
        # ``class CIFAR10SSL(datasets.CIFAR10)``: torchvision's item ``i`` is row ``i``
        if not _inherits_map_dataset(model, classes):
            return False
    elif not _reads_index(getitem):
        return False  # ``__getitem__`` ignores its index: it samples at random
    init = methods.get("__init__")
    if init is None:
        return True
    return not (
        _random_rows(model, init)
        or _appended_draws(model, init)
        or (getitem is not None and _permuted(model, init, getitem))
        or (getitem is not None and _shuffled_in_place(model, init, getitem))
    )


def single_item(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """``cls`` (or a same-file base) says its length is 1: ``__len__``
    returns a number that is surely 1 (``self.num_samples`` of every
    construction passing ``num_samples=1``): one item has no order to learn
    (snntorch's regression tutorial, audit s193)."""
    classes = _same_file_mro(model, cls)
    for klass in classes or ():
        for stmt in statements_of(klass):
            if not (isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__len__"):
                continue
            returns = [
                node
                for node in nodes_in(stmt.body, cst.Return, memo=memo_of(model))
                if isinstance(node, cst.Return)
            ]
            return (
                len(returns) == 1
                and returns[0].value is not None
                and number(model, returns[0].value) == 1
            )
    return False


def _inherits_map_dataset(model: ModuleIndex, classes: list[cst.ClassDef]) -> bool:
    kinds = kinds_of(model)
    return any(
        map_dataset_class(model.qualname(base.value) or "")
        or (isinstance(ref := kinds.value_of(base.value), Foreign) and _foreign_ordered(ref))
        for klass in classes
        for base in klass.bases
    )


def map_dataset_class(qualname: str) -> bool:
    """A torchvision/torchaudio data set class (or MONAI's, ``apis.MAP_DATASETS``), named from the package
    (``torchvision.datasets.MNIST``) or its module (``...datasets.mnist.MNIST``)."""
    if qualname in apis.MAP_DATASETS:
        return True
    if not qualname.startswith(apis.MAP_DATASET_PREFIXES):
        return False
    parts = qualname.split(".")
    if len(parts) == 3:
        name = parts[2]
    elif len(parts) == 4 and parts[3][:1].isupper():
        name = parts[3]
    else:
        return False
    return name not in apis.ITERABLE_TORCHVISION


def _permuted(model: ModuleIndex, init: cst.FunctionDef, getitem: cst.FunctionDef) -> bool:
    """``__getitem__`` reads an attribute ``__init__`` draws at random
    (``self.order = torch.randperm(n)``, then ``self.rows[self.order[i]]``):
    item ``i`` is a random row."""
    drawn = {
        dotted_text(t.target)
        for node in model.assignments.get(init, ())
        if isinstance(node.value, cst.Call)
        and model.qualname(node.value.func) in apis.RANDOM_ORDERS
        for t in node.targets
    }
    return any(
        isinstance(node, cst.Attribute) and dotted_text(node) in drawn
        for node in nodes_in(getitem.body, cst.Attribute, memo=memo_of(model))
    )


def _shuffled_in_place(model: ModuleIndex, init: cst.FunctionDef, getitem: cst.FunctionDef) -> bool:
    """``__getitem__`` reads a list ``__init__`` shuffles in place
    (``random.shuffle(root); self.lines = root``, CSRNet's ``listDataset``):
    item ``i`` is a random row."""
    shuffled: set[str | None] = set()
    for node in nodes_in(init.body, cst.Call, memo=memo_of(model)):
        assert isinstance(node, cst.Call)
        if node.args and model.qualname(node.func) in apis.SHUFFLES_IN_PLACE:
            shuffled.add(dotted_text(node.args[0].value))
    shuffled.discard(None)
    if not shuffled or _seeded(model, init):
        return False  # ``random.seed(1234)`` first: one fixed order, every epoch (hifi-gan)
    kept = {name for name in shuffled if name is not None and name.startswith("self.")}
    for node in model.assignments.get(init, ()):
        if dotted_text(node.value) in shuffled:
            kept.update(dotted_text(t.target) for t in node.targets)  # type: ignore[misc]
    return any(
        isinstance(node, cst.Attribute) and dotted_text(node) in kept
        for node in nodes_in(getitem.body, cst.Attribute, memo=memo_of(model))
    )


def _seeded(model: ModuleIndex, init: cst.FunctionDef) -> bool:
    """``__init__`` seeds the generator with a constant (``random.seed(1234)``)."""
    for node in nodes_in(init.body, cst.Call, memo=memo_of(model)):
        assert isinstance(node, cst.Call)
        if last_name(node.func) in _SEEDING and node.args:
            if literal_value(node.args[0].value) is not NotImplemented:
                return True
    return False


def _same_file_mro(model: ModuleIndex, cls: cst.ClassDef) -> list[cst.ClassDef] | None:
    """``cls`` and its bases (the interpreter's ``mro``) when every base is
    torch's map-style ``Dataset`` or a class of this file (nothing unseen
    could add ``__iter__``)."""
    kinds = kinds_of(model)
    classes = kinds.mro(cls)
    for klass in classes:
        for base in klass.bases:
            qualname = model.qualname(base.value)
            if qualname in apis.ITERABLE_DATASET_BASES:
                return None
            if qualname in apis.MAP_DATASET_BASES or map_dataset_class(qualname or ""):
                continue
            ref = kinds.value_of(base.value)
            if isinstance(ref, Foreign) and _foreign_ordered(ref):
                continue  # ``class V2(TPPDataset)`` of another module's map-style set
            if not (isinstance(ref, ClassRef) and ref.cls in classes):
                return None
    return classes


def _foreign_ordered(ref: Foreign) -> bool:
    """Another project module's class that its summary says is an ordered
    map-style data set (``ClassSummary.ordered_dataset``)."""
    context = project_context()
    if context is None or not isinstance(ref.ref, (SClass, SAlias)):
        return False
    found = context.resolve(ref.ref)
    summary = context.class_summary(found) if isinstance(found, SClass) else None
    return summary is not None and summary.ordered_dataset


def _reads_index(getitem: cst.FunctionDef) -> bool:
    params = [*getitem.params.posonly_params, *getitem.params.params]
    if len(params) < 2:
        return True  # ``*args``: cannot tell, keep the order
    return bool(_index_reads(getitem))


def index_read_under(model: ModuleIndex, cls: cst.ClassDef) -> tuple[str, bool] | None:
    """``(attr, truth)`` when ``cls``'s ``__getitem__`` reads its index only
    in the arm of ``if self.<attr>:`` taken when the attribute is ``truth``
    (Moving MNIST: ``if self.is_train: images = self.generate()`` else a
    fixed row ``self.fixed[:, idx]``): a construction setting it otherwise
    draws every item at random."""
    classes = _same_file_mro(model, cls)
    getitem = None
    for klass in classes or ():
        for stmt in statements_of(klass):
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__getitem__":
                getitem = getitem or stmt
    if getitem is None:
        return None
    reads = _index_reads(getitem)
    if not reads:
        return None
    for stmt in statements_of(getitem):
        if not isinstance(stmt, cst.If) or not isinstance(stmt.orelse, cst.Else):
            continue
        test, truth = stmt.test, True
        either = False
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
            # ``if self.is_train or self.num_objects[0] != 2:`` (ConvLSTM-PyTorch):
            # a true flag takes the body whatever else the test says
            test, either = test.left, True
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, truth = test.expression, False
        if not (
            isinstance(test, cst.Attribute)
            and isinstance(test.value, cst.Name)
            and test.value.value == "self"
        ):
            continue
        arms = ((stmt.body, truth), (stmt.orelse.body, not truth))
        for arm, taken in arms[1:] if either else arms:
            inside = {id(n) for n in descendants(arm)}
            if all(id(read) in inside for read in reads):
                return test.attr.value, taken
    return None


def _index_reads(getitem: cst.FunctionDef) -> list[cst.Name]:
    """Where ``__getitem__`` reads its index to pick a row."""
    params = [*getitem.params.posonly_params, *getitem.params.params]
    if len(params) < 2:
        return []
    name = params[1].name.value
    nodes = list(descendants(getitem.body))
    # ``np.random.seed(index)``: the index seeds a draw, it does not pick the
    # row (a data set that walks and reshuffles its own list)
    seeds = {
        id(arg.value)
        for node in nodes
        if type(node) is cst.Call and last_name(node.func) in _SEEDING
        for arg in node.args
    }
    # ``if index % 2 == 1:`` (a balanced pair's kind): the parity picks no row
    parity = {
        id(node.left)
        for node in nodes
        if type(node) is cst.BinaryOperation
        and isinstance(node.operator, cst.Modulo)
        and isinstance(node.right, cst.Integer)
    }
    # ``out = [idx, output, input]``: the index handed back with the item, an
    # id beside data drawn otherwise (ConvLSTM-PyTorch's Moving MNIST)
    listed = {
        id(node.value)
        for node in nodes
        if type(node) is cst.Element and type(node.value) is cst.Name
    }
    return [
        node
        for node in nodes
        if type(node) is cst.Name
        and node.value == name
        and node is not params[1].name
        and id(node) not in seeds
        and id(node) not in parity
        and id(node) not in listed
    ]


#: calls whose argument seeds a random generator
_SEEDING = frozenset({"seed", "manual_seed", "default_rng", "RandomState", "Random"})


def _random_rows(model: ModuleIndex, init: cst.FunctionDef) -> bool:
    """Every array the data set keeps is drawn at random in ``__init__``
    (Lightning's bug-report ``RandomDataset``: ``self.data =
    torch.randn(length, size)``): i.i.d. rows, no order to learn."""
    drawn = False
    for node in nodes_in(init.body, cst.Assign, memo=memo_of(model)):
        assert isinstance(node, cst.Assign)
        if not any(
            isinstance(t.target, cst.Attribute) and dotted_text(t.target.value) == "self"
            for t in node.targets
        ):
            continue
        value = node.value
        if isinstance(value, cst.Call):
            if model.qualname(value.func) not in apis.RANDOM_DRAWS:
                return False
            drawn = True
        elif not isinstance(value, (cst.Name, cst.Integer, cst.Float)):
            return False
    return drawn


def _appended_draws(model: ModuleIndex, init: cst.FunctionDef) -> bool:
    """Every row ``__init__`` appends to a list it keeps is made of random
    draws (a triplet set regenerated each epoch: ``pos = np.random.choice(ids)``,
    ``self.triplets.append((pos, neg))``): the stored order is already random."""
    memo = memo_of(model)
    drawn = {
        t.target.value
        for node in nodes_in(init.body, cst.Assign, memo=memo)
        if isinstance(node, cst.Assign)
        and isinstance(node.value, cst.Call)
        and model.qualname(node.value.func) in (apis.RANDOM_DRAWS | apis.RANDOM_PICKS)
        for t in node.targets
        if isinstance(t.target, cst.Name)
    }
    appended = [
        call
        for call in nodes_in(init.body, cst.Call, memo=memo)
        if isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "append"
        and isinstance(call.func.value, cst.Attribute)
        and dotted_text(call.func.value.value) == "self"
    ]
    if not appended or not drawn:
        return False
    for call in appended:
        if len(call.args) != 1:
            return False
        row = call.args[0].value
        names = {n.value for n in (row, *descendants(row)) if isinstance(n, cst.Name)}
        if not names or not names <= drawn:
            return False
    return True


def pairs_neighbouring_rows(model: ModuleIndex) -> bool:
    """The file pairs a batch's rows by position: ``out[::2]`` with
    ``out[1::2]`` (CoSENT's flattened sentence pairs); shuffling the items
    would split every pair."""
    starts: dict[str, set[int]] = {}
    for node in model.nodes_of_type(cst.Subscript):
        assert isinstance(node, cst.Subscript)
        first = node.slice[0].slice if node.slice else None
        if not isinstance(first, cst.Slice) or first.upper is not None:
            continue
        if first.step is None or literal_value(first.step) != 2:
            continue
        start = 0 if first.lower is None else literal_value(first.lower)
        base = dotted_text(node.value)
        if base is not None and start in (0, 1):
            starts.setdefault(base, set()).add(start)
    return any(found == {0, 1} for found in starts.values())


def drawn_as_constructed(
    model: ModuleIndex, cls: cst.ClassDef, dataset: cst.BaseExpression
) -> bool:
    """``dataset`` (a loader's argument) is a construction of ``cls`` -- inline
    or bound just above -- whose literal for the flag ``index_read_under``
    names takes the arm that never reads the index (``MovingMNIST(is_train=
    True)``: random sequences, no order: ConvLSTM-PyTorch, audit s176)."""
    found = index_read_under(model, cls)
    made = construction(model, dataset)
    if found is None or made is None or model.code(made.func) != cls.name.value:
        return False
    param = _flag_parameter(model, cls, found[0])
    init = model.enclosing(param, cst.FunctionDef) if param is not None else None
    if param is None or not isinstance(init, cst.FunctionDef):
        return False
    given = constructed_with(made, param.name.value, init)
    return given is not NotImplemented and bool(given) is not found[1]


def construction(model: ModuleIndex, dataset: cst.BaseExpression) -> cst.Call | None:
    """The call that built ``dataset``: itself, or what its name was bound to above."""
    made: cst.BaseExpression | None = dataset
    if isinstance(made, cst.Name):
        made = reaching_assignment(model, made)
    return made if isinstance(made, cst.Call) else None


def index_flag(model: ModuleIndex, cls: cst.ClassDef) -> tuple[tuple[str, bool], ...]:
    """``((parameter, reading),)``: the ``__init__`` parameter kept as the flag
    ``index_read_under`` names, and its truth when the index is read; empty
    when there is none (the class summary's ``index_flag``)."""
    found = index_read_under(model, cls)
    if found is None:
        return ()
    param = _flag_parameter(model, cls, found[0])
    return ((param.name.value, found[1]),) if param is not None else ()


def _flag_parameter(model: ModuleIndex, cls: cst.ClassDef, attr: str) -> cst.Param | None:
    """The ``__init__`` parameter ``self.<attr> = <parameter>`` keeps."""
    write = only_self_write(model, attr, cls=cls)
    if write is None or not isinstance(write[1], cst.Name):
        return None
    init = model.enclosing(write[0], cst.FunctionDef)
    if not isinstance(init, cst.FunctionDef) or init.name.value != "__init__":
        return None
    params = init.params
    return next(
        (
            p
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
            if p.name.value == write[1].value
        ),
        None,
    )


def constructed_with(made: cst.Call, param: str, init: cst.FunctionDef | None = None) -> object:
    """The literal a construction passes for ``param`` by keyword (or, with
    ``init``, by position or left to its default); NotImplemented otherwise."""
    if init is not None:
        return literal_arguments(made, init, 1, frozenset({param})).get(param, NotImplemented)
    given = argument(made, None, param)
    if given is None or has_star_args(made):
        return NotImplemented
    return literal_value(given)
