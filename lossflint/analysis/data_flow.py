"""Data facts of one file: loaders and the data sets they read, the loaders that
feed training, and preprocessing fitted on a whole array before it is split.

A domain of the abstract interpreter (``interpreter/``: program order,
parameters pinned by same-file call sites, ``self.<attr>`` from ``__init__``,
closures), so ``train(model, loader)`` called with ``DataLoader(...)`` knows
its ``loader``. Unknown is ``None``.

Public API::

    from lossflint.analysis.data_flow import data_facts

    facts = data_facts(model)     # built once per file (only files that build a
                                  # DataLoader or a scaler, or split an array)
    facts.loaders                 # LoaderInfo per ``DataLoader(...)`` call
    facts.training_loaders()      # (LoaderInfo, evidence node, how) for every loader
                                  # whose batches reach a backward() and an optimiser
                                  # step, or that a Lightning trainer trains on
    facts.leaks                   # Leak: a fit (or ``(x - x.mean()) / x.std()``) on an
                                  # array that is then split into train/test

LF602 reads the loaders, LF601 the leaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.accelerators import passed_through
from lossflint.analysis.calls import (
    argument,
    assigned_to,
    iterable_index,
    keyword,
    literal_items,
    literal_value,
    positional,
)
from lossflint.analysis.datasets import (
    constructed_with,
    construction,
    drawn_as_constructed,
    map_dataset_class,
    ordered_dataset,
    single_item,
)
from lossflint.analysis.interpreter import Env, Interpreter
from lossflint.analysis.interpreter.syntax import arguments_by_param, param_names
from lossflint.analysis.loader_subclasses import loader_subclass
from lossflint.analysis.loops import LoopIndex, loops
from lossflint.analysis.names import Binding, dotted_text, literal_item, target_binds
from lossflint.analysis.positional_batches import slices_by_batch_counter
from lossflint.analysis.reaching import reaching_assignment, reaching_line
from lossflint.analysis.same_arrays import same_array
from lossflint.analysis.scaler_refits import cancelled_by_refit
from lossflint.analysis.shuffling_helpers import frame_sampled
from lossflint.analysis.trainer_datasets import trainer_train_set
from lossflint.analysis.tuning_folds import tuning_fold
from lossflint.analysis.unpacked_returns import unpacked_items
from lossflint.analysis.values import (
    ClassRef,
    DictValue,
    Foreign,
    FunctionRef,
    Instance,
    TupleValue,
    Value,
)
from lossflint.analysis.variable_uses import variable_uses
from lossflint.analysis.walk import bound_names, calls_in, memo_of, nodes_in, own_returns
from lossflint.analysis.window_ranges import window_side
from lossflint.project import bridge, callers
from lossflint.project.context import current as project_context
from lossflint.project.summary import FunctionSummary, SClass, SFunction, SInstance

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: methods whose loader is the one a framework trains on: Lightning's
#: ``train_dataloader`` hook, the Hugging Face Trainer's ``get_train_dataloader``
_TRAINING_LOADER_HOOKS = frozenset({"train_dataloader", "get_train_dataloader"})

# --- values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    """A data set whose order is known: "map" (indexable, in its stored order) or
    "shuffled" (``random_split``, or built from arrays already in a random order:
    the parts of a shuffling ``train_test_split``)."""

    style: str
    origin: cst.CSTNode = field(repr=False)


class NoneLiteral:
    """``None``: unknown to every question, but a path binding it adds nothing
    a join must reconcile (``test_dataset=None`` handed to a trainer that
    picks ``self.train_dataset if is_train else self.test_dataset``: the
    ``None`` path never builds a loader that runs)."""

    def __repr__(self) -> str:
        return "NONE"


NONE = NoneLiteral()


@dataclass(frozen=True)
class DataSplits:
    """A Hugging Face ``DatasetDict`` (``load_dataset("imdb")``): each split is
    a map-style data set, in a random order when ``shuffled`` (the parts of
    its ``train_test_split``, or after its ``shuffle()``)."""

    origin: cst.CSTNode = field(repr=False)
    shuffled: bool = False


@dataclass(frozen=True)
class Loader:
    call: cst.Call = field(repr=False)
    #: the loaders other paths bind to the same name (``if binary:
    #: DataLoader(a) else: DataLoader(b)``): reported only when all agree
    others: tuple[cst.Call, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class EveryKey:
    """A dict comprehension whose every value is alike (``{x:
    DataLoader(sets[x]) for x in ["train", "val"]}``): any key gives it."""

    value: Any


@dataclass(frozen=True)
class SplitItems:
    """``dsd.items()`` (``keyed``) or ``dsd.values()`` of a dict of splits."""

    splits: DataSplits
    keyed: bool


@dataclass(frozen=True)
class Returned:
    """What a call of another project module's function returned (``part``
    ""), or one item of it (``part`` "0" for a tuple's first, "train" for a
    dict's key): a loop here that trains on it tells that module its loader
    is a training loader (``CallRecord.trained``)."""

    call: cst.Call = field(repr=False)
    part: str = ""
    #: the function shuffles rows before it returns (``shuffles_rows``)
    shuffled: bool = False


@dataclass(frozen=True)
class LightningTrainer:
    call: cst.Call = field(repr=False)


@dataclass(frozen=True)
class TrainingEngine:
    """ignite's ``Engine(update)`` whose process function trains (a backward
    and a step in it): ``engine.run(loader)`` trains on the loader."""

    call: cst.Call = field(repr=False)


@dataclass(frozen=True)
class Scaler:
    """A scaler/normaliser; after ``fit``: the call and the array it saw."""

    ctor: cst.Call = field(repr=False)
    keras: bool = False
    fit: cst.Call | None = field(default=None, repr=False)
    data: Any = None
    #: the arrays a fit on their concatenation read (``np.concatenate([x_lab,
    #: x_unl])``): each transformed alone holds statistics of its own rows too
    parts: tuple[Any, ...] = ()
    #: the array fitted on, a name bound once (``data``): its slices are parts of it
    of: cst.Name | None = field(default=None, repr=False)
    #: the expression fitted on, when it is not a name (``df.iloc[:, 4:5]``)
    expr: cst.BaseExpression | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Data:
    """An array that a fit read, given an identity so a later use of the same
    array (not a reassigned one) is recognised."""

    token: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class Part(Value):
    """One side of a split (``train_test_split`` output, a head/tail slice): a
    scaler fitted on it is fitted on a training part, not on the whole data.
    ``shuffled``: its rows are in a random order (``train_test_split`` shuffles
    unless ``shuffle=False``; ``sklearn.utils.shuffle``; ``df.sample(frac=...)``),
    so a data set built from it is already a random permutation (LF602)."""

    split: cst.CSTNode = field(repr=False)
    shuffled: bool = False


@dataclass(frozen=True)
class Rows(Value):
    """One side of a ``train_test_split`` of row numbers
    (``train_test_split(np.arange(len(df)))``): indexing an array with it
    takes that side's rows (``X[idx_train]``)."""

    split: cst.CSTNode = field(repr=False)
    shuffled: bool = False
    #: how the rows were divided: "train_test_split", or "folds" (the
    #: train/test rows of one fold of a cross-validation splitter)
    how: str = "train_test_split"


@dataclass(frozen=True)
class Splitter:
    """A cross-validation splitter (``KFold(5)``, ``StratifiedKFold(...)``)."""

    ctor: cst.Call = field(repr=False)


@dataclass(frozen=True)
class Folds:
    """``splitter.split(X)``: (train rows, test rows) pairs, one per fold;
    ``enumerated``: under ``enumerate``, each item is (fold number, pair)."""

    split: cst.Call = field(repr=False)
    enumerated: bool = False


@dataclass(frozen=True)
class EmptyList:
    """``windows = []``: a list nothing was appended to yet (a loop that
    appends may run no time: its join with what the loop appended is that)."""

    node: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class RowWise:
    """A transformer whose output holds the statistics its input holds: one
    learning nothing of the rows (``apis.ROW_WISE_TRANSFORMERS``), or a PCA
    (``apis.LEAK_KEEPING_TRANSFORMERS``: its own fit is not this rule's)."""

    call: cst.Call = field(repr=False)


@dataclass(frozen=True)
class Fitted:
    """An array transformed with statistics of all its rows."""

    fit: cst.CSTNode = field(repr=False)
    how: str  # "fit_transform", "transform", "formula"
    #: the fits of columns stored in the same frame before (``df[xs] =
    #: x_scaler.fit_transform(...)``, then ``df["y"] = y_scaler...``)
    earlier: tuple[cst.CSTNode, ...] = field(default=(), repr=False, compare=False)

    @property
    def fits(self) -> tuple[cst.CSTNode, ...]:
        """Every fit whose statistics the array holds, the latest first."""
        return (self.fit, *self.earlier)


# --- facts -------------------------------------------------------------------------------


@dataclass(eq=False)
class LoaderInfo:
    call: cst.Call
    #: map-style data set, no shuffle and no sampler: batches come in data-set order
    ordered: bool
    #: ``shuffle=False`` written out (vs. left to its default)
    explicit: bool = False
    #: the ``sampler=`` argument when it is None on one path only (``DistributedSampler(ds)
    #: if num_gpus > 1 else None``): the conditional expression it holds
    none_sampler: cst.IfExp | None = None
    #: the ``shuffle=`` argument, when there is one to rewrite
    shuffle_arg: cst.Arg | None = None


@dataclass(eq=False)
class Leak:
    """Statistics of a whole array (``fit``) reaching both sides of a split."""

    fit: cst.CSTNode
    split: cst.CSTNode
    how: str  # "train_test_split", "folds", "slices", "mask", "caller"
    scaler: str = ""
    #: where a caller in another module splits it (``how`` "caller")
    where: str = ""


_KEEP = object()


class DataFacts(Interpreter[Any]):
    """The data domain; ``run`` fills ``loaders``, ``leaks`` and the uses."""

    SUBSCRIPT_STORE_FORGETS = True
    CALL_METHODS = ()
    NONE = NONE
    PINS_FROM_OTHER_FILES = True
    # a loop body's second pass is skipped only after a first that recorded
    # nothing new (``records_made``): the hooks read what was recorded
    # (``_adapted``, values) and the passes append to lists
    SKIPS_REPEATED_PASS = True

    def __init__(self, model: ModuleIndex, for_returns: bool = False) -> None:
        super().__init__(model, None)
        self.loaders: dict[cst.Call, LoaderInfo] = {}
        self.leaks: list[Leak] = []
        self.lightning_fits: list[tuple[Loader, cst.Call]] = []
        #: ``trainer.run(loader)`` of an ignite engine whose process function trains
        self.engine_runs: list[tuple[Loader, cst.Call]] = []
        self.monai_trainers: list[tuple[Loader, cst.Call]] = []
        self.next_calls: dict[cst.Call, Loader] = {}
        #: what other modules' functions returned, handed to another module's
        #: function that trains on it
        self.returned_trained_elsewhere: list[Returned] = []
        #: loaders handed to another module's function that trains on them
        #: (``train_one_epoch(model, loader, ...)`` in ``engine.py``)
        self.trained_elsewhere: dict[cst.Call, tuple[Loader, str]] = {}
        #: results of other modules' functions split here: the call, the
        #: parts split, the split
        self.split_returns: dict[cst.Call, tuple[list[str], cst.Call]] = {}
        self._slices: dict[cst.CSTNode, list[tuple[str, str, cst.CSTNode]]] = {}
        #: fits on a concatenation one of whose arrays, transformed, was sliced
        self._part_sliced: set[cst.CSTNode] = set()
        #: rows of a scaled array taken by a random mask (``X[msk]``) or its
        #: complement (``X[~msk]``): (the mask's drawing, complement) -> the subscript
        self._masks: dict[cst.CSTNode, dict[tuple[cst.Comparison, bool], cst.Subscript]] = {}
        self._row_splits = False
        self._adapted: dict[Data, tuple[cst.Call, str]] = {}
        #: head/tail/mid slices of arrays bound once (``data[:n]``), by binding
        self._named_slices: dict[cst.CSTNode, list[tuple[str, str, cst.CSTNode]]] = {}
        #: a scaler fitted on a whole array transforming one of its slices:
        #: (the fit, the array's binding)
        self._slice_transforms: list[tuple[cst.CSTNode, cst.CSTNode]] = []
        #: whether the interpreter ran (a file it is not relevant to has no facts)
        self.ran = self._relevant(for_returns)
        if self.ran:
            self.run()

    def _relevant(self, for_returns: bool) -> bool:
        """A file that builds a loader and trains, or scales data: the
        interpreter runs for nothing else. ``for_returns``: the module's
        summary asks which results of other modules' functions a loop here
        trains on (``training_returns``)."""
        loader = scaler = trains = False
        subclasses = {
            cls.name.value
            for cls in cast("list[cst.ClassDef]", self.model.nodes_of_type(cst.ClassDef))
            if loader_subclass(self.model, cls)
        }
        for site in self.model.calls:
            name = site.qualname
            if name in apis.DATA_LOADERS or (
                name is None
                and isinstance(site.node.func, cst.Name)
                and site.node.func.value in subclasses
            ):
                loader = True
            elif (
                name in apis.FIT_SCALERS
                or name in apis.KERAS_NORMALIZATION
                or name in apis.STANDARDISE_FUNCS
            ):
                scaler = True
            elif (
                name in apis.LIGHTNING_TRAINERS
                or name in apis.MONAI_SUPERVISED_TRAINERS
                or site.method in ("backward", "fit")
            ):
                trains = True
        if loader and not trains:
            trains = any(
                isinstance(node, cst.FunctionDef) and node.name.value in _TRAINING_LOADER_HOOKS
                for node in self.model.scopes
            )
        if scaler or (loader and trains):
            return True
        if project_context() is not None and (loader or for_returns):
            # another module's function may train on a loader built here (one
            # it is handed: its events are inlined here; one a factory here
            # returns), or a loop here on one another module returns
            inlined = any(e.kind == "backward" for e in loops(self.model).events)
            if loader and (
                inlined or self._loader_in_factory() or calls_a_trainer_elsewhere(self.model)
            ):
                return True
            if for_returns and (trains or inlined or calls_a_trainer_elsewhere(self.model)):
                return True
        if for_returns and project_context() is not None and _splits(self.model):
            return True  # a split of what another module's function returned
        return _has_formula(self.model)

    def _loader_in_factory(self) -> bool:
        """A ``DataLoader(...)`` built in a module-level function."""
        for site in self.model.calls_to(*apis.DATA_LOADERS):
            func = self.model.enclosing(site.node, cst.FunctionDef)
            if func is not None and self.model.parent(func) is self.model.module:
                return True
        return False

    # --- domain ---------------------------------------------------------------------

    def records_made(self) -> object:
        # every record adds a key or an item (an entry written again is
        # written as the repeated pass would write it)
        return (
            len(self.loaders),
            len(self.leaks),
            len(self.lightning_fits),
            len(self.engine_runs),
            len(self.monai_trainers),
            len(self.next_calls),
            len(self.trained_elsewhere),
            len(self.returned_trained_elsewhere),
            len(self._adapted),
            sum(len(found) for found in self._slices.values()),
            len(self._slices),
            sum(len(found) for found in self._masks.values()),
        )

    def begin_round(self) -> None:
        self.loaders, self.leaks, self.lightning_fits, self.engine_runs = {}, [], [], []
        self.monai_trainers = []
        self.next_calls, self._slices, self._adapted = {}, {}, {}
        self._part_sliced, self._masks = set(), {}
        self._named_slices, self._slice_transforms = {}, []
        self.trained_elsewhere, self.returned_trained_elsewhere = {}, []
        self._row_splits = False

    def worth_another_round(self) -> bool:
        # a split of row numbers: a nested function indexing a scaled array
        # with them (``def take(idx): return X[idx]``) sees both next round
        return bool(
            self.loaders
            or self.leaks
            or self._slices
            or self._masks
            or self._adapted
            or self._row_splits
            # a loader, or another module's result, handed to a function here:
            # the function sees it next round (``train(model, train_loader)``
            # after ``train_loader = data_loader(args)``: STGAT, audit s183)
            or any(
                isinstance(value, (Loader, Returned))
                for pins in self._pins.values()
                for value in pins.values()
            )
        )

    def _attrs_set_by(
        self, cls: cst.ClassDef, func: cst.FunctionDef, flow: bool, known: Env | None = None
    ) -> Env:
        # Lightning runs ``setup()`` before ``train_dataloader()``: ``self.train``
        # is what setup's body leaves (its locals: the split parts), like __init__'s
        setup = func.name.value in apis.LIGHTNING_SETUP_HOOKS
        return super()._attrs_set_by(cls, func, flow or setup, known)

    def _call(self, call: cst.Call, callee: Any, args: list[Any], env: Env) -> Any:
        if isinstance(callee, ClassRef) and loader_subclass(self.model, callee.cls):
            # ``AudioDataLoader(ds, batch_size=1)``: a DataLoader by another name
            return self.api_call(call, apis.DATA_LOADER, args, env)
        if isinstance(callee, Foreign) and isinstance(callee.ref, SFunction):
            self._note_trained_elsewhere(call, callee.ref, args, 0)
            self._split_by_helper(call, callee.ref, args)
            result = super()._call(call, callee, args, env)
            if result is None:
                summary = bridge.function_summary_of(callee.ref)
                return Returned(call, shuffled=summary is not None and summary.shuffles_rows)
            return result
        if isinstance(callee, Foreign) and isinstance(callee.ref, SClass):
            # ``Trainer(model, train_dataloader=loader)`` keeping what it trains
            # on: the class's summary (a method item of ``__init__`` keeps
            # none of the methods that train)
            init = SFunction(callee.ref.file, f"{callee.ref.name}.__init__")
            context = project_context()
            whole = context.item_summary(callee.ref.file, callee.ref.name) if context else None
            if whole is not None and init.name in whole.functions:
                self._note_trained_elsewhere(call, init, args, 1, whole.functions[init.name])
        if isinstance(callee, FunctionRef) and self.recording:
            self._sliced_by_helper(callee.func, args)
        return super()._call(call, callee, args, env)

    def _sliced_by_helper(self, func: cst.FunctionDef, args: list[Any]) -> None:
        """``def split(a): return a[:n_tr], a[n_tr:n_va], a[n_va:]`` called on
        an array scaled whole: the same head and tail slices as written
        inline (the helper is called on other arrays too, so its parameter
        holds nothing known across its calls)."""
        if len(args) != 1 or not isinstance(args[0], Fitted) or func.decorators:
            return
        params = param_names(func.params)
        body = func.body.body if isinstance(func.body, cst.IndentedBlock) else ()
        if len(params) != 1 or len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
            return
        ret = body[0].body[0] if len(body[0].body) == 1 else None
        if not isinstance(ret, cst.Return) or not isinstance(ret.value, (cst.Tuple, cst.List)):
            return
        fit = args[0].fit
        for element in ret.value.elements:
            item = element.value
            if not (
                isinstance(item, cst.Subscript)
                and isinstance(item.value, cst.Name)
                and item.value.value == params[0]
                and len(item.slice) == 1
                and isinstance(item.slice[0].slice, cst.Slice)
            ):
                return
        for element in ret.value.elements:
            sliced = cast(cst.Subscript, element.value)
            self._note_slice(fit, cast(cst.Slice, sliced.slice[0].slice), sliced)

    def _assign(self, target: cst.BaseExpression, value: Any, env: Env) -> None:
        if value is None:
            value = self._fold_item(target)
        if (
            isinstance(value, Returned)
            and not value.part
            and isinstance(target, (cst.Tuple, cst.List))
            and not any(isinstance(e, cst.StarredElement) for e in target.elements)
        ):
            # ``train_loader, val_loader = get_loaders(cfg)``
            for position, element in enumerate(target.elements):
                self._assign(
                    element.value, Returned(value.call, str(position), value.shuffled), env
                )
            return
        super()._assign(target, value, env)

    def _fold_item(self, target: cst.BaseExpression) -> Any:
        """The target of ``for tr, te in kf.split(X):`` (the engine binds a
        loop's target to unknown): one fold's train and test rows."""
        loop = self.model.parent(target)
        if not isinstance(loop, cst.For) or loop.target is not target:
            return None
        folds = self.values.get(loop.iter)
        if not isinstance(folds, Folds):
            return None
        side = Rows(folds.split, how="folds")
        pair = TupleValue((side, side))
        return TupleValue((None, pair)) if folds.enumerated else pair  # type: ignore[arg-type]

    def dict_display(self, expr: cst.Dict, items: list[tuple[str, Any]]) -> Any:
        return DictValue(tuple(items))

    def list_display(self, expr: cst.List, items: list[Any]) -> Any:
        return EmptyList(expr) if not expr.elements else None

    def foreign_method_call(
        self, call: cst.Call, receiver: Foreign, name: str, args: list[Any], env: Env
    ) -> Any:
        method = bridge.attribute(receiver.ref, name)
        if isinstance(method, SFunction) and isinstance(receiver.ref, SInstance):
            self._note_trained_elsewhere(call, method, args, 1)  # after ``self``
        return super().foreign_method_call(call, receiver, name, args, env)

    def _split_by_helper(self, call: cst.Call, ref: SFunction, args: list[Any]) -> None:
        """``fu.split(X, y)`` of another module's function that divides those
        parameters into parts (``FunctionSummary.splits``): a split here."""
        if not self.recording or any(a.star for a in call.args):
            return
        context = project_context()
        summary = context.function_summary(ref) if context is not None else None
        if summary is None or not summary.splits:
            return
        binds = {
            id(a): name for name, a in (arguments_by_param(call, summary.params) or {}).items()
        }
        given: list[cst.Arg] = []
        values: list[Any] = []
        for arg, value in zip(call.args, args, strict=False):
            if binds.get(id(arg)) in summary.splits:
                given.append(arg)
                values.append(value)
        self._split(call, values, given, how="helper")

    def _note_trained_elsewhere(
        self,
        call: cst.Call,
        ref: SFunction,
        args: list[Any],
        skip: int,
        summary: FunctionSummary | None = None,
    ) -> None:
        """A loader passed to a parameter that the other module's function
        iterates while it trains (``FunctionSummary.trains_on``)."""
        if not self.recording or not any(isinstance(a, (Loader, Returned)) for a in args):
            return
        context = project_context()
        if summary is None and context is not None:
            summary = context.function_summary(ref)
        if summary is None or not summary.trains_on or any(a.star for a in call.args):
            return
        binds = {
            id(a): name
            for name, a in (arguments_by_param(call, summary.params[skip:]) or {}).items()
        }
        for arg, value in zip(call.args, args, strict=True):
            if binds.get(id(arg)) not in summary.trains_on:
                continue
            if isinstance(value, Loader):
                if _evaluation_name(self.model, arg.value):
                    # ``Trainer(m, train_loader, test_dataloader=test_loader)``,
                    # ``train_val(model, test_loader, None)``: evaluated on
                    continue
                self.trained_elsewhere[call] = (value, f"{ref.file}:{summary.line}")
            elif isinstance(value, Returned):
                # ``Trainer(...).fit(train_dl, ...)`` with ``train_dl`` from
                # ``build_loaders(cfg)`` of a third module
                self.returned_trained_elsewhere.append(value)

    def call_value(self, call: cst.Call, callee: Any, args: list[Any], env: Env) -> Any:
        # ``norm(X)`` of a Keras ``Normalization`` adapted on ``X``: transformed
        # with the statistics of all its rows
        if (
            isinstance(callee, Scaler)
            and callee.keras
            and callee.fit is not None
            and callee.data is not None
            and args
            and args[0] == callee.data
        ):
            return Fitted(callee.fit, "transform")
        if isinstance(callee, Scaler) and callee.keras and args and args[0] in callee.parts:
            return Fitted(callee.fit, "part")  # type: ignore[arg-type]
        return super().call_value(call, callee, args, env)

    def foreign_call_value(self, call: cst.Call, callee: Foreign, args: list[Any]) -> Any:
        if (
            isinstance(callee.ref, SClass)
            and _any_shuffled(args)
            and bridge.ordered_dataset(SInstance(callee.ref.file, callee.ref.name))
        ):
            # another module's map-style data set over rows in a random order
            # (``BERTDataset(review=df_train.review.values, ...)`` after a split)
            return DataSet("shuffled", call)
        return None

    def join_values(self, a: Any, b: Any) -> Any:
        # two parts (``create_loader(df_train)`` and ``create_loader(df_val)``
        # pin one parameter): still a part, in a random order only if both are
        if isinstance(a, Part) and isinstance(b, Part) and a != b:
            return Part(a.split, a.shuffled and b.shuffled)
        # ``windows = []`` joined with the windows a loop appended to it
        if isinstance(a, EmptyList) and isinstance(b, Fitted) and b.how == "windows":
            return b
        if isinstance(b, EmptyList) and isinstance(a, Fitted) and a.how == "windows":
            return a
        if (
            isinstance(a, Fitted)
            and isinstance(b, Fitted)
            and (a.how == "windows") == (b.how == "windows")
        ):
            # a column scaled again under an ``if``: either way the frame holds
            # columns scaled with the statistics of all its rows
            return a
        if (
            isinstance(a, TupleValue)
            and isinstance(b, TupleValue)
            and type(a) is type(b)
            and len(a.items) == len(b.items)
            and any(isinstance(i, Loader) for i in a.items)
        ):
            # ``return train_loader, x, y`` on each branch: item by item
            return TupleValue(tuple(self.join(x, y) for x, y in zip(a.items, b.items, strict=True)))
        if isinstance(a, Loader) and isinstance(b, Loader):
            # a loader built on each branch: either one is trained on
            calls = {c: None for c in (a.call, *a.others, b.call, *b.others)}
            ordered = sorted(calls, key=self.model.source_key)
            return Loader(ordered[0], tuple(ordered[1:]))
        if isinstance(a, DataSet) and isinstance(b, DataSet) and a.style == b.style == "map":
            # ``datasets.MNIST(...)`` or ``datasets.CIFAR10(...)`` by a flag:
            # indexable in stored order either way
            return a
        return super().join_values(a, b)

    def api_call(self, call: cst.Call, qualname: str, args: list[Any], env: Env) -> Any:
        if qualname in apis.DATA_LOADERS:
            loader = Loader(call)
            if self.recording:
                self.loaders[call] = self._loader_info(call, args[0] if args else None)
            return loader
        if qualname in apis.MAP_DATASETS or map_dataset_class(qualname):
            return DataSet("shuffled" if _any_shuffled(args) else "map", call)
        if qualname in apis.HF_LOAD_DATASET:
            streaming = argument(call, 99, "streaming")
            if streaming is not None and literal_value(streaming) is not False:
                return None  # streamed (or maybe): an iterable data set
            split = argument(call, 4, "split")
            if split is None:
                return DataSplits(call)
            return DataSet("map", call) if isinstance(literal_value(split), str) else None
        if qualname in apis.HF_DATASET_CONSTRUCTORS:
            return DataSet("shuffled" if _any_shuffled(args) else "map", call)
        if qualname == apis.RANDOM_SPLIT:
            return DataSet("shuffled", call)
        if qualname in apis.DATASET_SUBSETS:
            # ``Subset(mnist, indices=range(0, n, 5))``: the data set's items in
            # their stored order; other indices (a permutation) may be anything
            base = args[0] if args and call.args[0].keyword is None else None
            indices = argument(call, 1, "indices")
            if (
                isinstance(base, DataSet)
                and base.style == "map"
                and isinstance(indices, cst.Call)
                and self.model.qualname(indices.func) == "builtins.range"
            ):
                return DataSet("map", call)
            return None
        if qualname in apis.ITERATION_WRAPPERS:
            at = iterable_index(call)
            first = args[at] if at is not None and at < len(args) else None
            if isinstance(first, Folds):
                counted = qualname == "builtins.enumerate"
                # ``enumerate(enumerate(...))``: items no target here unpacks
                if counted and first.enumerated:
                    return None
                return Folds(first.split, counted or first.enumerated)
            return first if isinstance(first, (Loader, Returned)) else None
        if qualname == "builtins.zip":
            # ``zip(pbar, loader)``: a progress bar zipped with the batches
            zipped = [a for a in args if isinstance(a, Loader)]
            return zipped[0] if len(zipped) == 1 else None
        if qualname in apis.CV_SPLITTERS:
            return Splitter(call)
        if qualname == apis.NEXT:
            if args and isinstance(args[0], Loader) and self.recording:
                self.next_calls[call] = args[0]
            return None
        if qualname in apis.LIGHTNING_TRAINERS:
            return LightningTrainer(call)
        if qualname in apis.IGNITE_ENGINES and self._trains(args[0] if args else None):
            return TrainingEngine(call)
        if qualname in apis.MONAI_SUPERVISED_TRAINERS and self.recording:
            given = argument(call, apis.MONAI_TRAIN_LOADER_POSITION, "train_data_loader")
            trained = self.values.get(given) if given is not None else None
            if isinstance(trained, Loader):
                self.monai_trainers.append((trained, call))
            return None
        if qualname in apis.FIT_SCALERS:
            return Scaler(call)
        if qualname in apis.ROW_WISE_TRANSFORMERS or qualname in apis.LEAK_KEEPING_TRANSFORMERS:
            return RowWise(call)
        if qualname in apis.COLUMN_TRANSFORMERS and any(
            self.model.qualname(inner.func) in apis.FIT_SCALERS
            for arg in call.args
            for inner in calls_in(arg.value)
        ):
            # ``make_column_transformer((MinMaxScaler(), cols), ...)``: fitting it
            # fits the scaler on those columns of every row
            return Scaler(call)
        if qualname in apis.KERAS_NORMALIZATION:
            return Scaler(call, keras=True)
        if qualname in apis.STANDARDISE_FUNCS and call.args and not call.args[0].star:
            axis = argument(call, 1, "axis")
            if axis is None or literal_value(axis) == 0:
                return Fitted(call, "fit_transform")  # ``zscore(df["income"])``: over all rows
        if qualname in apis.TRAIN_TEST_SPLIT:
            self._split(call, args)
            if any(a.star for a in call.args):
                return None
            arrays = sum(1 for a in call.args if a.keyword is None)
            shuffle = keyword(call, "shuffle")
            # shuffled by default; ``shuffle=False`` (or a value not known to be
            # True) keeps the order
            shuffled = shuffle is None or literal_value(shuffle.value) is True
            parts: list[Any] = []
            for arg in call.args[:arrays]:
                side = Rows(call, shuffled) if _row_numbers(self.model, arg.value) else None
                self._row_splits = self._row_splits or side is not None
                parts += [side or Part(call, shuffled), side or Part(call, shuffled)]
            return TupleValue(tuple(parts))
        if qualname in apis.SHUFFLE_ARRAYS:
            if any(a.star for a in call.args):
                return None
            # ``random_state=``, ``n_samples=`` change no order's randomness
            positional_arrays = [a for a in call.args if a.keyword is None]
            if len(positional_arrays) == 1:
                return Part(call, True)  # ``X = shuffle(X)``: one array, not a tuple
            return TupleValue(tuple(Part(call, True) for _ in positional_arrays))
        if qualname in apis.RANDOM_SUBSETS and call.args and not call.args[0].star:
            return Part(call, True)  # ``random.sample(corpus, n)``: in a random order
        if qualname in apis.SHUFFLE_IN_PLACE and len(call.args) == 1:
            # ``random.shuffle(train_data)``: the list's rows, now in a random order
            target = call.args[0].value
            if isinstance(target, cst.Name) and not call.args[0].star:
                env[target.value] = Part(call, True)
            return None
        if qualname in apis.ARRAY_WRAPPERS:
            first = args[0] if args else None
            return first if isinstance(first, (Fitted, Part, Returned)) else None
        if qualname in apis.EXPAND_DIMS and args and isinstance(args[0], (Part, Fitted)):
            # ``np.expand_dims(X, 1)``: a channel axis, the same rows (parts of
            # a split, or an array scaled whole: DeepECG, audit s181)
            new_axis = literal_value(argument(call, 1, "axis"))
            keeps_rows = isinstance(new_axis, int) and new_axis not in (0, False)
            return args[0] if keeps_rows else None
        if qualname in apis.ROW_KEEPING_FUNCS and args and isinstance(args[0], Fitted):
            return args[0]  # ``pd.get_dummies(df, columns=[...])``: the same rows
        if qualname in apis.COLUMN_CONCATS:
            return self._column_concat(call, qualname, env)
        return None

    def _column_concat(self, call: cst.Call, qualname: str, env: Env) -> Any:
        """``pd.concat([df, dummies], axis=1)``, ``np.column_stack([X, extra])``:
        the rows of each array side by side; scaled whole when one of them is
        (the others add columns, never rows)."""
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        listed = call.args[0].value
        if not isinstance(listed, (cst.List, cst.Tuple)):
            return None
        if qualname not in apis.ALWAYS_COLUMN_CONCATS:
            axis = argument(call, 1, "axis")
            # a literal axis other than the rows' (``axis=1``, ``axis="columns"``,
            # ``axis=-1``); anything else may stack rows (a concatenation of parts)
            value = literal_value(axis)
            if not isinstance(value, (int, str)) or isinstance(value, bool):
                return None
            if value in (0, "index", "rows"):
                return None
        for element in listed.elements:
            if isinstance(element, cst.StarredElement):
                return None
            # in this run's environment: a function run for a call whose
            # literals decide its branches (``if normalize:``) sees its own frame
            found = self.eval_quietly(element.value, env)
            if isinstance(found, Fitted):
                return found
        return None

    def construct(self, call: cst.Call, cls: cst.ClassDef, args: list[Any]) -> Any:
        if _any_shuffled(args) and ordered_dataset(self.model, cls):
            # a data set over arrays in a random order reads them in that order
            return DataSet("shuffled", call)
        return Instance(cls)

    def attribute(self, expr: cst.Attribute, base: Any) -> Any:
        if isinstance(base, Instance) and trainer_train_set(self.model, expr, base.cls):
            return DataSet("map", expr)  # a Trainer subclass's ``self.train_dataset``
        if isinstance(base, (Fitted, Returned)) and expr.attr.value in ("iloc", "values"):
            return base
        if isinstance(base, Fitted) and expr.attr.value == "loc":
            return base  # ``df.loc[:, cols]``, ``df.loc[mask]``: read as subscripts are
        if isinstance(base, Part) and base.shuffled and expr.attr.value != "T":
            return base  # a column (``df_train.text``), ``.values``: the same rows
        return None

    def subscript(self, expr: cst.Subscript, base: Any) -> Any:
        first = expr.slice[0].slice if expr.slice else None
        if isinstance(base, DataSplits) and isinstance(first, cst.Index):
            return self.subscript_split(base)
        if isinstance(base, EveryKey) and len(expr.slice) == 1 and isinstance(first, cst.Index):
            return base.value
        if isinstance(base, Returned) and not base.part and len(expr.slice) == 1:
            key = literal_value(first.value) if isinstance(first, cst.Index) else None
            if isinstance(key, (int, str)) and not isinstance(key, bool):
                return Returned(base.call, str(key), base.shuffled)  # ``get_loaders(cfg)["train"]``
            return None
        if isinstance(base, Returned) and not isinstance(first, cst.Slice):
            return base  # columns of an item (``frame[cols]``): all its rows
        if isinstance(first, cst.Slice) and (first.lower is not None or first.upper is not None):
            # rows in a random order, sliced: a random subset, still in a random order
            part: Any = Part(expr, isinstance(base, Part) and base.shuffled)
            if self.recording and isinstance(expr.value, cst.Name) and len(expr.slice) == 1:
                binding = self._binding_of(expr.value)
                kind = slice_kind(self.model, first)
                if binding is not None and kind is not None:
                    self._named_slices.setdefault(binding, []).append((*kind, expr))
        else:
            part = None
        threshold = _index_threshold(expr, first)
        if threshold is not None and isinstance(base, Fitted):
            # ``df[df.index < n]`` / ``df[df.index >= n]``: a head and a tail
            if self.recording:
                side, bound = threshold
                for fit in base.fits:
                    self._slices.setdefault(fit, []).append((side, _bound(self.model, bound), expr))
            return Part(expr)
        if (
            part is None
            and not isinstance(base, Fitted)
            and len(expr.slice) == 1
            and _mask_and_complement(self.model, expr)
        ):
            # ``X[mask]`` beside ``X[~mask]``: one side of a split by a mask
            return Part(expr)
        rows = self.values.get(first.value) if isinstance(first, cst.Index) else None
        if isinstance(rows, Rows):
            # ``X[idx_train]`` of a split of row numbers: one side's rows; of a
            # scaled array, the split divides rows whose statistics the fit read
            # (``X[train_index, :]`` with the other axes kept too: DeepECG, audit s181)
            if isinstance(base, Fitted) and self.recording:
                self.leaks.extend(Leak(fit, rows.split, rows.how) for fit in base.fits)
            return Part(rows.split, rows.shuffled)
        if (
            isinstance(rows, Part)
            and rows.shuffled
            and len(expr.slice) == 1
            and not isinstance(base, Fitted)
        ):
            # ``X[perm]`` with ``perm = np.random.permutation(n)`` (or a slice of
            # it, a shuffled index list): the rows in a random order (of a
            # training part: that part's rows)
            return Part(base.split if isinstance(base, Part) else rows.split, True)
        if (
            isinstance(base, Part)
            and part is None
            and _column_key(first)
            and not _every_row_shuffled(base.split)
        ):
            # ``tr[cols]`` of a training part: its columns, the same rows (a
            # scaler fitted on them is fitted on the part); not of
            # ``df.sample(frac=1)``, which is every row, only reordered
            return base
        if isinstance(base, Fitted) and part is None:
            # columns or a mask of the scaled array (``X[cols]``, ``X.iloc[:, 1:]``):
            # still scaled with the statistics of all its rows
            part = base
        if isinstance(base, Fitted) and self.recording and len(expr.slice) == 1:
            mask = random_mask(self.model, first.value) if isinstance(first, cst.Index) else None
            if mask is not None:
                for fit in base.fits:
                    self._masks.setdefault(fit, {}).setdefault(mask, expr)
        if isinstance(base, Fitted) and self.recording and expr.slice:
            if base.how == "part":
                # one of the stacked arrays, itself split (``x_lab[:n_val]``)
                self._part_sliced.add(base.fit)
            if isinstance(first, cst.Slice):
                for fit in base.fits:
                    self._note_slice(fit, first, expr)
        return part

    @staticmethod
    def subscript_split(splits: DataSplits) -> DataSet:
        """``ds["train"]``: one split, a map-style data set."""
        return DataSet("shuffled" if splits.shuffled else "map", splits.origin)

    def _note_slice(self, fit: cst.CSTNode, first: cst.Slice, expr: cst.Subscript) -> None:
        # ``data[i:i + T]`` for ``i`` below / from a split point: a head / tail
        kind = window_side(self.model, first, expr) or slice_kind(self.model, first)
        if kind is not None:
            self._slices.setdefault(fit, []).append((*kind, expr))

    def store_item(self, target: cst.Subscript, value: Any, env: Env) -> None:
        if isinstance(value, Fitted):
            # ``df.loc[:, cols] = scaler.fit_transform(df[cols])``: the frame
            # now holds columns scaled with the statistics of all its rows
            frame = target.value
            if type(frame) is cst.Attribute and frame.attr.value in _ACCESSORS:
                frame = frame.value
            key = dotted_text(frame)
            if key is not None:
                held = env.get(key)
                if (
                    isinstance(held, Fitted)
                    and all(f is not value.fit for f in held.fits)
                    and self._scaler_call(value.fit)
                    and self._scaler_call(held.fit)
                ):
                    # two scalers' columns (``x_scaler``, then ``y_scaler``): both
                    # leak; not ``zscore`` written column by column, one leak
                    value = Fitted(value.fit, value.how, held.fits)
                env[key] = value
                return
        if _new_column(self.model, target) and isinstance(
            env.get(dotted_text(target.value) or ""), Fitted
        ):
            # ``df["yr"] = pd.cut(df.yr, bins)`` after scaling other columns of
            # ``df``: one column set, the scaled ones and all the rows stay
            return
        super().store_item(target, value, env)

    def _scaler_call(self, fit: cst.CSTNode) -> bool:
        """``x_scaler.fit_transform(...)``: a method of a scaler object, not a
        standardising function (``zscore(df[c])``)."""
        return (
            isinstance(fit, cst.Call)
            and isinstance(fit.func, cst.Attribute)
            and self.model.qualname(fit.func) is None
        )

    def binary(self, op: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if op == "Divide" and isinstance(node, cst.BinaryOperation):
            array = _standardised(self.model, node) or _standardised_in_two(self.model, node)
            if array is not None and not _statistics_applied_elsewhere(self.model, node, array):
                return Fitted(node, "formula")
            self._part_standardised(node)
        if (
            op == "Divide"
            and isinstance(node, cst.AugAssign)
            and _standardised_in_place(self.model, node)
        ):
            return Fitted(node, "formula")
        return None

    def _part_standardised(self, node: cst.BinaryOperation) -> None:
        """``(train - mean) / std`` where ``train = data[:n]`` and ``mean, std =
        data.mean(), data.std()``: a slice scaled with the statistics of the
        whole array (a leak when the array is split: ``sure_leaks``)."""
        left = node.left
        if not self.recording or not _is_subtract(left):
            return
        assert isinstance(left, cst.BinaryOperation)
        sliced = self._slice_of(self.values.get(left.left))
        array = self._binding_of(sliced) if sliced is not None else None
        if array is None or sliced is None:
            return
        center = _reduction_of(self.model, left.right)
        spread = _reduction_of(self.model, node.right)
        if center == (sliced.value, "center") and spread == (sliced.value, "spread"):
            self._slice_transforms.append((node, array))

    def method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: Any, args: list[Any], env: Env
    ) -> Any:
        name = func.attr.value
        if isinstance(receiver, Scaler):
            return self._scaler_method(call, func, name, receiver, env)
        if isinstance(receiver, RowWise) and name in ("fit_transform", "transform"):
            # ``PolynomialFeatures(2).fit_transform(scaled)``: still scaled
            given = args[0] if args and not call.args[0].star else None
            return given if isinstance(given, Fitted) else None
        if isinstance(receiver, Splitter) and name == "split":
            # a nested function indexing a scaled array with a fold's rows
            # sees them next round
            self._row_splits = True
            return Folds(call)
        if isinstance(receiver, LightningTrainer) and name == "fit":
            loader = argument(call, 1, *apis.LIGHTNING_TRAIN_LOADER_KEYWORDS)
            if loader is not None and self.recording:
                value = self.values.get(loader)
                if isinstance(value, Loader):
                    self.lightning_fits.append((value, call))
            return None
        if isinstance(receiver, TrainingEngine) and name == "run":
            loader = argument(call, 0, "data")
            if loader is not None and self.recording:
                value = self.values.get(loader)
                if isinstance(value, Loader):
                    self.engine_runs.append((value, call))
            return None
        if isinstance(receiver, (Fitted, Returned)) and name in apis.ROW_KEEPING_METHODS:
            return receiver
        passed = passed_through(self.model, call, func, args)
        if passed is not None:
            return passed  # ``model, opt, loader = accelerator.prepare(model, opt, loader)``
        if isinstance(receiver, Fitted) and _keeps_frame_rows(call, name):
            # ``df = df.drop(cols, axis=1)``, ``df.assign(...)``, ``df.dropna()``:
            # the scaled rows are all still there (or a cleaned subset of them,
            # never one side of a split), scaled with every row's statistics
            return receiver
        if isinstance(receiver, Part) and receiver.shuffled and name in apis.ROW_KEEPING_METHODS:
            return receiver
        if isinstance(receiver, (DataSet, DataSplits)):
            return _hf_method(call, name, receiver)
        if name == "apply":
            formula = _columns_standardised(self.model, call)
            if formula is not None:
                return Fitted(formula, "formula")
        if name == "append" and (
            isinstance(receiver, EmptyList)
            or (isinstance(receiver, Fitted) and receiver.how == "windows")
        ):
            self._append_window(call, func, receiver, env)
            return None
        if frame_sampled(call):
            return Part(call, True)  # ``df.sample(frac=1)``: the rows in a random order
        return None

    def comprehension_item(self, iterable: Any) -> Any:
        if isinstance(iterable, SplitItems):
            split = self.subscript_split(iterable.splits)
            return TupleValue((None, split)) if iterable.keyed else split  # type: ignore[arg-type]
        return None

    def dict_comprehension(self, expr: cst.DictComp, value: Any) -> Any:
        if isinstance(value, (Loader, DataSet, Instance, Foreign)):
            return EveryKey(value)
        return None

    def comprehension(self, expr: cst.BaseExpression, element: Any) -> Any:
        """``[X_scaled[i:i + w] for i in range(n)]``: windows of a scaled array,
        as the loop that appends them (``_append_window``)."""
        if type(expr) is cst.ListComp and isinstance(expr.elt, cst.Subscript):
            base = self.values.get(expr.elt.value)
            if isinstance(base, Fitted):
                return Fitted(base.fit, "windows")
        return None

    def _append_window(
        self, call: cst.Call, func: cst.Attribute, receiver: EmptyList | Fitted, env: Env
    ) -> None:
        """``seq.append(X_scaled[i - w:i])`` in a loop: the list holds windows
        (or rows) of an array scaled with all its rows; stacked and sliced
        into a head and a tail, it is split as the array would be. Anything
        else appended makes the list unknown."""
        key = dotted_text(func.value)
        if key is None:
            return
        item = call.args[0].value if len(call.args) == 1 and not call.args[0].star else None
        base = self.values.get(item.value) if isinstance(item, cst.Subscript) else None
        if isinstance(base, Fitted) and (
            isinstance(receiver, EmptyList) or receiver.fit is base.fit
        ):
            env[key] = Fitted(base.fit, "windows")
        else:
            env[key] = None

    # --- loaders ---------------------------------------------------------------------

    def _trains(self, process: Any) -> bool:
        """``process`` (an engine's process function) runs a backward and a step."""
        if not isinstance(process, FunctionRef):
            return False
        kinds = loops(self.model).function_kinds(process.func)
        return "backward" in kinds and "step" in kinds

    def _foreign_drawn(self, call: cst.Call, dataset: Foreign) -> bool:
        """Another module's data set built here with the literal that keeps
        its ``__getitem__`` from reading the index (``ClassSummary.index_flag``)."""
        flag = bridge.dataset_index_flag(dataset.ref)
        given = argument(call, 0, "dataset")
        made = construction(self.model, given) if flag is not None and given is not None else None
        if flag is None or made is None:
            return False
        value = constructed_with(made, flag[0])
        return value is not NotImplemented and bool(value) is not flag[1]

    def _drawn_as_constructed(self, call: cst.Call, cls: cst.ClassDef) -> bool:
        given = argument(call, 0, "dataset")
        return given is not None and drawn_as_constructed(self.model, cls, given)

    def _loader_info(self, call: cst.Call, dataset: Any) -> LoaderInfo:
        if _surely_unordered(self.model, call):
            return LoaderInfo(call, ordered=False)
        map_style = (
            (isinstance(dataset, DataSet) and dataset.style == "map")
            or (
                isinstance(dataset, Instance)
                and ordered_dataset(self.model, dataset.cls)
                and not self._drawn_as_constructed(call, dataset.cls)
                and not single_item(self.model, dataset.cls)
            )
            or (
                isinstance(dataset, Foreign)
                and bridge.ordered_dataset(dataset.ref)
                and not self._foreign_drawn(call, dataset)
            )
        )
        if not map_style:
            return LoaderInfo(call, ordered=False)
        shuffle = argument(call, apis.LOADER_SHUFFLE_POSITION, "shuffle")
        shuffle_arg = keyword(call, "shuffle")
        explicit = shuffle is not None
        if shuffle is not None and shuffle_arg is None:
            # positional shuffle: rewrite the argument itself
            shuffle_arg = positional(call)[apis.LOADER_SHUFFLE_POSITION]
        return LoaderInfo(
            call,
            ordered=True,
            explicit=explicit,
            none_sampler=_none_sampler(self.model, call),
            shuffle_arg=shuffle_arg,
        )

    # --- preprocessing ---------------------------------------------------------------

    def _scaler_method(
        self, call: cst.Call, func: cst.Attribute, name: str, scaler: Scaler, env: Env
    ) -> Any:
        key = dotted_text(func.value)
        data_expr = argument(call, 0, "X", "data")
        if key is None and name == "fit":
            # ``scaler = StandardScaler().fit(X)``: ``fit`` returns the scaler
            key = assigned_to(self.model, call)
        if name in ("fit", "adapt", "fit_transform") and data_expr is not None:
            data = self.values.get(data_expr)
            whole = _all_values_of(data_expr)
            if not isinstance(data, (Part, Data)) and whole is not data_expr:
                data = self.values.get(whole)  # ``X_train.reshape(-1, 1)``: a part still
            if isinstance(data, Part):
                # fitted on a training part: splitting it again is validation;
                # the transformed rows keep the part's order
                return data if name == "fit_transform" and data.shuffled else None
            if not isinstance(data, Data):
                data = Data(call)
                # ``adapt(X.reshape(-1, n_feats))``, ``fit(df.values)``: every
                # value of ``X`` is read, so ``X`` itself is the array fitted on
                data_key = dotted_text(whole)
                if data_key is not None:
                    env[data_key] = data
            fitted = Scaler(
                scaler.ctor,
                scaler.keras,
                call,
                data,
                self._fitted_parts(data_expr, env),
                whole if isinstance(whole, cst.Name) else None,
                None if isinstance(data_expr, cst.Name) else data_expr,
            )
            if key is not None:
                env[key] = fitted
            if self.recording and key is not None:
                self._adapted[data] = (call, key)
            if name == "fit_transform":
                return Fitted(call, "fit_transform")
            return fitted
        if name == "transform" and data_expr is not None:
            data = self.values.get(data_expr)
            if isinstance(data, Part) and data.shuffled:
                return data  # transformed row by row: the part's order
        if name == "transform" and data_expr is not None and scaler.fit is not None:
            given = self.values.get(data_expr)
            sliced = self._slice_of(given)
            if sliced is not None and scaler.of is not None and self.recording:
                # ``scaler.fit(data)`` and ``scaler.transform(data[:n])``
                array = self._binding_of(scaler.of)
                if array is not None and array is self._binding_of(sliced):
                    self._slice_transforms.append((scaler.fit, array))
            if scaler.data is not None and given == scaler.data:
                return Fitted(scaler.fit, "transform")
            if (
                given is None
                and scaler.expr is not None
                and same_array(self.model, scaler.expr, data_expr)
            ):
                # ``fit(df.iloc[:, 4:5].astype('float32'))``, then ``transform``
                # of the same expression: the same rows
                return Fitted(scaler.fit, "transform")
            if given is not None and given in scaler.parts:
                return Fitted(scaler.fit, "part")
        return None

    def _slice_of(self, value: Any) -> cst.Name | None:
        """The array a part was sliced from (``data`` of ``data[:n]``)."""
        split = value.split if isinstance(value, Part) else None
        if isinstance(split, cst.Subscript) and isinstance(split.value, cst.Name):
            return split.value
        return None

    def _binding_of(self, name: cst.Name) -> cst.CSTNode | None:
        """The one binding of ``name`` (None: bound more than once)."""
        bindings = self.model.bindings(name) or []
        return bindings[0].node if len(bindings) == 1 else None

    def _fitted_parts(self, data_expr: cst.BaseExpression, env: Env) -> tuple[Any, ...]:
        """``fit(np.concatenate([a, b]))``: ``a`` and ``b``, each given an
        identity (a later use of the same array is recognised)."""
        if not isinstance(data_expr, cst.Call) or not data_expr.args:
            return ()
        if self.model.qualname(data_expr.func) not in apis.ROW_CONCATS:
            return ()
        listed = data_expr.args[0].value
        if not isinstance(listed, (cst.List, cst.Tuple)):
            return ()
        parts: list[Any] = []
        for element in listed.elements:
            name = dotted_text(element.value)
            if name is None or isinstance(element, cst.StarredElement):
                continue
            value = env.get(name)
            if not isinstance(value, Data):
                value = env[name] = Data(element.value)
            parts.append(value)
        return tuple(parts)

    def _split(
        self,
        call: cst.Call,
        args: list[Any],
        given: list[cst.Arg] | None = None,
        how: str = "train_test_split",
    ) -> None:
        """The arrays of ``call`` (``given``: those of its arguments, when not
        all of its positional ones) are divided into parts."""
        if not self.recording:
            return
        for arg, value in zip(call.args if given is None else given, args, strict=False):
            if (given is None and arg.keyword is not None) or arg.star:
                continue
            if isinstance(value, Fitted):
                self.leaks.extend(Leak(fit, call, how) for fit in value.fits)
            elif isinstance(value, Returned):
                # ``X = prepare(df)[0].values`` then split: the other module
                # may have scaled all of it (``CallRecord.split``)
                parts, _ = self.split_returns.setdefault(value.call, ([], call))
                if value.part not in parts:
                    parts.append(value.part)
            elif isinstance(value, Data) and value in self._adapted:
                fit, key = self._adapted[value]
                self.leaks.append(Leak(fit, call, "train_test_split", scaler=key))

    # --- results ---------------------------------------------------------------------

    def sure_leaks(self) -> Iterator[Leak]:
        """The leaks whose statistics certainly reach the training data: the
        transformed array is split, both halves of a slice are taken, or the
        fitted scaler is used after the split."""
        seen: set[int] = set()
        for leak in self.leaks:
            if leak.scaler and not self._used_after(leak.scaler, leak.split):
                continue
            if leak.how in ("folds", "train_test_split") and cancelled_by_refit(
                self.model, leak.fit, leak.split
            ):
                continue  # each fold refits a StandardScaler on its training rows
            if leak.how == "train_test_split" and tuning_fold(self.model, leak.fit, leak.split):
                continue  # a validation fold of X_train; X_test is transformed apart
            if id(leak.fit) not in seen:
                seen.add(id(leak.fit))
                yield leak
        for leak in self._split_by_callers():
            if id(leak.fit) not in seen:
                seen.add(id(leak.fit))
                yield leak
        for scaler_fit, array in self._slice_transforms:
            # fitted on all of an array, transforming a slice of it: a leak when
            # the array is split (a head and the rows after it); the formula
            # written once per part is one leak, of the array's statistics
            split = split_head(self._named_slices.get(array, []))
            formula = not isinstance(scaler_fit, cst.Call)
            if split is None or id(scaler_fit) in seen or (formula and id(array) in seen):
                continue
            seen.update((id(scaler_fit), id(array)) if formula else (id(scaler_fit),))
            yield Leak(scaler_fit, split, "part-stats" if formula else "slices")
        for fit, slices in self._slices.items():
            if self._concatenated(fit) and fit not in self._part_sliced:
                # `pd.concat([train, test])` scaled together and sliced back at
                # len(train): the parts the user stacked, not a split of one data set
                continue
            heads = {bound: node for kind, bound, node in slices if kind == "head"}
            for kind, bound, _node in slices:
                # ``X[n_test:]``, or ``X[n_test + n_val:]`` after a validation part
                first = bound.split("+", 1)[0].strip()
                if kind == "tail" and first not in heads:
                    # ``X[n - seq_len:]``: the test part with the look-back
                    # window its first sample needs, all the held-out rows
                    first = _before_offset(bound)
                if kind in ("tail", "mid") and first in heads and id(fit) not in seen:
                    seen.add(id(fit))
                    yield Leak(fit, heads[first], "slices")

        for fit, masks in self._masks.items():
            # ``X[msk]`` and ``X[~msk]`` of ``msk = np.random.rand(n) < 0.8``
            for (drawn, complement), node in masks.items():
                if not complement and (drawn, True) in masks and id(fit) not in seen:
                    seen.add(id(fit))
                    yield Leak(fit, node, "mask")

    def _split_by_callers(self) -> Iterator[Leak]:
        """Arrays a module-level function here scales whole and returns,
        which a caller in another module splits (its ``CallRecord.split``)."""
        functions: dict[str, cst.FunctionDef] = {}
        for node in self.model.module.body:
            if isinstance(node, cst.FunctionDef) and any(
                _holds_fitted(value) for value in self._returned(node)
            ):
                functions[node.name.value] = node
        if not functions:
            return
        records = callers.external_calls(sorted(functions))
        for name, found in (records or {}).items():
            for record in found:
                for part in record.split:
                    for value in self._returned(functions[name]):
                        item = _item(value, part)
                        if isinstance(item, Fitted):
                            yield Leak(item.fit, item.fit, "caller", where=record.split_at)

    def _concatenated(self, fit: cst.CSTNode) -> bool:
        """The array ``fit`` reads was stacked from several (``fit_transform(df)``
        with ``df = pd.concat([X, test]).reset_index(drop=True)``)."""
        data: cst.BaseExpression | None = self._applied_to(fit)
        if data is None:
            if not isinstance(fit, cst.Call) or not fit.args:
                return False
            data = fit.args[0].value
        for _ in range(8):
            while isinstance(data, cst.Subscript):
                data = data.value  # ``df[num_cols]``: its columns, all its rows
            while isinstance(data, cst.Call) and isinstance(data.func, cst.Attribute):
                if self.model.qualname(data.func) is not None:
                    break
                data = data.func.value  # `.reset_index(drop=True)`, `.values`
            if isinstance(data, cst.Attribute):
                data = data.value  # ``train_test[num].values``: its columns, then the frame
                continue
            if isinstance(data, cst.Call):
                qualname = self.model.qualname(data.func)
                if qualname in apis.ROW_KEEPING_FUNCS and data.args:
                    data = data.args[0].value  # ``pd.get_dummies(df, columns=...)``
                    continue
                if (
                    qualname in apis.ELEMENTWISE_ROW_MAPS or qualname in apis.STANDARDISE_FUNCS
                ) and data.args:
                    # ``scale(erfinv(minmax_scale(rankdata(values))))`` of a column
                    # stacked from train and test (alno's Allstate solution, R119)
                    data = data.args[0].value
                    continue
                if qualname == apis.HSTACK and _stacked_columns(data):
                    return True
                return qualname in apis.ROW_CONCATS
            if not isinstance(data, cst.Name):
                return False
            # the binding just above (``df = df.drop(...)`` after the concat), or
            # the item a same-file helper returns (``train_test, ntrain =
            # munge(train, test)`` of ``return pd.concat(...), len(train)``)
            data = (
                reaching_assignment(self.model, data)
                or self._only_binding(data)
                or _only_item(unpacked_items(self.model, data))
            )
            if data is None:
                return False
        return False

    def _applied_to(self, fit: cst.CSTNode) -> cst.BaseExpression | None:
        """The frame ``frame.apply(lambda x: <fit>)`` standardises, when
        ``fit`` is such a lambda's body (d2l's house prices: the frame stacked
        from train and test, audit R165)."""
        function = self.model.parent(fit)
        argument_node = self.model.parent(function) if isinstance(function, cst.Lambda) else None
        call = self.model.parent(argument_node) if isinstance(argument_node, cst.Arg) else None
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "apply"
        ):
            return call.func.value
        return None

    def _only_binding(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value of the one assignment binding ``name``."""
        node = self._binding_of(name)
        return node if isinstance(node, cst.BaseExpression) else None

    def _used_after(self, key: str, node: cst.CSTNode) -> bool:
        """``key`` (the fitted scaler) is read after ``node``: transforms, or goes
        into a model."""
        line = self.model.line_of(node)
        for other in self.model.parents:
            if not isinstance(other, (cst.Name, cst.Attribute)) or dotted_text(other) != key:
                continue
            parent = self.model.parent(other)
            if isinstance(parent, cst.Attribute) and parent.value is other:
                if dotted_text(parent) is not None and parent.attr.value.endswith("_"):
                    continue  # ``scaler.mean_``: reading what it learnt, not using it
            if isinstance(parent, cst.AssignTarget):
                continue
            if self.model.line_of(other) > line:
                return True
        return False

    def training_loaders(self, index: LoopIndex) -> Iterator[tuple[LoaderInfo, cst.CSTNode, str]]:
        """Loaders whose batches are trained on: iterated (``for``, ``next``) by a
        loop that runs a backward() and an optimiser step (itself or through the
        same-file functions it calls), or given to a Lightning trainer's ``fit``
        (or returned by a ``train_dataloader`` hook, or by an override of the
        Hugging Face Trainer's ``get_train_dataloader``)."""
        yield from self._returned_to_training()
        for node in self.model.parents:
            if type(node) is not cst.For:
                continue
            value = self.values.get(node.iter)
            if isinstance(value, Loader) and value.call in self.loaders:
                if _evaluation_name(self.model, node.iter):
                    continue
                if (
                    trains_in_loop(self.model, index, node)
                    and not _fits_each_batch(index, node)
                    and not slices_by_batch_counter(self.model, node)
                ):
                    for info in self._agreed(value):
                        if not self._evaluation_bound(info.call):
                            yield info, node.iter, "loop"
        for call, loader in self.next_calls.items():
            arg = argument(call, 0, "iterator")
            if arg is None or _evaluation_name(self.model, arg) or loader.call not in self.loaders:
                continue
            loop = self.model.enclosing(call, cst.For, cst.While, cst.FunctionDef)
            if isinstance(loop, (cst.For, cst.While)) and trains_in_loop(self.model, index, loop):
                for info in self._agreed(loader):
                    yield info, call, "loop"
        for call, (loader, _) in self.trained_elsewhere.items():
            arg = next((a.value for a in call.args if self.values.get(a.value) is loader), None)
            if arg is not None and _evaluation_name(self.model, arg):
                continue
            if loader.call in self.loaders:
                for info in self._agreed(loader):
                    yield info, call, "function"
        for loader, fit in self.lightning_fits:
            if loader.call in self.loaders:
                for info in self._agreed(loader):
                    yield info, fit, "lightning"
        for loader, run in self.engine_runs:
            if loader.call in self.loaders:
                for info in self._agreed(loader):
                    yield info, run, "engine"
        for loader, trainer in self.monai_trainers:
            if loader.call in self.loaders:
                for info in self._agreed(loader):
                    yield info, trainer, "monai"
        for node in self.model.parents:
            if type(node) is cst.FunctionDef and node.name.value in _TRAINING_LOADER_HOOKS:
                for value in self._returned(node):
                    if isinstance(value, Loader) and value.call in self.loaders:
                        for info in self._agreed(value):
                            yield info, node, "hook"

    def _evaluation_bound(self, call: cst.Call) -> bool:
        """The loader is bound to an evaluation name (``val_dl =
        DataLoader(val_ds)``): one of several a shared epoch helper iterates
        (``loss_epoch(model, val_dl)`` under ``no_grad``), evaluated on."""
        parent = self.model.parent(call)
        return isinstance(parent, cst.Assign) and all(
            _evaluation_name(self.model, t.target) for t in parent.targets
        )

    def _agreed(self, loader: Loader) -> list[LoaderInfo]:
        """The loader's info, and those of the loaders other paths bind in its
        place, when every one is known and all are in data-set order (or
        there is just the one): whichever runs, the batches come unshuffled."""
        infos = [self.loaders.get(call) for call in (loader.call, *loader.others)]
        known = [i for i in infos if i is not None]
        if len(known) != len(infos):
            return []
        if len(known) > 1 and not all(i.ordered for i in known):
            return []
        return known

    def _returned(self, func: cst.FunctionDef) -> Iterator[Any]:
        for node in own_returns(func):
            if node.value is not None:
                yield self.values.get(node.value)

    def training_returns(self, index: LoopIndex) -> dict[cst.Call, tuple[str, ...]]:
        """Calls of other project modules' functions whose result (or an item
        of it) a loop here iterates while it trains (``for x, y in
        train_loader`` after ``train_loader, _ = get_loaders(cfg)``)."""
        found: dict[cst.Call, list[str]] = {}
        for node in self.model.parents:
            if type(node) is not cst.For:
                continue
            value = self.values.get(node.iter)
            if (
                isinstance(value, Returned)
                and not _evaluation_name(self.model, node.iter)
                and trains_in_loop(self.model, index, node)
            ):
                parts = found.setdefault(value.call, [])
                if value.part not in parts:
                    parts.append(value.part)
        for value in self.returned_trained_elsewhere:
            parts = found.setdefault(value.call, [])
            if value.part not in parts:
                parts.append(value.part)
        return {call: tuple(parts) for call, parts in found.items()}

    def _returned_to_training(self) -> Iterator[tuple[LoaderInfo, cst.CSTNode, str]]:
        """Ordered loaders a module-level function here returns to a loop of
        another module that trains on them (its ``CallRecord.trained``)."""
        functions: dict[str, cst.FunctionDef] = {}
        for call, info in self.loaders.items():
            func = self.model.enclosing(call, cst.FunctionDef)
            if (
                info.ordered
                and isinstance(func, cst.FunctionDef)
                and self.model.parent(func) is self.model.module
            ):
                functions[func.name.value] = func
        records = callers.external_calls(sorted(functions)) if functions else None
        for name, found in (records or {}).items():
            for record in found:
                for part in record.trained:
                    items = [_item(value, part) for value in self._returned(functions[name])]
                    loaders = [i for i in items if isinstance(i, Loader) and i.call in self.loaders]
                    if any(not self.loaders[i.call].ordered for i in loaders):
                        # ``return DataLoader(..., shuffle=True) if train else
                        # DataLoader(..., shuffle=False)``: which one the caller
                        # gets is its argument's choice (melgan's create_dataloader)
                        continue
                    for item in loaders:
                        yield self.loaders[item.call], item.call, f"caller {record.trained_at}"


# --- helpers -----------------------------------------------------------------------------


def calls_a_trainer_elsewhere(model: ModuleIndex) -> bool:
    """A function, or a method of a class, imported from another project
    module that iterates a loader it is handed while it trains
    (``FunctionSummary.trains_on``: ``trainer.train_epoch(train_loader)``)
    is called here by its name: a loader another module's factory returns
    may reach it (``training_returns``)."""
    context = project_context()
    if context is None:
        return False
    called = {site.method for site in model.calls if site.method is not None}
    called |= {site.node.func.value for site in model.calls if type(site.node.func) is cst.Name}
    for scope in model.scopes.values():
        for local, bindings in scope.bindings.items():
            for binding in bindings:
                if binding.kind != "import" or not isinstance(binding.node, cst.ImportFrom):
                    continue
                ref = bridge.value_of_import(binding.node, local)
                if ref is None:
                    continue
                ref = context.resolve(ref)
                if _trains_on_loaders(context, ref, local, called):
                    return True
    return False


def _trains_on_loaders(context: Any, ref: Any, local: str, called: set[str]) -> bool:
    """The project function ``ref`` (imported as ``local``, called here) or a
    method of the project class ``ref`` called here (its own or a project
    base's: :meth:`~lossflint.project.context.ProjectContext.method_summary`,
    which asks the classes' syntax before any summary) trains on a loader it
    is handed."""
    if isinstance(ref, SFunction):
        # the syntax first: a summary only of what is called here
        summary = context.function_summary(ref) if local in called else None
        return summary is not None and summary.trains_on
    if isinstance(ref, SClass):
        if local in called:
            # ``Trainer(model, train_dataloader=loader)`` keeping what it trains on
            whole = context.item_summary(ref.file, ref.name)
            init = whole.functions.get(f"{ref.name}.__init__") if whole is not None else None
            if init is not None and init.trains_on:
                return True
        for name in sorted(called):
            summary = context.method_summary(ref, name)
            if summary is not None and summary.trains_on:
                return True
    return False


def _keeps_frame_rows(call: cst.Call, name: str) -> bool:
    """A DataFrame method that keeps its rows where they are (columns added,
    dropped, renamed, filled) or drops rows to clean them (``dropna``), never
    to set some aside: ``drop`` counts only for columns (``axis=1``,
    ``columns=``); ``drop(test_idx)`` and ``sample(frac=0.8)`` are how a split
    is written by hand, and a row-sample of the scaled frame is not the whole."""
    if name in apis.FRAME_ROW_KEEPING_METHODS:
        return not any(a.star for a in call.args)
    if name == "drop":
        if any(a.star for a in call.args) or keyword(call, "index") is not None:
            return False
        if keyword(call, "columns") is not None:
            return True
        axis = argument(call, 1, "axis")
        return axis is not None and literal_value(axis) in (1, "columns")
    if name == apis.FRAME_SAMPLE_METHOD:
        # ``df.sample(frac=1)``: every row, in a random order
        frac = keyword(call, "frac")
        return frac is not None and literal_value(frac.value) in (1, 1.0) and len(call.args) == 1
    return False


def _every_row_shuffled(split: cst.CSTNode) -> bool:
    """``df.sample(frac=1)``: the whole frame in a random order, no split."""
    return (
        isinstance(split, cst.Call)
        and isinstance(split.func, cst.Attribute)
        and split.func.attr.value == apis.FRAME_SAMPLE_METHOD
        and _keeps_frame_rows(split, apis.FRAME_SAMPLE_METHOD)
    )


def random_mask(
    model: ModuleIndex, index: cst.BaseExpression
) -> tuple[cst.Comparison, bool] | None:
    """``msk`` or its complement (``~msk``, ``np.logical_not(msk)``), where
    ``msk = np.random.rand(n) < 0.8`` surely reaches the use: the mask's
    drawing, and whether the rows are its complement."""
    complement = False
    if isinstance(index, cst.UnaryOperation) and isinstance(index.operator, cst.BitInvert):
        index, complement = index.expression, True
    elif (
        isinstance(index, cst.Call)
        and len(index.args) == 1
        and model.qualname(index.func) in apis.LOGICAL_NOT
    ):
        index, complement = index.args[0].value, True
    if not isinstance(index, cst.Name):
        return None
    value = reaching_assignment(model, index)
    if not isinstance(value, cst.Comparison) or len(value.comparisons) != 1:
        return None
    sides = (value.left, value.comparisons[0].comparator)
    draws = [
        side
        for side in sides
        if isinstance(side, cst.Call)
        and model.qualname(side.func) in apis.UNIFORM_DRAWS
        and _one_per_row(side)
    ]
    if len(draws) != 1 or not isinstance(
        value.comparisons[0].operator,
        (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual),
    ):
        return None
    return value, complement


def _one_per_row(draw: cst.Call) -> bool:
    """``np.random.rand(len(X))``, ``rand(n)``: one number per row. A draw of
    the array's shape (``rand(*X.shape)``, ``random(X.shape)``, ``rand(n, d)``)
    masks elements, not rows: a corruption, never a split."""
    positional = [a for a in draw.args if a.keyword is None]
    if len(positional) != 1 or positional[0].star or any(a.keyword for a in draw.args):
        return False
    size = positional[0].value
    return not isinstance(size, (cst.Tuple, cst.List)) and not (
        isinstance(size, cst.Attribute) and size.attr.value == "shape"
    )


def _column_key(first: cst.BaseSlice | None) -> bool:
    """``[cols]``, ``["age"]``, ``[["a", "b"]]``: a key naming columns (a name
    or strings), not a row number or a mask."""
    if not isinstance(first, cst.Index):
        return False
    key = first.value
    if isinstance(key, cst.List):
        return all(isinstance(literal_value(e.value), str) for e in key.elements)
    return isinstance(key, cst.Name) or isinstance(literal_value(key), str)


def _new_column(model: ModuleIndex, target: cst.Subscript) -> bool:
    """``df["name"] = ...``: one column named by a literal string, or by the
    variable of a loop over column names (``for feat in sparse_features:
    df[feat] = LabelEncoder().fit_transform(df[feat])``): a scaled frame keeps
    its rows and its other columns; the scaled columns are listed in a
    variable, so overwriting one of them this way is not the pattern of code
    that scales."""
    if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
        return False
    key = target.slice[0].slice.value
    if isinstance(key, cst.Name):
        loop = model.enclosing(target, cst.For)
        return isinstance(loop, cst.For) and _loop_variable(loop, key.value)
    return isinstance(literal_value(key), str)


def _loop_variable(loop: cst.For, name: str) -> bool:
    """``name`` is the variable ``loop`` binds, alone (not a tuple of them)."""
    return isinstance(loop.target, cst.Name) and loop.target.value == name


def _row_numbers(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``np.arange(len(df))``, ``range(X.shape[0])``: the numbers of an
    array's rows (a range with one argument, the length of something)."""
    if not isinstance(expr, cst.Call) or len(expr.args) != 1:
        return False
    arg = expr.args[0]
    qualname = model.qualname(expr.func)
    if (
        arg.keyword is not None
        or arg.star
        or not (qualname in apis.CONSTANT_GRIDS or qualname == "builtins.range")
    ):
        return False
    size = arg.value
    if isinstance(size, cst.Call):
        return model.qualname(size.func) == apis.BUILTIN_LEN and len(size.args) == 1
    return (
        isinstance(size, cst.Subscript)
        and isinstance(size.value, cst.Attribute)
        and size.value.attr.value == "shape"
        and len(size.slice) == 1
        and isinstance(size.slice[0].slice, cst.Index)
        and literal_value(size.slice[0].slice.value) == 0
    )


def _all_values_of(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``X.reshape(-1, n)``, ``X.astype("float32")``, ``df.values``: the array
    whose every value the expression holds (a new shape or dtype, the same
    numbers), else ``expr`` itself."""
    for _ in range(8):
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value in apis.ROW_KEEPING_METHODS
        ):
            expr = expr.func.value
        elif isinstance(expr, cst.Attribute) and expr.attr.value in apis.ROW_KEEPING_METHODS:
            expr = expr.value
        else:
            break
    return expr


def _is_subtract(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Subtract)


def slice_kind(model: ModuleIndex, first: cst.Slice) -> tuple[str, str] | None:
    """A slice's side of a split by rows and its bound: ``("head", "n")`` for
    ``[:n]``, ``("tail", "n")`` for ``[n:]``, ``("mid", "n")`` for ``[n:m]``."""
    lower = _bound(model, first.lower)
    upper = _bound(model, first.upper)
    if lower in ("", "0") and upper:
        return "head", upper
    if lower and (first.upper is None or upper.startswith("len(")):
        return "tail", lower
    if lower and upper:
        # ``X[n_tr:n_va]``: the part after a head (a validation part)
        return "mid", lower
    return None


def split_head(slices: list[tuple[str, str, cst.CSTNode]]) -> cst.CSTNode | None:
    """The head slice of a split among ``slices``: a head ``[:n]`` and a
    tail or middle part starting at ``n``."""
    heads = {bound: node for kind, bound, node in slices if kind == "head"}
    for kind, bound, _node in slices:
        first = bound.split("+", 1)[0].strip()
        if kind in ("tail", "mid") and first in heads:
            return heads[first]
    return None


def _item(value: Any, part: str) -> Any:
    """``value``'s item ``part`` ("" itself, "0" a tuple's first, "train" a key)."""
    if not part:
        return value
    if isinstance(value, TupleValue) and part.isdigit():
        position = int(part)
        return value.items[position] if position < len(value.items) else None
    if isinstance(value, DictValue):
        return value.get(part)
    return None


def _holds_fitted(value: Any) -> bool:
    """``value`` (a function's return) is, or holds as an item, an array
    scaled with the statistics of all its rows."""
    if isinstance(value, Fitted):
        return True
    if isinstance(value, TupleValue):
        return any(isinstance(item, Fitted) for item in value.items)
    return False


def _hf_method(call: cst.Call, name: str, receiver: DataSet | DataSplits) -> Any:
    """A ``datasets`` method on a data set or a dict of splits: the same
    rows in the same order, shuffled ones, or a split into shuffled parts."""
    if name in apis.HF_ROW_KEEPING_METHODS:
        return receiver
    if name in ("items", "values") and isinstance(receiver, DataSplits) and not call.args:
        return SplitItems(receiver, keyed=name == "items")
    if name == "shuffle":
        if isinstance(receiver, DataSplits):
            return DataSplits(receiver.origin, shuffled=True)
        return DataSet("shuffled", call)
    if name == "train_test_split" and isinstance(receiver, DataSet):
        shuffle = literal_value(argument(call, 99, "shuffle"))
        return DataSplits(call, shuffled=shuffle is not False)
    return None


def _any_shuffled(args: list[Any]) -> bool:
    """One of a data set's arguments holds rows in a random order."""
    return any(isinstance(arg, (Part, Returned)) and arg.shuffled for arg in args)


#: names of loaders that are evaluated on, even when a loop over them steps an
#: optimiser (test-time adaptation, adversarial examples)
_EVALUATION_WORDS = ("test", "val", "eval", "dev", "calib", "query", "support", "cv_", "_cv")


def _evaluation_name(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    text = model.code(expr).lower()
    return any(word in text for word in _EVALUATION_WORDS)


def _fits_each_batch(index: LoopIndex, node: cst.For) -> bool:
    """The loop builds a fresh optimiser for each batch and steps it only in
    an inner loop (PDEBench's inverse problems: fit one sample's initial
    condition, then the next): each batch is its own problem, the order of
    the batches teaches nothing."""
    loop = index.loop_of_node(node)
    if loop is None:
        return False
    steps = loop.of("step")
    return (
        any(not e.nested for e in loop.of("optim_ctor"))
        and bool(steps)
        and all(e.nested for e in steps)
    )


def trains_in_loop(model: ModuleIndex, index: LoopIndex, loop: cst.For | cst.While) -> bool:
    """The loop body runs a backward() and an optimiser step (directly, in an
    inner loop, or in a same-file function it calls)."""
    wanted = {"backward", "step", "own_step"}
    kinds = set(index.kinds_inside(loop) & wanted)
    if len(kinds) < 2:
        for call in calls_in(loop.body):
            func = index.resolve_function(call)
            if func is not None:
                kinds |= index.function_kinds(func) & wanted
    # a hand-written optimiser (a from-scratch framework) trains on the batches too
    return "backward" in kinds and bool(kinds & {"step", "own_step"})


def trained_parameters(
    model: ModuleIndex, func: cst.FunctionDef, params: tuple[str, ...]
) -> tuple[str, ...]:
    """The parameters of ``func`` that one of its loops iterates (directly or
    through ``enumerate``/``tqdm``) while it trains: a caller in another
    module that passes a loader there trains on it."""
    index = loops(model)
    if not index.events:
        return ()
    found: list[str] = []
    for loop in nodes_in(func.body, cst.For, memo=memo_of(model)):
        assert isinstance(loop, cst.For)
        iterated = unwrapped_iterable(model, loop.iter)
        if (
            isinstance(iterated, cst.Name)
            and iterated.value in params
            and iterated.value not in found
            and model.enclosing(loop, cst.FunctionDef, cst.Lambda) is func
            and trains_in_loop(model, index, loop)
        ):
            found.append(iterated.value)
    return tuple(found)


def unwrapped_iterable(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``enumerate(tqdm(loader))`` → ``loader``; also through a name every
    path binds to such a wrapper (``data_iter = tqdm(enumerate(loader))``
    then ``for i, data in data_iter``)."""
    if isinstance(expr, cst.Name):
        bound = reaching_assignment(model, expr)
        if (
            isinstance(bound, cst.Call)
            and bound.args
            and model.qualname(bound.func) in apis.ITERATION_WRAPPERS
        ):
            expr = bound
    while isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.ITERATION_WRAPPERS:
        at = iterable_index(expr)
        if at is None:
            break
        expr = expr.args[at].value
    return expr


def _before_offset(bound: str) -> str:
    """``n-80`` / ``n-seq_len`` → ``n``: a bound moved back by a count."""
    head, sep, offset = bound.rpartition("-")
    if not sep or not head or not (offset.isdigit() or offset.isidentifier()):
        return ""
    return head


def _index_threshold(
    expr: cst.Subscript, first: cst.BaseSlice | None
) -> tuple[str, cst.BaseExpression] | None:
    """``X[X.index < n]`` → ("head", n); ``X[X.index >= n]`` → ("tail", n):
    the rows before or from a point of the index (a time series cut by date
    or position)."""
    if len(expr.slice) != 1 or not isinstance(first, cst.Index):
        return None
    test = first.value
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    left = test.left
    if not (isinstance(left, cst.Attribute) and left.attr.value == "index"):
        return None
    if dotted_text(left.value) is None or dotted_text(left.value) != dotted_text(expr.value):
        return None
    target = test.comparisons[0]
    if isinstance(target.operator, (cst.LessThan, cst.LessThanEqual)):
        return "head", target.comparator
    if isinstance(target.operator, (cst.GreaterThan, cst.GreaterThanEqual)):
        return "tail", target.comparator
    return None


def _bound(model: ModuleIndex, expr: cst.BaseExpression | None) -> str:
    return "" if expr is None else "".join(model.code(expr).split())


def _mask_of(expr: cst.Subscript) -> tuple[str, bool] | None:
    """``X[m]`` → ("m", False), ``X[~m]`` → ("m", True) for a mask named by a
    name or an attribute."""
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return None
    index = expr.slice[0].slice.value
    inverted = isinstance(index, cst.UnaryOperation) and isinstance(index.operator, cst.BitInvert)
    if inverted:
        assert isinstance(index, cst.UnaryOperation)
        index = index.expression
    name = dotted_text(index) if isinstance(index, (cst.Name, cst.Attribute)) else None
    return (name, inverted) if name is not None else None


def _mask_and_complement(model: ModuleIndex, expr: cst.Subscript) -> bool:
    """``X_all[mask_train]`` where the same scope also takes ``X_all[~mask_train]``
    (or the other way round): the rows are split in two by the mask."""
    mine = _mask_of(expr)
    base = dotted_text(expr.value)
    if mine is None or base is None:
        return False
    scope = model.scope_of(expr).node
    sides = model.analysis(_masked_sides).get((id(scope), base, mine[0]), ())
    return (not mine[1]) in sides


def _masked_sides(model: ModuleIndex) -> dict[tuple[int, str, str], set[bool]]:
    """Every ``X[m]`` / ``X[~m]`` of the module by (scope, X, m): which sides
    are taken (one walk of the subscripts per model)."""
    found: dict[tuple[int, str, str], set[bool]] = {}
    for node in model.nodes_of_type(cst.Subscript):
        assert isinstance(node, cst.Subscript)
        mask = _mask_of(node)
        base = dotted_text(node.value)
        if mask is None or base is None:
            continue
        key = (id(model.scope_of(node).node), base, mask[0])
        found.setdefault(key, set()).add(mask[1])
    return found


def _standardised(model: ModuleIndex, node: cst.BinaryOperation) -> str | None:
    """``(x - x.mean(...)) / x.std(...)`` or ``(x - x.min()) / (x.max() - x.min())``
    over one array ``x``: its dotted name, else None."""
    left = node.left
    if not isinstance(left, cst.BinaryOperation) or not isinstance(left.operator, cst.Subtract):
        return None
    array = _array_text(left.left, model)
    if array is None or _reduction_of(model, left.right) != (array, "center"):
        return None
    right = node.right
    if _reduction_of(model, right) == (array, "spread"):
        return array
    if isinstance(right, cst.BinaryOperation) and isinstance(right.operator, cst.Subtract):
        if _reduction_of(model, right.left) == (array, "spread") and _reduction_of(
            model, right.right
        ) == (array, "center"):
            return array
    return None


def _columns_standardised(model: ModuleIndex, call: cst.Call) -> cst.BinaryOperation | None:
    """``df.apply(lambda x: (x - x.min()) / (x.max() - x.min()))``: each
    column standardised with its own statistics over every row (a
    DataFrame's ``apply`` hands the function columns; ``axis=1`` would hand it
    rows, one sample's own statistics). The formula, else None."""
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    function = call.args[0].value
    if not isinstance(function, cst.Lambda) or len(function.params.params) != 1:
        return None
    body = function.body
    if not isinstance(body, cst.BinaryOperation) or not isinstance(body.operator, cst.Divide):
        return None
    if _standardised(model, body) != function.params.params[0].name.value:
        return None
    return body


def _statistics_applied_elsewhere(
    model: ModuleIndex, node: cst.BinaryOperation, array: str
) -> bool:
    """``X_train = (X_train - mean_X_train) / std_X_train`` whose statistics,
    kept in names, also standardise another array (``X_test = (X_test -
    mean_X_train) / std_X_train``): the array is the training part of a split
    made before, not data a later split leaks into (Riashat's active
    learning, audit s235)."""
    scope = model.enclosing(node, cst.FunctionDef) or model.module
    if "train" in array.lower().split("_") and any(
        "test" in name.lower().split("_") for name in bound_names(scope)
    ):
        # ``y_train`` beside ``X_test``/``y_test`` split off before: a training split
        return True
    left = node.left
    if not isinstance(left, cst.BinaryOperation) or not isinstance(node.right, cst.Name):
        return False
    if not isinstance(left.right, cst.Name):
        return False
    center, spread = left.right.value, node.right.value
    for other in nodes_in(scope, cst.BinaryOperation, memo=memo_of(model)):
        if other is node or not isinstance(other, cst.BinaryOperation):
            continue
        if not isinstance(other.operator, cst.Divide) or not _is_subtract(other.left):
            continue
        inner = cast(cst.BinaryOperation, other.left)
        if (
            isinstance(other.right, cst.Name)
            and other.right.value == spread
            and isinstance(inner.right, cst.Name)
            and inner.right.value == center
            and _array_text(inner.left) not in (None, array)
            # ``X_test``: held-out data (new samples standardised later with
            # the same statistics say nothing of a split: dmol-book, R212)
            and _evaluation_name(model, inner.left)
        ):
            return True
    return False


def _standardised_in_two(model: ModuleIndex, node: cst.BinaryOperation) -> str | None:
    """``x = x - np.mean(x, axis=0)``, then ``x / np.std(x, axis=0) (+ eps)``:
    ``x`` standardised with its own statistics in two statements (the
    spread is that of the centred array, the same number). Its name, else None."""
    left = node.left
    divisor = node.right
    if isinstance(divisor, cst.BinaryOperation) and isinstance(divisor.operator, cst.Add):
        divisor = divisor.left  # ``+ eps``
    if not isinstance(left, cst.Name) or _reduction_of(model, divisor) != (left.value, "spread"):
        return None
    centred = reaching_assignment(model, left)
    if (
        centred is None
        or not _is_subtract(centred)
        or _array_text(cast(cst.BinaryOperation, centred).left) != left.value
        or _reduction_of(model, cast(cst.BinaryOperation, centred).right) != (left.value, "center")
    ):
        return None
    return left.value


def _standardised_in_place(model: ModuleIndex, node: cst.AugAssign) -> bool:
    """``x /= np.std(x, axis=0) (+ eps)`` whose ``x`` was last bound by ``x
    -= np.mean(x, axis=0)``: ``x`` standardised with its own statistics,
    written in place."""
    target = _array_text(node.target)
    divisor = node.value
    if isinstance(divisor, cst.BinaryOperation) and isinstance(divisor.operator, cst.Add):
        divisor = divisor.left  # ``+ eps``
    if target is None or _reduction_of(model, divisor) != (target, "spread"):
        return False
    if not isinstance(node.target, cst.Name):
        return False
    # the binding every path to this one passes last: ``x -= mean``
    centred = reaching_line(model, node.target)
    return centred is not None and any(
        isinstance(small, cst.AugAssign)
        and isinstance(small.operator, cst.SubtractAssign)
        and _array_text(small.target) == target
        and _reduction_of(model, small.value) == (target, "center")
        for small in centred.body
    )


def _reduction_of(
    model: ModuleIndex, expr: cst.BaseExpression, depth: int = 0
) -> tuple[str, str] | None:
    """``x.mean()`` → (x, "center"); ``x.std()`` → (x, "spread"); ``x.min()`` →
    center; ``np.mean(x, axis=0)`` / ``np.std(x, 0)`` the same (the axis
    given), and a name the
    one assignment reaching it binds to one of those (``mu = np.mean(x, 0)``)."""
    if isinstance(expr, cst.Name) and depth < 2:
        bound = reaching_assignment(model, expr)
        return _reduction_of(model, bound, depth + 1) if bound is not None else None
    if not isinstance(expr, cst.Call):
        return None
    qualname = model.qualname(expr.func)
    if qualname in apis.CENTER_FUNCS or qualname in apis.SPREAD_FUNCS:
        given = argument(expr, 0, "a")
        axis = argument(expr, 1, "axis")
        # per-feature statistics only: ``np.mean(images)`` is one pixel mean
        # over everything, two scalars (R10, R12 image loaders: harmless);
        # of one column (``np.max(df["speed"])``) no axis is needed
        if given is None:
            return None
        if (axis is None or literal_value(axis) != 0) and not (
            axis is None and _one_column(model, given)
        ):
            return None
        if any(a.star for a in expr.args):
            return None
        array = _array_text(given, model)
        if array is None:
            return None
        return array, "center" if qualname in apis.CENTER_FUNCS else "spread"
    if not isinstance(expr.func, cst.Attribute):
        return None
    if any(a.keyword is None for a in expr.args):
        # ``x.mean(1)``: along an axis given by position (axis 0 is the data set,
        # but a positional axis may be anything): keep to ``axis=0`` or none
        return None
    axis = argument(expr, None, "axis", "dim")
    if axis is not None and literal_value(axis) != 0:
        return None
    array = _array_text(expr.func.value, model)
    if array is None:
        return None
    method = expr.func.attr.value
    if method in apis.MEAN_METHODS or method == "min":
        return array, "center"
    if method in apis.SPREAD_METHODS:
        return array, "spread"
    return None


def _array_text(expr: cst.BaseExpression, model: ModuleIndex | None = None) -> str | None:
    """``x``, ``self.x``, or a column by a literal key (``df["age"]``): one
    array as written, to tell ``(df["a"] - df["a"].mean())`` from a mix. With
    the model, also columns chosen by a name (``df[cols]``) that no loop
    around varies: a row index ``x[i]`` would be one sample's own statistics."""
    item = literal_item(expr)
    if item is not None:
        return f"{item[0]}[{item[1]!r}]"
    if isinstance(expr, cst.Subscript):
        key = _fixed_columns(expr, model) if model is not None else None
        base = dotted_text(expr.value)
        return f"{base}[{key}]" if key is not None and base is not None else None
    return dotted_text(expr)


#: names of column lists (``cols``, ``feature_columns``, ``num_feats``)
_COLUMN_NAMES = re.compile(r"col|feat")


def _fixed_columns(expr: cst.Subscript, model: ModuleIndex) -> str | None:
    """The name in ``df[cols]`` when it holds column names -- a list of
    strings, or named so (``cols``, ``feature_columns``): not a row mask or
    index -- and no ``for`` or comprehension around binds it."""
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return None
    key = expr.slice[0].slice.value
    if isinstance(key, cst.Subscript):
        return _listed_column(key, model)
    if not isinstance(key, cst.Name):
        return None
    bound = reaching_assignment(model, key)
    if isinstance(bound, cst.SimpleString):
        return key.value  # ``c = "speed"``: one column by name
    strings = isinstance(bound, (cst.List, cst.Tuple)) and all(
        isinstance(e.value, (cst.SimpleString, cst.FormattedString)) for e in bound.elements
    )
    if not strings and not _COLUMN_NAMES.search(key.value.lower()):
        return None
    return None if _loop_rebinds(model, expr, key.value) else key.value


def _loop_rebinds(model: ModuleIndex, node: cst.CSTNode, name: str) -> bool:
    """A ``for`` or comprehension around ``node`` binds ``name``."""
    for ancestor in model.ancestors(node):
        target = ancestor.target if isinstance(ancestor, (cst.For, cst.CompFor)) else None
        if target is not None and target_binds(target, name):
            return True
    return False


def _listed_column(key: cst.Subscript, model: ModuleIndex) -> str | None:
    """``columns[i]`` in ``df[columns[i]]``: one item of the frame's column
    names (``columns = df.columns``, a list of strings, or named so) that no
    loop around rebinds -- a loop over ``i`` picks another column each pass,
    each one's statistics over all its rows (ki-ljl/FedAvg, audit s152)."""
    names = key.value
    if not isinstance(names, cst.Name) or len(key.slice) != 1:
        return None
    bound = reaching_assignment(model, names)
    listed = (isinstance(bound, cst.Attribute) and bound.attr.value == "columns") or (
        isinstance(bound, (cst.List, cst.Tuple))
        and bool(bound.elements)
        and all(isinstance(e.value, cst.SimpleString) for e in bound.elements)
    )
    if not listed and not _COLUMN_NAMES.search(names.value.lower()):
        return None
    return None if _loop_rebinds(model, key, names.value) else model.code(key)


def _one_column(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``df["age"]``, ``df[c]`` with ``c = "age"``, ``df[columns[i]]``: one
    column, whose statistics need no axis."""
    item = literal_item(expr)
    if item is not None:
        return isinstance(item[1], str)
    if not isinstance(expr, cst.Subscript) or len(expr.slice) != 1:
        return False
    index = expr.slice[0].slice
    if not isinstance(index, cst.Index):
        return False
    key = index.value
    if isinstance(key, cst.Subscript):
        return _listed_column(key, model) is not None
    return isinstance(key, cst.Name) and isinstance(
        reaching_assignment(model, key), cst.SimpleString
    )


def _has_formula(model: ModuleIndex) -> bool:
    """``(x - x.mean()) / x.std()`` may be split: the file splits with
    sklearn, slices arrays (``X[:n_test], X[n_test:]``) or draws a random
    mask of rows (``X[msk], X[~msk]``)."""
    methods = {site.method for site in model.calls if site.method is not None}
    functions = {site.qualname for site in model.calls if site.qualname is not None}
    centred = methods & _CENTRES or functions & apis.CENTER_FUNCS
    spread = methods & apis.SPREAD_METHODS or functions & apis.SPREAD_FUNCS
    if not (centred and spread):
        return False
    if any(
        site.qualname in apis.TRAIN_TEST_SPLIT or site.qualname in apis.CV_SPLITTERS
        for site in model.calls
    ):
        return True  # (a cross-validation splitter's folds: DeepECG, audit s181)
    if any(
        isinstance(node, cst.Slice) and (node.lower is not None or node.upper is not None)
        for node in model.nodes_of_type(cst.Slice)
    ):
        return True
    if any(
        _index_threshold(node, node.slice[0].slice if node.slice else None) is not None
        for node in model.nodes_of_type(cst.Subscript)
        if isinstance(node, cst.Subscript)
    ):
        return True  # ``X[X.index < n]``
    # ``X[msk]`` / ``X[~msk]`` of a random mask
    return any(site.qualname in apis.UNIFORM_DRAWS for site in model.calls)


def _surely_unordered(model: ModuleIndex, call: cst.Call) -> bool:
    """A ``DataLoader(...)`` call that shuffles or samples whatever its data
    set is, read off its arguments (or one whose arguments are not known)."""
    if (
        any(a.star == "*" or (a.star and not _plain_options(model, a.value)) for a in call.args)
        or argument(call, 0, "dataset") is None
    ):
        return True
    shuffle = argument(call, apis.LOADER_SHUFFLE_POSITION, "shuffle")
    if shuffle is not None and literal_value(shuffle) is not False:
        return True
    if _whole_data_set(model, argument(call, apis.LOADER_BATCH_SIZE_POSITION, "batch_size")):
        return True  # full-batch gradient descent: one batch, in any order
    for index, name in (
        (apis.LOADER_SAMPLER_POSITION, "sampler"),
        (apis.LOADER_BATCH_SAMPLER_POSITION, "batch_sampler"),
    ):
        given = argument(call, index, name)
        if (
            given is not None
            and literal_value(given) is not None
            and not _none_on_a_path(model, given)
        ):
            return True
    return False


#: ``DataLoader`` options whose value decides the order (or a full batch)
_ORDER_OPTIONS = frozenset({"dataset", "shuffle", "sampler", "batch_sampler", "batch_size"})


def _plain_options(model: ModuleIndex, given: cst.BaseExpression) -> bool:
    """``**kwargs`` of a ``DataLoader`` call whose keys are known and none
    decides the order: a dict written out, or a name every binding of which is
    one and that is only ever spread (fast-neural-style's ``kwargs =
    {'num_workers': 0, 'pin_memory': False}`` or ``{}``, audit s160), or a
    helper's ``**kwargs`` that every call of the helper here fills with such
    keywords (fastai's ``data_loaders(dsd, bs, collate_fn=...)``, audit s165)."""
    values: list[cst.BaseExpression] = [given]
    if isinstance(given, cst.Name):
        bindings = model.bindings(given) or []
        if not bindings or not _only_spread(model, given.value, bindings):
            return False
        if len(bindings) == 1 and bindings[0].kind == "param":
            return _helper_given_plain_options(model, bindings[0].node)
        if any(b.kind != "assign" or not isinstance(b.node, cst.BaseExpression) for b in bindings):
            return False
        values = [cast(cst.BaseExpression, b.node) for b in bindings]
    for value in values:
        if isinstance(value, cst.Call):
            if model.qualname(value.func) != "builtins.dict" or any(
                a.keyword is None for a in value.args
            ):
                return False
        elif not isinstance(value, cst.Dict) or any(
            not isinstance(e, cst.DictElement) for e in value.elements
        ):
            return False
        keys = [k for k, _ in literal_items(value)]
        if any(not isinstance(k, str) or k in _ORDER_OPTIONS for k in keys):
            return False
    return True


def _only_spread(model: ModuleIndex, name: str, bindings: list[Binding]) -> bool:
    """Every use of ``name`` (with these bindings) binds it or spreads it
    (``f(**kwargs)``, ``{**kwargs}``): nothing adds or reads a key."""
    for use, parent in variable_uses(model, name, bindings):
        if isinstance(parent, (cst.AssignTarget, cst.Param)) or (
            isinstance(parent, (cst.Arg, cst.StarredDictElement))
            and parent.value is use
            and (not isinstance(parent, cst.Arg) or parent.star == "**")
        ):
            continue
        return False  # ``kwargs["shuffle"] = True``, ``kwargs.update(...)``, handed on
    return True


def _helper_given_plain_options(model: ModuleIndex, param: cst.CSTNode | None) -> bool:
    """``param`` is the ``**kwargs`` of a function of this file that is only
    ever called here, by name, with keywords none of which decides the order."""
    func = model.enclosing(param, cst.FunctionDef) if param is not None else None
    if (
        not isinstance(func, cst.FunctionDef)
        or func.params.star_kwarg is not param
        or model.enclosing(func, cst.ClassDef, cst.FunctionDef) is not None
    ):
        return False
    named = {p.name.value for p in (*func.params.posonly_params, *func.params.params)}
    named.update(p.name.value for p in func.params.kwonly_params)
    bindings = model.module_scope.bindings.get(func.name.value) or []
    if len(bindings) != 1 or bindings[0].node is not func:
        return False  # rebound, or another function of the same name
    calls = 0
    for use, holder in variable_uses(model, func.name.value, bindings):
        if (
            use is func.name
            or (isinstance(holder, cst.Attribute) and holder.attr is use)
            or (isinstance(holder, cst.Arg) and holder.keyword is use)
        ):
            continue  # the ``def``; ``obj.data_loaders``, ``f(data_loaders=...)``: other names
        if not isinstance(holder, cst.Call) or holder.func is not use:
            return False  # handed on, exported as a value: unknown callers
        for arg in holder.args:
            if arg.star:
                return False
            key = arg.keyword.value if arg.keyword is not None else None
            if key is not None and key not in named and key in _ORDER_OPTIONS:
                return False
        calls += 1
    return calls > 0


def _whole_data_set(model: ModuleIndex, size: cst.BaseExpression | None) -> bool:
    """``batch_size=len(ds)``, ``ds.__len__()``, ``x.shape[0]``, ``x.size(0)`` (also through a
    name bound to one): every sample in one batch (udlbook's full-batch
    gradient descent)."""
    if isinstance(size, cst.Name):
        size = reaching_assignment(model, size)
    if isinstance(size, cst.Call):
        func = size.func
        if isinstance(func, cst.Name):
            return model.qualname(func) == "builtins.len" and len(size.args) == 1
        if isinstance(func, cst.Attribute) and func.attr.value == "__len__":
            return not size.args  # ``ds.__len__()`` (czifan/DeepSurv.pytorch, audit s202)
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "size"
            and len(size.args) == 1
            and literal_value(size.args[0].value) == 0
        )
    if isinstance(size, cst.Subscript) and len(size.slice) == 1:
        index = size.slice[0].slice
        return (
            isinstance(size.value, cst.Attribute)
            and size.value.attr.value == "shape"
            and isinstance(index, cst.Index)
            and literal_value(index.value) == 0
        )
    return False


def _none_sampler(model: ModuleIndex, call: cst.Call) -> cst.IfExp | None:
    """The conditional expression a loader's ``sampler=`` holds when it is
    None on one of its paths (``_none_on_a_path``)."""
    given = argument(call, apis.LOADER_SAMPLER_POSITION, "sampler")
    if given is None or not _none_on_a_path(model, given):
        return None
    chosen = given if isinstance(given, cst.IfExp) else None
    if isinstance(given, cst.Name):
        chosen = cast(cst.IfExp, reaching_assignment(model, given))
    if chosen is not None:
        # ``sampler=sampler if train else None`` over ``sampler = DistributedSampler(ds)
        # if distributed else None`` (FourCastNet): the training loader loses its
        # sampler on the inner condition's None path, not on ``train``'s
        kept = chosen.orelse if _is_none(chosen.body) else chosen.body
        if isinstance(kept, cst.Name) and _none_on_a_path(model, kept):
            chosen = cast(cst.IfExp, reaching_assignment(model, kept))
    return chosen


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _none_on_a_path(model: ModuleIndex, given: cst.BaseExpression) -> bool:
    """``sampler=train_sampler`` after ``train_sampler = DistributedSampler(ds)
    if num_gpus > 1 else None`` (the last binding on every path): on the
    single-process path nothing samples (with ``shuffle=False`` or left out,
    nothing shuffles either). Only a conditional expression whose test is not
    a literal, so both of its sides can run; ``shuffle=(sampler is None)``
    already made the loader unordered above."""
    if isinstance(given, cst.IfExp):
        chosen: cst.BaseExpression | None = given
    elif isinstance(given, cst.Name):
        chosen = reaching_assignment(model, given)
    else:
        return False
    if not isinstance(chosen, cst.IfExp) or literal_value(chosen.test) is not NotImplemented:
        return False
    return any(
        isinstance(side, cst.Name) and side.value == "None" for side in (chosen.body, chosen.orelse)
    )


def _names_in(model: ModuleIndex, names: frozenset[str]) -> Iterator[cst.Name]:
    for node in model.nodes_of_type(cst.Name):
        if node.value in names:  # type: ignore[attr-defined]
            yield node  # type: ignore[misc]


def may_leak(model: ModuleIndex) -> bool:
    """Whether statistics of a whole array can be found here (LF601 builds
    the data facts only then): the module names a scaler or Keras'
    ``Normalization`` (called, aliased or passed on), or calls a centring and
    a spreading reduction, the parts of a hand-written standardisation."""
    if any(_names_in(model, _SCALER_NAMES)):
        return True
    methods = {site.method for site in model.calls if site.method is not None}
    if methods & _CENTRES and methods & apis.SPREAD_METHODS:
        return True
    functions = {site.qualname for site in model.calls if site.qualname is not None}
    return bool(functions & apis.CENTER_FUNCS) and bool(functions & apis.SPREAD_FUNCS)


def may_load_in_order(model: ModuleIndex) -> bool:
    """Whether a ``DataLoader`` built here may read its data set in order
    (LF602 builds the data facts only then): a call of it that neither
    shuffles nor samples for certain, or the class named other than called
    (an alias, a base class, ``functools.partial(DataLoader, ...)``)."""
    for name in _names_in(model, _LOADER_NAMES):
        node: cst.CSTNode = name
        parent = model.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            node, parent = parent, model.parent(parent)
        if isinstance(parent, cst.ImportAlias) and parent.asname is None:
            continue  # ``from torch.utils.data import DataLoader``: its uses are names too
        if (
            isinstance(parent, cst.Call)
            and parent.func is node
            and _surely_unordered(model, parent)
        ):
            continue
        if _type_only(model, node):
            continue
        return True
    return False


def _type_only(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """``node`` names a type in an annotation (``loader: DataLoader``,
    ``-> Optional[DataLoader]``) or in ``isinstance(x, DataLoader)``."""
    at: cst.CSTNode | None = node
    for _ in range(8):
        parent = model.parent(at) if at is not None else None
        if parent is None or isinstance(parent, (cst.BaseStatement, cst.BaseSmallStatement)):
            return False
        if isinstance(parent, cst.Annotation):
            return True
        if isinstance(parent, cst.Arg):
            call = model.parent(parent)
            return (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value in ("isinstance", "issubclass")
                and parent is not call.args[0]
            )
        at = parent
    return False


#: pandas' indexers: ``df.loc[...] = v`` stores into ``df``
_ACCESSORS = frozenset({"loc", "iloc", "at", "iat"})
_LOADER_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in apis.DATA_LOADERS)
_SCALER_NAMES = frozenset(
    q.rsplit(".", 1)[-1]
    for q in apis.FIT_SCALERS | apis.KERAS_NORMALIZATION | apis.STANDARDISE_FUNCS
)
_CENTRES = apis.MEAN_METHODS | {"min"}


def data_facts(model: ModuleIndex) -> DataFacts:
    """The data facts of ``model``, built on first use and kept on the model."""
    return model.analysis(DataFacts)


def training_returns(model: ModuleIndex) -> dict[cst.Call, tuple[str, ...]]:
    """For the module's summary: the calls of other modules' functions whose
    result (or an item of it) a loop here trains on."""
    facts = data_facts(model)
    if not facts.ran:
        facts = model.analysis(_facts_for_returns)
    return facts.training_returns(loops(model)) if facts.ran else {}


def split_returns(model: ModuleIndex) -> dict[cst.Call, tuple[tuple[str, ...], cst.Call]]:
    """For the module's summary: the calls of other modules' functions whose
    result (or an item of it) a ``train_test_split`` here divides, with the split."""
    if not _splits(model):
        return {}
    facts = data_facts(model)
    if not facts.ran:
        facts = model.analysis(_facts_for_returns)
    if not facts.ran:
        return {}
    return {call: (tuple(parts), split) for call, (parts, split) in facts.split_returns.items()}


def _splits(model: ModuleIndex) -> bool:
    """The module calls ``train_test_split``, or another project module's
    function that divides what it is given (``FunctionSummary.splits``)."""
    context = project_context()
    for site in model.calls:
        if site.qualname in apis.TRAIN_TEST_SPLIT:
            return True
        if context is None or site.qualname is None:
            continue
        if site.qualname.split(".", 1)[0] in bridge.FRAMEWORK_ROOTS:
            continue
        ref = bridge.value_of_qualname(site.qualname, context)
        ref = context.resolve(ref) if ref is not None else None
        summary = context.function_summary(ref) if isinstance(ref, SFunction) else None
        if summary is not None and summary.splits:
            return True
    return False


def _facts_for_returns(model: ModuleIndex) -> DataFacts:
    return DataFacts(model, for_returns=True)


def training_loaders(model: ModuleIndex) -> list[tuple[LoaderInfo, cst.CSTNode, str]]:
    if not may_load_in_order(model):
        return []
    facts = data_facts(model)
    if not facts.loaders:
        return []
    return list(facts.training_loaders(loops(model)))


__all__ = [
    "DataFacts",
    "Leak",
    "LoaderInfo",
    "TupleValue",
    "data_facts",
    "calls_a_trainer_elsewhere",
    "may_leak",
    "may_load_in_order",
    "training_loaders",
]


def _only_item(items: list[cst.BaseExpression] | None) -> cst.BaseExpression | None:
    """The one value a list of returned items holds (one ``return``)."""
    return items[0] if items is not None and len(items) == 1 else None


def _stacked_columns(call: cst.Call) -> bool:
    """``np.hstack((train[:, col], test[:, col]))``: one column of each array,
    end to end (1-D pieces: the rows of one after the other's)."""
    first = call.args[0].value if call.args else None
    if not isinstance(first, (cst.Tuple, cst.List)) or len(first.elements) < 2:
        return False
    for element in first.elements:
        item = element.value
        if not (isinstance(item, cst.Subscript) and len(item.slice) == 2):
            return False
        rows = item.slice[0].slice
        if not (isinstance(rows, cst.Slice) and rows.lower is None and rows.upper is None):
            return False
        if not isinstance(item.slice[1].slice, cst.Index):
            return False
    return True
