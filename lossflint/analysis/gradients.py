"""Can a gradient reach this expression? (the "only where gradients flow" fact)

Public API::

    from lossflint.analysis.gradients import Reach, gradients

    facts = gradients(model)      # GradientFacts, built once per file
    facts.reach(node) -> Reach    # YES / NO / UNKNOWN
    facts.why(node) -> str        # the evidence behind the answer (for messages and tests)

Rules whose harm is a NaN/inf *gradient* ask it and stay silent on ``NO``.

**NO** (no gradient can pass through the expression), strongest evidence first:

1. it runs under ``torch.no_grad()`` / ``inference_mode()`` / ``set_grad_enabled(False)``
   or in a function decorated with them (``contexts.in_no_grad``);
2. its function is only ever called (same file, every call site found by name;
   for a top-level function, also every call other project files make of it:
   ``project/callers.py``) from such places, or from places where the call's
   result leaves the graph, or only handed to Keras as a metric
   (``compile(metrics=[f])``: metrics are computed outside the tape);
3. a ``test_*`` function that never differentiates anything;
4. its value leaves the graph: it only flows (directly or through a name assigned
   once and only read that way) into ``.item()``, ``.tolist()``, ``.numpy()``,
   ``.detach()``, ``.data``, ``float()``/``int()``/NumPy/``math``, an integer or
   boolean cast (``.long()``, ``.bool()``, ``argmax``), a comparison, an index, an
   ``if`` test, a logging call (``print``, ``tf.summary.*``, ``add_scalar``,
   ``self.log``), a write through ``.data`` (``w.data *= m / m.sum()``) or
   nowhere (a discarded expression statement); or it runs in a lambda mapped
   over data (``df.apply(lambda x: ...)``, ``ds.map(...)``);
5. its inputs carry no gradient: every leaf is a constant, ``.data``,
   ``.detach()``, a NumPy/``math`` value, data a data library returns (pandas,
   SciPy, ``wave``, ``torchaudio.load``, ...), an integer/boolean tensor (a
   comparison, ``.long()``, ``argmax``), a tensor factory (``torch.arange``,
   ``torch.zeros``, ``tf.constant``), a module constant (``torch.float32``), a
   tensor computed under ``no_grad`` (``with torch.no_grad(): t = teacher(x)``),
   a name bound only to such values (also by unpacking: ``wav, sr = load(...)``)
   or a parameter every caller passes such a value (``passed_to``: the
   same-file calls, and for a module's ``forward`` every call of its instances,
   ``crit(student(x), t.detach())``, when no instance travels out of sight);
6. it sits in the same scope as a backpropagated loss (``loss.backward()``,
   ``opt.minimize(loss)``, ``tape.gradient(loss, ...)``, ``autograd.grad(loss,
   ...)``) but its value never flows into that loss (names followed through the
   scope, flow-insensitively, so any assignment that could feed the loss counts;
   a call on an imported module, ``np.save(path, x)``, changes no name);
7. metric code by what it does: a class with ``compute`` and ``update``/``_update``/
   ``update_state``/``reset`` (torchmetrics, ignite, Keras metrics) or deriving
   from a ``*Metric`` base.

**YES**: inside a ``tf.GradientTape()`` block; in the backward slice of a loss of
its scope (6 above); in a ``forward``/``call``/``__call__``/``training_step``/
``train_step`` method or a function whose name says loss/criterion; a top-level
function of a module whose name says so (``losses.py``) that another project
file calls where no gradient is ruled out.

Then, as a documented heuristic below those: **NO** when the enclosing function's
or class's name says it evaluates, measures, post-processes, assigns targets or
tracks (``evaluate``, ``validation_step``, ``accuracy``, ``metric``, ``nms``,
``postprocess``, ``predict``, ``generate``, ``build_targets``, ``Matcher``,
``Assigner``, ``BoxCoder``, ``Tracker``, ``AverageMeter``, ...). Names that also
name differentiable code (``iou`` — GIoU losses —, ``encode``/``decode`` —
VAEs, box regression —, ``sample`` — reparameterisation) are deliberately not in
the list. Last, **YES** when the function is called from a YES place.

Everything else is **UNKNOWN** (module-level code with no loss in sight, library
functions never called in the file).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.attribute_constants import only_self_write
from lossflint.analysis.calls import argument, in_super_arguments, literal_value, super_method
from lossflint.analysis.contexts import contexts
from lossflint.analysis.fixed_transforms import fixed_transform
from lossflint.analysis.function_values import value_calls
from lossflint.analysis.interpreter.syntax import arguments_by_param, is_main_guard, param_defaults
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import loops
from lossflint.analysis.names import dotted_text, name_words, self_attribute
from lossflint.analysis.plain_classes import plain_class
from lossflint.analysis.reaching import (
    iterated_parts,
    reaches_parameter,
    reaching_assignment,
    rebound_before,
    refilled_before,
)
from lossflint.analysis.test_files import is_test_module
from lossflint.analysis.values import Foreign
from lossflint.analysis.walk import (
    NAME_BINDING_EXPRESSIONS,
    calls_in,
    memo_of,
    names_in,
    nodes_in,
    own_returns,
)
from lossflint.project import bridge
from lossflint.project.callers import (
    external_instance_calls,
    imported_elsewhere,
    imports_training,
    named_in_project,
    named_where_loaded,
)
from lossflint.project.context import current as project_context
from lossflint.project.events import callee_summary
from lossflint.project.handed_instances import holders_stay_unrun

if TYPE_CHECKING:
    from lossflint.analysis.index import CallSite, ModuleIndex


class Reach(enum.Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Answer:
    reach: Reach
    why: str


_UNKNOWN = Answer(Reach.UNKNOWN, "no evidence either way")
#: how many callers deep the question "where is this function called?" is followed
_MAX_CALL_DEPTH = 24
#: how many names deep, and how deep in each name's value, "does this value
#: carry a gradient?" is followed
_MAX_NAME_CHAIN = 10
#: functions visited while looking for a call from outside a function's callers
_MAX_CALLERS_SEARCHED = 200
_NAME_VALUE_DEPTH = 8

#: methods whose result carries no gradient (numbers, integers, booleans, detached)
_DETACHING_METHODS = frozenset(
    {
        "detach",
        "item",
        "tolist",
        "numpy",
        # NumPy's and pandas' cast: no torch or TensorFlow tensor has it
        "astype",
        "long",
        "int",
        "bool",
        "byte",
        "short",
        "argmax",
        "argmin",
        # a shape
        "get_shape",
        "argsort",
        "size",
        "numel",
        "dim",
        "nonzero",
        "eq",
        "ne",
        "gt",
        "lt",
        "ge",
        "le",
        "isnan",
        "isinf",
        "isfinite",
        "any",
        "all",
        # a TF1 optimiser's (gradient, variable) pairs, made for
        # ``apply_gradients``: no loss is differentiated through them
        "compute_gradients",
    }
)
#: methods giving (values, indices)
_VALUES_AND_INDICES = frozenset({"sort", "topk", "max", "min", "kthvalue"})
#: tensor comparison methods (``a.lt(b)``): boolean, whichever side the value is on
_COMPARISON_METHODS = frozenset({"eq", "ne", "gt", "lt", "ge", "le"})
#: attributes that carry no gradient
_DETACHED_ATTRIBUTES = frozenset(
    {"data", "shape", "dtype", "device", "ndim", "is_cuda", "size", "itemsize", "nbytes"}
)
#: attributes holding the receiver's values (a frame's ``values``, a transpose,
#: ``torch.max(x, 1).values``): a gradient exactly when the receiver has one
_PASSING_ATTRIBUTES = frozenset({"values", "T", "mT"})
#: methods that pass their receiver's value (and gradient) on
_PASSING_METHODS = frozenset(
    {
        "sum",
        "mean",
        "cpu",
        "cuda",
        "to",
        "float",
        "double",
        "half",
        "type",
        "view",
        "view_as",
        "reshape",
        "topk",
        "sort",
        "kthvalue",
        "squeeze",
        "unsqueeze",
        "clone",
        "flatten",
        "t",
        "transpose",
        "permute",
        "contiguous",
        "max",
        "min",
        "abs",
        "sqrt",
        "exp",
        "log",
        "pow",
        "mul",
        "div",
        "add",
        "sub",
        "expand",
        "expand_as",
        "norm",
        "clamp",
        "clamp_min",
        "squeeze_",
    }
)
#: tensor methods reading the receiver's values at indices (the index holds no gradient)
_INDEXED_READ_METHODS = frozenset({"gather", "index_select", "take_along_dim"})
#: tensor methods drawing integer indices
_INDEX_SAMPLING_METHODS = frozenset({"multinomial"})
#: tensor methods that may return their receiver itself (no copy, no new history)
_MAY_RETURN_SELF = frozenset({"contiguous", "type_as", "requires_grad_"})
#: modules whose functions return data with no autograd history (arrays, frames,
#: decoded files)
_DATA_MODULES = frozenset(
    {
        "numpy",
        "math",
        "pandas",
        "scipy",
        "sklearn",
        "wave",
        "soundfile",
        "librosa",
        "cv2",
        "PIL",
        "imageio",
        "skimage",
        "h5py",
        "csv",
        "json",
        "pickle",
        "struct",
        "random",
        "statistics",
    }
)
#: framework functions that read a file into a plain tensor
_DATA_READERS = frozenset(
    {"torchaudio.load", "torchvision.io.read_image", "torchvision.io.decode_image"}
)
#: modules whose attributes are constants (dtypes, devices, pi)
_CONSTANT_MODULES = frozenset({"math", "numpy", "torch", "tensorflow", "keras"})
#: methods mapping a function over data (pandas, tf.data, Hugging Face datasets)
#: methods that train whatever they are called on (Keras, Lightning, HF Trainer,
#: optimisers built elsewhere)
_TRAINING_METHODS = (
    "fit",
    "fit_generator",
    "train_on_batch",
    "step",
    "backward",
    "manual_backward",
    "minimize",
    "apply_gradients",
    "train",
)
#: methods that put trained weights into a model (an inference script's start)
_WEIGHT_LOADING_METHODS = apis.WEIGHT_LOADING_METHODS
_DATA_MAPPINGS = frozenset({"apply", "applymap", "map", "transform", "agg", "aggregate"})
#: builtins whose result is a plain Python value
_PYTHON_VALUE_BUILTINS = frozenset(
    {
        "builtins.len",
        "builtins.float",
        "builtins.int",
        "builtins.bool",
        "builtins.range",
        # text and identity: ``return df, f"lag_{n}"``, ``str(x)`` (audit s145)
        "builtins.str",
        "builtins.repr",
        "builtins.format",
        "builtins.type",
        "builtins.isinstance",
        "builtins.hasattr",
        "builtins.id",
    }
)
#: how deep a call record's arguments are read for a gradient
_ARGUMENT_DEPTH = 3
#: builtins whose items are their arguments' items (``zip(grads, dists)``)
_ITEM_PASSING_BUILTINS = frozenset(
    {"builtins.zip", "builtins.enumerate", "builtins.reversed", "builtins.list", "builtins.tuple"}
    # one of their arguments, or arithmetic of them (``gamma = min(S_churn /
    # num_steps, 0.414)`` of EDM's sampler, audit s164)
    | {"builtins.min", "builtins.max", "builtins.abs", "builtins.sum", "builtins.pow"}
)
#: logging receivers/methods: a value handed to them is only displayed
_LOG_METHODS = frozenset(
    {"add_scalar", "add_scalars", "add_histogram", "log", "log_dict", "info", "debug", "warning"}
)
_LOG_CALLS = ("builtins.print", "tensorflow.summary.")

#: module methods that return the module itself (``crit = PKT().cuda()``)
_RETURNS_MODULE = apis.MODULE_RETURNING_METHODS
#: module methods that never run its ``forward``
_INERT_MODULE_METHODS = frozenset(
    {"parameters", "named_parameters", "buffers", "named_buffers", "state_dict"}
    | {"load_state_dict", "zero_grad", "register_buffer", "register_parameter", "add_module"}
    | {"modules", "named_modules", "extra_repr", "get_parameter", "get_buffer"}
)
#: methods of a framework model that run it (Keras, Lightning)
_RUNS_MODULE = apis.MODEL_RUN_METHODS
#: what lists a module's submodules (or any attribute): a kept instance may
#: be called through it
_LISTED_SUBMODULES = ("children", "named_children", "_modules", "getattr", "__dict__", "vars")

#: names whose functions run implicitly (by the framework): their callers are unknown
_IMPLICIT = frozenset(
    {"forward", "call", "__call__", "training_step", "train_step", "compute_loss", "__init__"}
)
#: a data set's item methods
_DATA_ITEM_METHODS = frozenset({"__getitem__", "__len__", "__iter__", "__getitems__"})
#: methods an instance call runs (``bridge.CALL_METHODS``)
_CALLED_THROUGH_INSTANCES = apis.MODULE_CALL_METHODS
#: of those, the ones only a framework base class calls (HF ``Trainer.compute_loss``)
_PLAIN_CALLED = frozenset({"compute_loss", "training_step", "train_step"})
_GRAD_ROOT_NAMES = frozenset({"forward", "call", "__call__", "training_step", "train_step"})
_GRAD_ROOT_TOKENS = frozenset({"loss", "losses", "criterion", "objective"})

#: name tokens of code that evaluates, measures, post-processes, assigns targets or tracks
_NO_GRAD_TOKENS = frozenset(
    {
        "metric",
        "metrics",
        "accuracy",
        "acc",
        "evaluate",
        "evaluation",
        "evaluator",
        "eval",
        "validate",
        "validation",
        "val",
        "postprocess",
        "postprocessor",
        "nms",
        "predict",
        "inference",
        "infer",
        "generate",
        "visualize",
        "visualise",
        "plot",
        "track",
        "tracker",
        "tracking",
        "matcher",
        "assigner",
        "coder",
        "targets",
        "meter",
        "precision",
        "recall",
        "benchmark",
    }
)
#: name tokens of image-quality measures: code called nowhere that says so measures
_IMAGE_METRIC_TOKENS = frozenset({"psnr", "ssim"})
#: name tokens of error measures reported beside training (root mean squared
#: error, the precision of estimated heterogeneous effects)
_ERROR_METRIC_TOKENS = frozenset({"rmse", "rmsd", "pehe"})
_METRIC_UPDATES = frozenset({"update", "_update", "update_state", "reset"})
#: name tokens of a plain class that transforms the data it is called on
_DATA_TRANSFORM_TOKENS = frozenset(
    {"transform", "transforms", "augment", "augmentation", "augmenter", "aug"}
)


def name_tokens(name: str) -> list[str]:
    """``name_words``, where ``post_process`` also counts as ``postprocess``."""
    tokens = name_words(name)
    joined = [a + b for a, b in zip(tokens, tokens[1:], strict=False) if a == "post"]
    return tokens + joined


class GradientFacts:
    def __init__(self, model: ModuleIndex) -> None:
        self.model = model
        self._answers: dict[cst.CSTNode, Answer] = {}
        self._function_no: dict[cst.FunctionDef, str | None] = {}
        self._function_yes: dict[cst.FunctionDef, str | None] = {}
        self._slices: dict[cst.CSTNode, _Slice | None] = {}
        self._class_slices: dict[cst.ClassDef, frozenset[cst.CSTNode] | None] = {}
        self._uses: dict[cst.CSTNode, dict[str, list[cst.Name]]] = {}
        self._refs: dict[str, list[cst.Name]] | None = None
        self._runs: dict[cst.FunctionDef, list[tuple[cst.Call, int]] | None] = {}
        self._sites: dict[cst.FunctionDef, list[cst.Call] | None] = {}
        self._entered: dict[cst.FunctionDef, bool] = {}
        self._metric_only: set[str] = set()
        #: ``self.<attr>`` written once in the file: (its class, the value)
        self._attribute_writes: dict[
            tuple[str, cst.CSTNode | None], tuple[cst.ClassDef, cst.BaseExpression] | None
        ] = {}
        #: calls of a function through a ``partial`` value: the keywords it binds
        self._bound_at: dict[cst.Call, dict[str, cst.BaseExpression]] = {}
        #: functions handed to a data mapping (``ds.map(parse)``): run on data
        self._mapped: set[str] = set()
        self._active: set[cst.CSTNode] = set()
        self._names_active: set[tuple[cst.CSTNode, str]] = set()
        self._names_known: dict[tuple[cst.CSTNode, str], bool] = {}
        self._class_writes: dict[cst.ClassDef, dict[str, list[cst.Assign]]] = {}

    # --- queries ------------------------------------------------------------

    def reach(self, node: cst.CSTNode) -> Reach:
        return self.answer(node).reach

    def why(self, node: cst.CSTNode) -> str:
        return self.answer(node).why

    def answer(self, node: cst.CSTNode) -> Answer:
        found = self._answers.get(node)
        if found is None:
            if node in self._active or len(self._active) > _MAX_CALL_DEPTH:
                # a recursive question (mutual calls) or a very long chain of
                # callers: no evidence (and no deep recursion)
                return _UNKNOWN
            self._active.add(node)
            try:
                found = self._answer(node)
            finally:
                self._active.discard(node)
            self._answers[node] = found
        return found

    # --- the decision ---------------------------------------------------------

    def _answer(self, node: cst.CSTNode) -> Answer:
        model = self.model
        if contexts(model).in_no_grad(node):
            return Answer(Reach.NO, "it runs under no_grad/inference_mode")
        if self._notebook_never_trains:
            return Answer(Reach.NO, "the notebook never trains (no backward, optimiser or fit)")
        func = self._function_of(node)
        if func is not None:
            reason = self._function_never_differentiated(func) or self._branch_never_differentiated(
                node, func
            )
            if reason is not None:
                return Answer(Reach.NO, reason)
        if self._in_data_mapping(node):
            return Answer(Reach.NO, "it runs in a function mapped over data (.apply/.map)")
        if self.leaves_graph(node):
            return Answer(Reach.NO, "its value only becomes a number, an index or a log entry")
        if self._inside_detached(node):
            return Answer(Reach.NO, "the expression holding it is detached")
        if isinstance(node, cst.BaseExpression) and self._inputs_carry_no_gradient(node):
            return Answer(Reach.NO, "its inputs carry no gradient (constants, detached or integer)")
        in_slice = self._loss_path(node)
        if in_slice is False:
            return Answer(Reach.NO, "its value never reaches the loss that is backpropagated")
        cls = self._class_of(func) if func is not None else model.enclosing(node, cst.ClassDef)
        if isinstance(cls, cst.ClassDef) and _is_metric_class(cls):
            return Answer(Reach.NO, f"it is metric code (class {cls.name.value})")
        if in_slice:
            return Answer(Reach.YES, "it feeds a loss that is backpropagated")
        transform = self._data_transform(cls)
        if transform is not None:
            return Answer(Reach.NO, transform)
        if self._in_tape(node):
            return Answer(Reach.YES, "it runs inside a GradientTape")
        if (
            func is not None
            and func.name.value in ("forward", "__call__")
            and isinstance(cls, cst.ClassDef)
            and fixed_transform(model, cls)
        ):
            # differentiated only through what its callers feed it, not as a
            # model's forward is
            fixed = self._fixed_transform_reach(func, cls)
            if fixed is not None:
                return fixed
        if func is not None:
            reason = self._direct_yes(func)
            if reason is not None:
                return Answer(Reach.YES, reason)
        named = self._named_no(func, cls)
        if named is not None:
            return Answer(Reach.NO, named)
        if func is not None:
            reason = self._called_from_yes(func) or self._loss_module_helper(func)
            if reason is not None:
                return Answer(Reach.YES, reason)
        if self._test_file:
            # test scaffolding (a solver's norm callback, a benchmark problem):
            # only code a test is seen differentiating counts there
            return Answer(Reach.NO, "it is test code no backward is seen reaching")
        return _UNKNOWN

    @cached_property
    def _test_file(self) -> bool:
        return is_test_module(self.model)

    # --- functions ------------------------------------------------------------

    def _function_of(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        found = self.model.enclosing(node, cst.FunctionDef)
        return found if isinstance(found, cst.FunctionDef) else None

    def _class_of(self, func: cst.FunctionDef) -> cst.ClassDef | None:
        parent = self.model.parent(func)
        if isinstance(parent, cst.IndentedBlock):
            cls = self.model.parent(parent)
            if isinstance(cls, cst.ClassDef):
                return cls
        return None

    def _data_set_method(self, func: cst.FunctionDef) -> bool:
        """``func`` is a method of a class deriving (through the file's
        classes) from a torch data set."""
        cls = self._class_of(func)
        if cls is None:
            return False
        return any(
            self.model.qualname(base.value) in apis.DATA_SET_BASES
            for klass in kinds_of(self.model).mro(cls)
            for base in klass.bases
        )

    def _function_never_differentiated(self, func: cst.FunctionDef) -> str | None:
        if func in self._function_no:
            return self._function_no[func]
        self._function_no[func] = None  # recursion: no evidence yet
        reason = self._never_differentiated(func)
        self._function_no[func] = reason
        return reason

    def _never_differentiated(self, func: cst.FunctionDef) -> str | None:
        name = func.name.value
        if name.startswith("test") and not self._differentiates(func):
            return f"{name} is a test that never differentiates"
        if name == "__init__" and self._module_constructor(func):
            # a layer's constructor precomputes constants (a filter matrix, a
            # grid's distances) for buffers and parameters: no gradient reaches
            # them (a TF1 model's ``__init__`` builds its loss graph: not this)
            return "it runs in a torch module's constructor, before any loss exists"
        if name in _DATA_ITEM_METHODS and self._data_set_method(func):
            # ``Dataset.__getitem__`` loads and prepares an item before any model
            # sees it (sudo_rm_rf's mixture energies, audit s191)
            return f"{name} is a data set's: it prepares data before any model sees it"
        if (name in _IMPLICIT and not self._plain_method(func)) or name.startswith("__"):
            if name in _CALLED_THROUGH_INSTANCES:
                return self._instances_never_differentiated(func) or self._never_run(func)
            return None
        if self._differentiates(func) or _builds_keras_training(func):
            # it back-propagates itself (a training loop, ``main``), or compiles
            # or fits a Keras model it builds (a WGAN-GP critic whose penalty
            # layer it wires in: AnomalyDetectionTransformations, audit s177): a
            # call discarding its result (``main()``) does not stop the gradients inside
            return None
        if name in _OPTIMIZER_UPDATES and self._optimizer_method(func):
            return f"{name} is an optimiser's update rule: the gradients are taken before it"
        cls = self._class_of(func)
        if cls is not None and _optimizer_class(self.model, cls):
            # a helper of the update rule (``self._l2_norm(grad)`` reached
            # through ``self.fn``): an optimiser is never differentiated
            return f"{name} is a method of the optimiser {cls.name.value}"
        sites = self._call_sites(func)
        if sites is None:
            return None
        # a recursive call (by name: a dispatcher's ``Bias().lmo(g)`` inside
        # ``Auto.lmo``) adds no caller; ``super().loss(...)`` stays: the method
        # overrides a base's, which code out of sight calls (d2l's trainer)
        sites = [call for call in sites if not self.model.within(call, func) or super_method(call)]
        others = kinds_of(self.model).calls_from_other_files(func)
        as_metric = name in self._metric_only
        mapped = name in self._mapped
        if not sites and not others and not as_metric and not mapped:
            return None
        if any(r.opaque or not r.no_grad for r in others):
            return None
        stores = _stores_on_self(func)
        for call in sites:
            if stores and self._built_in_constructor(call) and not self._off_graph_where(call):
                # ``self.build_losses()`` in a TF1 model's ``__init__`` (BTS, audit
                # s170): what it computes lives on in ``self.total_loss``
                return None
            if self.answer(call).reach is not Reach.NO:
                return None
        if as_metric and not sites and not others:
            return f"{name} is only a Keras metric (metrics=[...]), computed outside the tape"
        if mapped and not sites and not others:
            return f"{name} is only mapped over data (.map/.apply)"
        where = next((f" ({r.file}:{r.line})" for r in others if r.line), "")
        return f"{name} is only called where no gradient flows{where}"

    def _built_in_constructor(self, call: cst.Call) -> bool:
        """``self.build_losses()`` as a statement of ``__init__``: a TF1
        model builds its graph when constructed (not a hand-written update
        called per sample, a self-organising map's ``self.training(x, i)``)."""
        func = self._function_of(call)
        return (
            isinstance(self.model.parent(call), cst.Expr)
            and func is not None
            and func.name.value == "__init__"
        )

    def _off_graph_where(self, call: cst.Call) -> bool:
        """``call`` runs where no gradient flows, whatever becomes of its value:
        under ``no_grad``, in a function never differentiated, over data."""
        if contexts(self.model).in_no_grad(call) or self._in_data_mapping(call):
            return True
        func = self._function_of(call)
        return func is not None and self._function_never_differentiated(func) is not None

    def _plain_method(self, func: cst.FunctionDef) -> bool:
        """``compute_loss`` of a class deriving from nothing (lightning-pose's
        ``RegressionRMSELoss``): no framework calls it, its own callers do."""
        if func.name.value not in _PLAIN_CALLED:
            return False
        cls = self._class_of(func)
        return isinstance(cls, cst.ClassDef) and plain_class(self.model, cls)

    def _module_constructor(self, func: cst.FunctionDef) -> bool:
        """``func`` is the ``__init__`` of an ``nn.Module`` class that does not
        back-propagate itself."""
        from lossflint.analysis.mode_free_models import is_torch_module

        cls = self._class_of(func)
        return (
            cls is not None and is_torch_module(self.model, cls) and not self._differentiates(func)
        )

    def _never_run(self, func: cst.FunctionDef) -> str | None:
        """A ``forward`` whose every run is known (no instance of its class is
        called, handed on or reachable from another file) and is where no
        gradient flows: an STFT module used only through ``.transform`` to
        make mel targets."""
        cls = self._class_of(func)
        if cls is None or not self._constructed_here(cls):
            # a model class no code of this file builds is built elsewhere
            # (by a script, a config, a snippet's reader): its forward may run
            return None
        runs = self._runs_of(func)
        if runs is None or any(self.answer(call).reach is not Reach.NO for call, _ in runs):
            return None
        if not runs:
            return f"{cls.name.value}'s instances are never called"
        return f"{cls.name.value} is only called where no gradient flows"

    def _constructed_here(self, cls: cst.ClassDef) -> bool:
        """Some code of this file builds an instance (``STFT(...)``)."""
        for ref in self._name_refs().get(cls.name.value, []):
            parent = self.model.parent(ref)
            if isinstance(parent, cst.Call) and parent.func is ref:
                return True
        return False

    def _instances_never_differentiated(self, func: cst.FunctionDef) -> str | None:
        """A class's ``forward`` whose every call is through instances other
        project files make and call where no gradient flows (a mel front-end
        applied to data, or to detached audio under ``no_grad``): the class is
        named nowhere in its own file but its definition
        (``Interpreter.instance_calls_from_other_files``)."""
        records = kinds_of(self.model).instance_calls_from_other_files(func)
        if not records or any(r.opaque or not r.no_grad for r in records):
            return None
        cls = self._class_of(func)
        owner = cls.name.value if cls is not None else func.name.value
        where = next((f" ({r.file}:{r.line})" for r in records if r.line), "")
        return f"{owner} is only called where no gradient flows{where}"

    def _differentiates(self, func: cst.FunctionDef) -> bool:
        """``func`` (or a function nested in it) differentiates a loss: one of
        the file's loss roots (``loss.backward()``, ``tape.gradient(loss,
        ...)``, ``opt.minimize(loss)``, ``autograd.grad(loss, ...)``) is in it."""
        return any(func in self.model.ancestors(root) for root in self._loss_roots)

    def call_sites(self, func: cst.FunctionDef) -> list[cst.Call] | None:
        """The same-file calls of ``func`` (found by name), or None when its
        name is also used otherwise (so callers are unknown)."""
        return self._call_sites(func)

    def arguments_without_gradient(self, call: cst.Call) -> tuple[str, ...]:
        """The arguments of ``call`` (``"0"`` by position, keywords by name)
        that carry no gradient there (``f_t.detach()``, a teacher's output
        made under ``no_grad``)."""
        found: list[str] = []
        position = 0
        for arg in call.args:
            if arg.star:
                break
            value = arg.value
            place = arg.keyword.value if arg.keyword is not None else str(position)
            if arg.keyword is None:
                position += 1
            # a few hops only: every argument of every recorded call is asked,
            # and a deep chain of names costs exponentially
            if not isinstance(value, (cst.Integer, cst.Float, cst.SimpleString)) and (
                self._computed_without_grad(value) or self.no_gradient_value(value, _ARGUMENT_DEPTH)
            ):
                found.append(place)
        return tuple(found)

    def _external_no_gradient(self, func: cst.FunctionDef, name: cst.Name) -> bool:
        """Every call other project files make of ``func`` (a top-level
        function, or the ``forward`` of a class its instances run) hands the
        parameter ``name`` a value with no gradient (``CallRecord.no_grad_args``)."""
        params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        if name.value not in params:
            return False
        kinds = kinds_of(self.model)
        # only where this file neither calls it nor hands it on (``self.sim =
        # order_sim`` runs it in training, out of the records' sight)
        if isinstance(self.model.parent(func), cst.Module):
            if self._sites_of(func) != []:
                return False
            records, skip = kinds.calls_from_other_files(func), 0
        elif func.name.value in _CALLED_THROUGH_INSTANCES and params[:1] == ["self"]:
            cls = self._class_of(func)
            if cls is None or any(
                not (
                    (
                        isinstance(parent := self.model.parent(ref), cst.ClassDef)
                        and parent.name is ref
                    )
                    or in_super_arguments(self.model, ref)
                )
                for ref in self._name_refs().get(cls.name.value, ())
            ):
                return False
            records, skip = kinds.instance_calls_from_other_files(func), 1
        else:
            return False
        if not records or any(r.opaque for r in records):
            return False
        place = str(params.index(name.value) - skip)
        # a call made with gradients off builds no graph, whatever it passes
        return all(
            r.no_grad or place in r.no_grad_args or name.value in r.no_grad_args for r in records
        )

    def _passed_without_gradient(self, value: cst.BaseExpression, depth: int) -> bool:
        """An argument a caller passes carries no gradient, or its statement
        never reaches the loss its scope backpropagates (``normalize(grads)``
        of ``grads = K.gradients(loss, x)[0]`` for a gradient ascent)."""
        return self.no_gradient_value(value, depth - 1) or self._loss_path(value) is False

    def _surely_false(self, flag: cst.BaseExpression, depth: int = 3) -> bool:
        """``requires_grad=False``, or a parameter whose every caller passes
        ``False`` (its default ``False`` where a call leaves it out, or where
        nothing calls the function: ``random_quaternions(n,
        requires_grad=False)``, a helper no code uses)."""
        if literal_value(flag) is False:
            return True
        if not isinstance(flag, cst.Name) or depth <= 0:
            return False
        passed = self.passed_to(flag)
        if passed:
            # ``random_rotations(n, requires_grad=False)`` passing its own
            # parameter on to ``random_quaternions``
            return all(self._surely_false(value, depth - 1) for value in passed)
        bindings = self.model.bindings(flag) or []
        node = bindings[0].node if len(bindings) == 1 and bindings[0].kind == "param" else None
        func = self.model.enclosing(flag, cst.FunctionDef)
        if not isinstance(node, cst.Param) or not isinstance(func, cst.FunctionDef):
            return False
        runs = self._runs_of(func)
        if runs is None or runs or kinds_of(self.model).calls_from_other_files(func):
            return False  # called in ways ``passed_to`` cannot read
        if named_in_project({func.name.value}) is not False:
            return False  # another module may call it
        return node.default is not None and literal_value(node.default) is False

    def passed_to(
        self, param: cst.Name, rebound: bool = False, plain: bool = False
    ) -> list[cst.BaseExpression] | None:
        """What every caller passes for the parameter ``param`` (a name bound
        only as a parameter; with ``rebound``, also bound again in the
        function: the caller asks for the parameter's binding alone): the
        argument of each same-file call (for a
        module's ``forward``/``__call__``, also each call of its instances:
        ``_instance_calls``), or the default where a call leaves it out; None
        when a caller is unknown (another file calls the function, its name
        is used otherwise, an instance travels out of sight, a call unpacks
        ``*args``/``**kw``) or no call is seen. With ``plain``, a top-level
        function's callers are its calls by name: ``model.train()`` is no run
        of ``def train(model, loader, epoch)``."""
        bindings = self.model.bindings(param) or []
        if rebound:
            bindings = [b for b in bindings if b.kind == "param"]
        if len(bindings) != 1 or bindings[0].kind != "param":
            return None
        node = bindings[0].node
        func = self.model.enclosing(param, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or not isinstance(node, cst.Param):
            return None
        sites = self._runs_of(func)
        if not sites or kinds_of(self.model).calls_from_other_files(func):
            return None
        names = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        passed: list[cst.BaseExpression] = []
        if plain and isinstance(self.model.parent(func), cst.Module):
            sites = [(call, skip) for call, skip in sites if isinstance(call.func, cst.Name)]
            if not sites:
                return None
        for call, skip in sites:
            index = names.index(node.name.value) - skip if node.name.value in names else -1
            found: cst.BaseExpression | None = None
            for position, arg in enumerate(call.args):
                if arg.star:
                    return None
                if arg.keyword is not None and arg.keyword.value == node.name.value:
                    found = arg.value
                elif arg.keyword is None and position == index:
                    found = arg.value
            if found is None:
                found = self._bound_at.get(call, {}).get(node.name.value, node.default)
            if found is None:
                return None
            passed.append(found)
        return passed

    def _runs_of(self, func: cst.FunctionDef) -> list[tuple[cst.Call, int]] | None:
        """Every same-file call that runs ``func``, with how many of its
        leading parameters the call does not pass (``self`` of ``x.f(...)``
        and of an instance call); None when a caller is unknown."""
        if func not in self._runs:
            self._runs[func] = self._find_runs(func)
        return self._runs[func]

    def _find_runs(self, func: cst.FunctionDef) -> list[tuple[cst.Call, int]] | None:
        sites = self._call_sites(func)
        if sites is None:
            return None
        names = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        bound = names[:1] == ["self"]
        found = [(c, 1 if bound and isinstance(c.func, cst.Attribute) else 0) for c in sites]
        if func.name.value in _CALLED_THROUGH_INSTANCES:
            through = self._instance_calls(func) if bound and not func.decorators else None
            if through is None:
                return None
            found.extend((call, 1) for call in through)
        return found

    def _call_sites(self, func: cst.FunctionDef) -> list[cst.Call] | None:
        """Every call of ``func``'s name in the file (``f(...)``, ``x.f(...)``),
        or None when the name is also used otherwise (passed, stored, bound).
        A reference handed to Keras as a metric (``compile(metrics=[f])``) is
        no call and no gradient: it is skipped, and remembered."""
        sites: list[cst.Call] = []
        for ref in self._name_refs().get(func.name.value, []):
            parent = self.model.parent(ref)
            if isinstance(parent, cst.FunctionDef) and parent.name is ref:
                continue
            if isinstance(parent, (cst.Param, cst.Arg)) and getattr(parent, "keyword", None) is ref:
                continue
            if isinstance(parent, cst.Param):
                continue
            if not (isinstance(parent, cst.Attribute) and parent.attr is ref) and _another_variable(
                self.model, ref, func
            ):
                continue  # ``loss, rse = model.evaluate(...)``: a local named like it
            expr: cst.CSTNode = ref
            if isinstance(parent, cst.Attribute) and parent.attr is ref:
                expr = parent
            call = self.model.parent(expr)
            if isinstance(call, cst.Call) and call.func is expr:
                if isinstance(expr, cst.Attribute) and self._held_other_object(expr.value, func):
                    continue  # ``self.model.train()`` in ``Trainer.train``
                sites.append(call)
                continue
            through = value_calls(self.model, ref) if expr is ref else None
            if through is not None:
                # ``fn = partial(f, k=2)`` then ``fn(x)`` or ``g(fn)`` calling it
                for call_through, bound in through:
                    sites.append(call_through)
                    self._bound_at[call_through] = bound
                continue
            if _is_keras_metric(self.model, ref):
                self._metric_only.add(func.name.value)
                continue
            if _keras_custom_object(self.model, ref):
                continue  # ``load_model(p, custom_objects={"rmse": rmse})``: a registration
            if _is_data_mapping_argument(self.model, expr):
                self._mapped.add(func.name.value)
                continue
            return None
        return sites

    def _held_other_object(self, receiver: cst.BaseExpression, func: cst.FunctionDef) -> bool:
        """``receiver`` is ``self.<attr>`` in the class of the method ``func``,
        and every write of that attribute in the class builds an object of
        another class (``self.model = DDP(TSCNet().cuda())``): calling a
        method of that name on it does not run ``func``."""
        cls = self._class_of(func)
        if (
            cls is None
            or not isinstance(receiver, cst.Attribute)
            or not isinstance(receiver.value, cst.Name)
            or receiver.value.value != "self"
            or self.model.enclosing(receiver, cst.ClassDef) is not cls
        ):
            return False
        writes = [target.value for target in self._self_writes(cls).get(receiver.attr.value, [])]
        return bool(writes) and all(_builds_other(self.model, w, cls) for w in writes)

    def _self_writes(self, cls: cst.ClassDef) -> dict[str, list[cst.Assign]]:
        """``self.<attr> = value`` statements of the class, by attribute; an
        attribute also written otherwise (augmented, unpacked, ``setattr``)
        maps to an empty list."""
        found = self._class_writes.get(cls)
        if found is None:
            found = {}
            spoiled: set[str] = set()
            for node in nodes_in(cls, cst.Assign, cst.AugAssign, cst.AnnAssign):
                targets = (
                    [t.target for t in node.targets]
                    if isinstance(node, cst.Assign)
                    else [cast("cst.AugAssign | cst.AnnAssign", node).target]
                )
                for target in targets:
                    for part in _self_attributes(target):
                        if isinstance(node, cst.Assign) and part is target:
                            found.setdefault(part.attr.value, []).append(node)
                        else:
                            spoiled.add(part.attr.value)
            for attr in spoiled:
                found[attr] = []
            self._class_writes[cls] = found
        return found

    def _instance_calls(self, func: cst.FunctionDef) -> list[cst.Call] | None:
        """The calls of the instances of ``func``'s class (its ``forward`` or
        ``__call__``) in this file: ``crit(a, b)`` after ``crit = PKT()``,
        ``self.kd(a, b)`` after ``self.kd = PKT()``, ``PKT()(a, b)``,
        ``self(a, b)`` in the class; None when an instance may be called out
        of sight: the class or an instance handed on, stored in a container,
        returned or subclassed, a framework method that runs it (``fit``),
        submodules listed (``children()``, ``getattr``), another project file
        that may load this module."""
        model = self.model
        cls = self._class_of(func)
        if cls is None or cls.decorators:
            return None
        refs = self._name_refs()
        defs = [
            r for r in refs.get(cls.name.value, []) if isinstance(model.parent(r), cst.ClassDef)
        ]
        if len(defs) != 1 or model.parent(defs[0]) is not cls:
            return None
        if kinds_of(model).instance_calls_from_other_files(func):
            return None
        methods = {s.name.value for s in _class_statements(cls) if isinstance(s, cst.FunctionDef)}
        # ``self.enc(x)`` runs the submodule ``__init__`` built, not this module
        methods_or_fields = methods | {
            f"<field>{name}" for name in _built_fields(cls) if name not in methods
        }
        sites: list[cst.Call] = []
        holders: set[tuple[bool, str]] = set()
        starts: list[cst.BaseExpression] = []
        for ref in refs[cls.name.value]:
            parent = model.parent(ref)
            if parent is cls or in_super_arguments(model, ref):
                continue
            if not (isinstance(parent, cst.Call) and parent.func is ref):
                return None  # the class itself travels: its instances are out of sight
            starts.append(parent)
        starts.extend(
            n
            for n in _walk(cls)
            if isinstance(n, cst.Name)
            and n.value == "self"
            and self._is_load(n)
            and not in_super_arguments(model, n)
        )
        for start in starts:
            if not self._follow_instance(start, methods_or_fields, sites, holders):
                return None
        done: set[tuple[bool, str]] = set()
        while holders - done:
            if len(done) > _MAX_NAME_CHAIN:
                return None
            holder = min(holders - done)
            done.add(holder)
            attribute, name = holder
            if attribute and any(n in refs for n in _LISTED_SUBMODULES):
                return None  # ``for m in self.children(): m(x)``
            for ref in refs.get(name, []):
                parent = model.parent(ref)
                is_attr = isinstance(parent, cst.Attribute) and parent.attr is ref
                if is_attr != attribute:
                    continue
                expr: cst.BaseExpression = parent if attribute else ref  # type: ignore[assignment]
                if attribute and _is_target(model, expr):
                    continue
                if not attribute and not self._is_load(ref):
                    continue
                if not self._follow_instance(expr, methods_or_fields, sites, holders):
                    return None
        # a file that loads this module may reach an instance only by naming
        # the class or a name one is kept in (``taco.stft_fn(y)``); one that
        # only asks it for other things, or hands it to a project function
        # that never runs it (``griffin_lim(spec, taco.stft_fn)``), runs none
        kept = {name for _, name in holders}
        if imported_elsewhere() and (
            named_where_loaded({cls.name.value}) is not False
            or (named_where_loaded(kept) is not False and not holders_stay_unrun(kept))
        ):
            return None
        return sites

    def _follow_instance(
        self,
        expr: cst.BaseExpression,
        methods: set[str],
        sites: list[cst.Call],
        holders: set[tuple[bool, str]],
    ) -> bool:
        """Where the instance ``expr`` goes: called (a site), asked for
        something that does not run it, discarded, or kept in a name or an
        attribute (a holder, followed next); False when anywhere else."""
        model = self.model
        current: cst.CSTNode = expr
        while True:
            parent = model.parent(current)
            if isinstance(parent, cst.Call) and parent.func is current:
                sites.append(parent)
                return True
            if isinstance(parent, cst.Attribute) and parent.value is current:
                attr = parent.attr.value
                call = model.parent(parent)
                if not (isinstance(call, cst.Call) and call.func is parent):
                    # ``crit.weight``; not ``f = crit.forward``
                    return attr not in _CALLED_THROUGH_INSTANCES and attr not in _RUNS_MODULE
                if attr in _CALLED_THROUGH_INSTANCES:
                    sites.append(call)
                    return True
                if attr in _RETURNS_MODULE:
                    current = call  # ``PKT().cuda()``: the same module
                    continue
                return (
                    attr in _INERT_MODULE_METHODS
                    or (attr in methods and attr not in _RUNS_MODULE)
                    or f"<field>{attr}" in methods
                )
            if isinstance(parent, cst.Expr):
                return True
            if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is current:
                targets = (
                    [t.target for t in parent.targets]
                    if isinstance(parent, cst.Assign)
                    else [parent.target]
                )
                for target in targets:
                    if isinstance(target, cst.Name):
                        holders.add((False, target.value))
                    elif isinstance(target, cst.Attribute):
                        holders.add((True, target.attr.value))
                    else:
                        return False
                return True
            return False

    def _name_refs(self) -> dict[str, list[cst.Name]]:
        """Every ``Name`` node of the file (attribute names too), by its text."""
        if self._refs is None:
            refs: dict[str, list[cst.Name]] = {}
            for node in self.model.parents:
                if isinstance(node, cst.Name):
                    refs.setdefault(node.value, []).append(node)
            self._refs = refs
        return self._refs

    def _direct_yes(self, func: cst.FunctionDef) -> str | None:
        name = func.name.value
        if name in _GRAD_ROOT_NAMES:
            return f"it is in {name}, which the framework differentiates"
        if _GRAD_ROOT_TOKENS & set(name_tokens(name)):
            return f"it is in {name}, a loss"
        return None

    def _branch_never_differentiated(self, node: cst.CSTNode, func: cst.FunctionDef) -> str | None:
        """``node`` runs only when an optional parameter is given (the ``else``
        of ``if vx is None:``), and every same-file call giving it runs without
        gradients (MONAI's ``tre(..., vx=vx)`` in validation under ``no_grad``,
        the training loss calling ``tre(a, b)``)."""
        param = self._given_branch(node, func)
        if param is None:
            return None
        runs = self._runs_of(func)
        if runs is None or named_in_project({func.name.value}) is True:
            return None
        names = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        for call, skip in runs:
            bound = arguments_by_param(call, names[skip:])
            if bound is None:
                return None
            given = bound.get(param)
            if given is None or given.value is None or literal_value(given.value) is None:
                continue  # the default: this branch does not run
            if self.answer(call).reach is not Reach.NO:
                return None
        return f"it runs only when {param} is given, and every call giving it has no gradient"

    def _given_branch(self, node: cst.CSTNode, func: cst.FunctionDef) -> str | None:
        """The parameter (default ``None``) whose being given the branch around
        ``node`` tests: ``if p is not None:`` (its body) or ``if p is None:``
        (its ``else``)."""
        defaults = {
            p.name.value
            for p in (*func.params.posonly_params, *func.params.params, *func.params.kwonly_params)
            if p.default is not None and literal_value(p.default) is None
        }
        child, parent = node, self.model.parent(node)
        while parent is not None and parent is not func:
            if isinstance(parent, cst.If):
                test = parent.test
                if (
                    isinstance(test, cst.Comparison)
                    and len(test.comparisons) == 1
                    and isinstance(test.left, cst.Name)
                    and test.left.value in defaults
                    and literal_value(test.comparisons[0].comparator) is None
                    and len(self.model.bindings(test.left) or ()) == 1
                ):  # (the parameter never rebound: ``vx = vx or 1`` takes the branch anyway)
                    operator = test.comparisons[0].operator
                    if isinstance(operator, cst.IsNot) and child is parent.body:
                        return test.left.value
                    if isinstance(operator, cst.Is) and isinstance(child, cst.Else):
                        return test.left.value
            child, parent = parent, self.model.parent(parent)
        return None

    def _fixed_transform_reach(self, func: cst.FunctionDef, cls: cst.ClassDef) -> Answer | None:
        """YES when a call of an instance here is on a gradient path (an STFT
        magnitude of the model's output in a spectral loss), NO when no call
        is seen anywhere that may be (a front-end picked from a registry and
        attached with ``add_module``, audit s196); None (undecided) when a
        call here or in another file may be."""
        sites = self._instance_calls(func)
        answers = [self.answer(call).reach for call in sites or ()]
        if Reach.YES in answers:
            return Answer(Reach.YES, f"{cls.name.value} is called where gradients flow")
        if Reach.UNKNOWN in answers:
            return None
        records = kinds_of(self.model).instance_calls_from_other_files(func)
        if not records and self.model.parent(cls) is self.model.module:
            key = f"{cls.name.value}.{func.name.value}"
            try:
                found = external_instance_calls({key: (cls.name.value, func)})
            except (RecursionError, OSError, ValueError):
                found = None
            records = (found or {}).get(key, [])
        if any(not r.opaque and not r.no_grad for r in records):
            return None  # a call another file makes where gradients may flow
        return Answer(
            Reach.NO,
            f"{cls.name.value} is a fixed transform (buffers, no parameters) no caller "
            "is seen differentiating",
        )

    def _called_from_yes(self, func: cst.FunctionDef) -> str | None:
        if func in self._function_yes:
            return self._function_yes[func]
        self._function_yes[func] = None
        found = None
        for call in self._call_sites(func) or []:
            if self.answer(call).reach is Reach.YES:
                found = f"{func.name.value} is called where gradients flow"
                break
        self._function_yes[func] = found
        return found

    def _loss_module_helper(self, func: cst.FunctionDef) -> str | None:
        """A top-level function of a module whose name says it holds losses
        (``losses.py``, ``loss.py``, ``criterion.py``, ``objectives.py``, a
        ``losses/`` package) that another project file calls where a gradient
        is not ruled out (``point = masked_mae(mu, y, mask)`` in a
        ``training_step``): a loss helper. Evaluation-named helpers are
        ``_named_no``'s, asked first; callers that all run without gradients
        make it NO (``_never_differentiated``)."""
        if self.model.parent(func) is not self.model.module:
            return None
        context = project_context()
        rel = context.rel if context is not None else None
        if not rel:
            return None
        words = {
            word
            for part in PurePosixPath(rel.replace("\\", "/")).with_suffix("").parts
            for token in name_tokens(part)
            for word in (token, token.removesuffix("s"))
        }
        if not _GRAD_ROOT_TOKENS & words:
            return None
        records = kinds_of(self.model).calls_from_other_files(func)
        if not any(not r.opaque and not r.no_grad for r in records):
            return None
        return (
            f"{func.name.value} is a loss helper of {rel} that another project file "
            "calls where gradients are not ruled out"
        )

    def _named_no(self, func: cst.FunctionDef | None, cls: cst.CSTNode | None) -> str | None:
        names = []
        if func is not None:
            names.append(func.name.value)
            outer = self.model.enclosing(func, cst.FunctionDef)
            if isinstance(outer, cst.FunctionDef):
                names.append(outer.name.value)
        if isinstance(cls, cst.ClassDef):
            names.append(cls.name.value)
        for name in names:
            if _NO_GRAD_TOKENS & set(name_tokens(name)):
                return f"its name ({name}) says it evaluates, measures or post-processes"
        if (
            func is not None
            and self.model.parent(func) is self.model.module
            and not self._call_sites(func)
            and all(r.opaque for r in kinds_of(self.model).calls_from_other_files(func) or ())
        ):
            # ``talos/metrics/keras_metrics.py``'s ``rmse``, called nowhere
            # (other modules hand it to ``compile(metrics=...)``): a module of
            # metrics; one a training loss calls is judged by its callers
            stem = os.path.splitext(os.path.basename(str(self.model.path)))[0]
            if {"metric", "metrics"} & set(name_tokens(stem)):
                return f"it is in a module of metrics ({stem})"
            tokens = set(name_tokens(func.name.value))
            if (
                _IMAGE_METRIC_TOKENS & tokens
                and not _GRAD_ROOT_TOKENS & tokens
                and self._named_only_where_defined(func)
            ):
                # InstColorization's ``calculate_psnr_torch``, called nowhere: a
                # measure of restored images (a PSNR loss says so, or is called)
                return f"its name ({func.name.value}) says it measures images, and nothing calls it"
        if func is not None:
            tokens = set(name_tokens(func.name.value))
            sites = self._call_sites(func) if _ERROR_METRIC_TOKENS & tokens else None
            if (
                sites
                and not _GRAD_ROOT_TOKENS & tokens
                and all(self.reach(site) is not Reach.YES for site in sites)
            ):
                # CEVAE-pyro's ``_RMSE_ITE`` / ``_PEHE``, called where no loss is
                # trained (audit s238): a treatment-effect error reported, not
                # minimised; one called nowhere may be a Keras loss handed on
                return (
                    f"its name ({func.name.value}) says it measures an error, and no loss uses it"
                )
        return None

    def _named_only_where_defined(self, func: cst.FunctionDef) -> bool:
        """No other name of the module spells ``func``'s (not handed to
        ``compile(loss=...)``, kept in a dict of losses, ...)."""
        ident = func.name.value
        return not any(
            cast(cst.Name, n).value == ident and n is not func.name
            for n in self.model.nodes_of_type(cst.Name)
        )

    def _data_transform(self, cls: cst.CSTNode | None) -> str | None:
        """A torchvision-style transform: a plain class, named so, called on
        the data (``AmplitudeRescaleTransform.__call__``)."""
        if (
            isinstance(cls, cst.ClassDef)
            and all(self.model.code(b.value) == "object" for b in cls.bases)
            and _DATA_TRANSFORM_TOKENS & set(name_tokens(cls.name.value))
        ):
            return f"{cls.name.value} is a data transform (a plain class, no module)"
        return None

    # --- where the value goes -------------------------------------------------

    def _inside_detached(self, node: cst.CSTNode) -> bool:
        """``node`` sits in the receiver of a ``.detach()`` of its own
        expression (``torch.pow(2, torch.log(s).round()).detach()``: IR-Net's
        power-of-two scale, audit s193): backward never comes down to it."""
        model = self.model
        current = node
        while True:
            parent = model.parent(current)
            if parent is None or isinstance(
                parent, (cst.BaseStatement, cst.BaseSmallStatement, *NAME_BINDING_EXPRESSIONS)
            ):
                return False
            if (
                isinstance(parent, cst.Attribute)
                and parent.value is current
                and parent.attr.value == "detach"
            ):
                call = model.parent(parent)
                if isinstance(call, cst.Call) and call.func is parent and not call.args:
                    return True
            current = parent

    def leaves_graph(self, node: cst.CSTNode, depth: int = 3) -> bool:
        """The value of ``node`` only becomes a number, an index, a test or a log entry."""
        model = self.model
        if isinstance(model.enclosing(node, cst.Assert, cst.FunctionDef, cst.Lambda), cst.Assert):
            return True  # ``assert torch.all(torch.abs(norm - 1) < tol)``: a check
        current = node
        while True:
            parent = model.parent(current)
            if parent is None:
                return False
            if isinstance(parent, cst.Attribute) and parent.value is current:
                attr = parent.attr.value
                if attr in _DETACHED_ATTRIBUTES:
                    return True
                call = model.parent(parent)
                if not (isinstance(call, cst.Call) and call.func is parent):
                    return False
                if attr in _DETACHING_METHODS:
                    return True
                if attr not in _PASSING_METHODS:
                    return False
                if attr in _VALUES_AND_INDICES and _values_discarded(model, call):
                    return True  # ``_, idx = dist.sqrt().sort()``: the indices only
                current = call
                continue
            if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
                current = parent
                continue
            if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
                return True
            if isinstance(parent, (cst.Index, cst.Slice)):
                return True
            if isinstance(parent, (cst.If, cst.While)) and parent.test is current:
                return True
            if isinstance(parent, cst.IfExp) and parent.test is current:
                return True
            if isinstance(parent, cst.Subscript) and parent.value is current:
                current = parent
                continue
            if isinstance(parent, cst.Arg):
                call = model.parent(parent)
                if not isinstance(call, cst.Call):
                    return False
                if self._sink_call(call):
                    return True
                if (
                    call.args[0] is parent
                    and parent.keyword is None
                    and self._detaching_helper(call)
                ):
                    return True  # ``to_numpy(torch.sqrt(ms))`` (MACE's dipole RMS, audit s212)
                if (
                    call.args[0] is parent
                    and parent.keyword is None
                    and model.qualname(call.func) in apis.PASSING_FUNCS
                ):
                    current = call  # ``torch.sum(torch.sqrt(d))``: the value goes on
                    continue
                return False
            if isinstance(parent, cst.Element):
                # ``tf.Print(x, [tf.sqrt(...)], "msg")``: the data list is printed only
                listed = model.parent(parent)
                arg = model.parent(listed) if isinstance(listed, (cst.List, cst.Tuple)) else None
                call = model.parent(arg) if isinstance(arg, cst.Arg) else None
                return (
                    isinstance(call, cst.Call)
                    and self.model.qualname(call.func) in apis.TF_PRINT
                    and arg is not call.args[0]
                )
            if isinstance(parent, cst.Expr):
                return True  # computed and discarded
            if isinstance(parent, cst.AugAssign) and parent.value is current:
                # ``w.data *= mask / mask.sum()``: written outside the graph
                return _is_detached_target(parent.target)
            if (
                isinstance(parent, cst.Assign)
                and parent.value is current
                and all(_is_detached_target(t.target) for t in parent.targets)
            ):
                return True
            if isinstance(parent, cst.Assign) and parent.value is current and depth > 0:
                return self._name_only_leaves(parent, depth - 1)
            return False

    def _detaching_helper(self, call: cst.Call) -> bool:
        """A same-file function whose every ``return`` detaches its first
        parameter (``def to_numpy(t): return t.cpu().detach().numpy()``), or a
        one-parameter function of another module whose summary says every
        ``return`` holds no graph (MACE's ``tools.to_numpy``, audit s212)."""
        func = self.model.returning_function(call.func)
        if func is None:
            held = kinds_of(self.model).value_of(call.func)
            summary = bridge.function_summary_of(held.ref) if isinstance(held, Foreign) else None
            return summary is not None and summary.no_grad and len(summary.params) == 1
        if not func.params.params:
            return False
        first = func.params.params[0].name.value
        returns = own_returns(func)
        return bool(returns) and all(
            ret.value is not None and _detached_chain(ret.value, first) for ret in returns
        )

    def _sink_call(self, call: cst.Call) -> bool:
        qualname = self.model.qualname(call.func)
        if qualname is not None:
            if qualname in _PYTHON_VALUE_BUILTINS or qualname in apis.TO_PYTHON_NUMBER:
                return True
            if qualname.startswith(_LOG_CALLS) or qualname in apis.ARGMAX:
                return True
            if qualname in apis.KERAS_ARGMAX or qualname in apis.TF_STOP_GRADIENT:
                return True  # an index, or a value the tape does not follow
            if qualname in apis.COMPARISON_FUNCS:
                return True  # ``tf.less(dist, t)``: a boolean, like ``dist < t``
            if qualname in apis.FRESH_LEAVES:
                return True  # ``nn.Parameter(s.abs().log())``: a new leaf, no graph behind
            root = qualname.split(".", 1)[0]
            return root in ("numpy", "math")
        func = call.func
        # ``self.register_buffer("psi", precompute(grid))``: a constant of the
        # module (a graph kept in a buffer would fail on the second backward)
        return isinstance(func, cst.Attribute) and (
            func.attr.value in _LOG_METHODS
            or func.attr.value in _COMPARISON_METHODS
            or func.attr.value == "register_buffer"
        )

    def _name_only_leaves(self, assign: cst.Assign, depth: int) -> bool:
        """The value ``assign`` binds only leaves the graph: every use of its
        name that this binding may reach does (``m = f(x); m = m.data;
        return m``: the ``return`` reads the later binding). A tuple target
        (``mags, phases = transform(y)``) takes the whole value apart: each
        name's reached uses must leave it, or the name is never read (a part
        thrown away); at least one use must be seen."""
        if len(assign.targets) != 1:
            return False
        target = assign.targets[0].target
        scope = self.model.scope_of(assign)
        if scope.kind == "module":
            # a script's or a notebook's name: its reads are the module's,
            # those of functions included (each one counts as reached)
            if self._reads_names_by_text("globals", *_LOCALS_BY_TEXT):
                return False
        elif scope.kind != "function":
            return False
        declared = scope.globals | scope.nonlocals
        if isinstance(target, cst.Name):
            if target.value in declared:
                return False  # read by other functions
            uses = self._reached_uses(assign, scope.node, target.value)
            if not uses:
                # a function's local never read (RawNet's ``inputs_norm``): no
                # gradient flows from a value thrown away
                return scope.kind == "function" and not self._reads_names_by_text(*_LOCALS_BY_TEXT)
            return all(self.leaves_graph(use, depth) for use in uses)
        if not isinstance(target, (cst.Tuple, cst.List)) or self._reads_names_by_text(
            *_LOCALS_BY_TEXT
        ):
            return False
        names = [e.value for e in target.elements]
        if not names or not all(isinstance(n, cst.Name) and n.value not in declared for n in names):
            return False  # ``self.m, p = ...``: a part kept out of sight
        seen = False
        for element in names:
            assert isinstance(element, cst.Name)
            uses = self._reached_uses(assign, scope.node, element.value)
            if not all(self.leaves_graph(use, depth) for use in uses):
                return False
            seen = seen or bool(uses)
        return seen

    def _reached_uses(
        self, assign: cst.Assign, scope_node: cst.CSTNode, name: str
    ) -> list[cst.Name]:
        """The reads of ``name`` in ``scope_node`` that ``assign`` may give
        their value: all but those another plain assignment surely gives it
        (``reaching.reaching_assignment``)."""
        uses = self._uses_in(scope_node).get(name, [])
        reached: list[cst.Name] = []
        for use in uses:
            if _in_unpacking_target(self.model, use):
                continue  # ``mags, phases = ...`` binds, it does not read
            found = reaching_assignment(self.model, use)
            if found is not None and not (found is assign.value or _contains(assign.value, found)):
                continue
            reached.append(use)
        return reached

    def _reads_names_by_text(self, *builtins: str) -> bool:
        """The file may read a name by its text as a string: it calls one of
        ``builtins`` (``locals``, ``vars``, ``eval``, ``exec``, ``globals``),
        not a method of that name (``model.eval()``) nor a name of its own."""
        model = self.model
        for builtin in builtins:
            for ref in self._name_refs().get(builtin, ()):
                parent = model.parent(ref)
                if isinstance(parent, cst.Attribute) and parent.attr is ref:
                    continue
                if builtin == "vars" and isinstance(parent, cst.Call) and parent.args:
                    continue  # ``vars(args)`` reads ``args.__dict__``, not local names
                if not model.bindings(ref):
                    return True
        return False

    def _uses_in(self, scope_node: cst.CSTNode) -> dict[str, list[cst.Name]]:
        found = self._uses.get(scope_node)
        if found is None:
            found = {}
            for node in _walk(scope_node):
                if isinstance(node, cst.Name) and self._is_load(node):
                    found.setdefault(node.value, []).append(node)
            self._uses[scope_node] = found
        return found

    def _is_load(self, name: cst.Name) -> bool:
        parent = self.model.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            return False
        if isinstance(parent, (cst.AssignTarget, cst.Param, cst.FunctionDef, cst.ClassDef)):
            return False
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            return False
        if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is name:
            return False
        return not isinstance(parent, (cst.ImportAlias, cst.AsName))

    # --- where the value comes from -------------------------------------------

    def _inputs_carry_no_gradient(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Call):
            operands = _call_operands(self.model, expr)
            if operands is None:
                return False
            return all(self.no_gradient_value(e) for e in operands)
        return self.no_gradient_value(expr)

    def no_gradient_value(self, expr: cst.BaseExpression, depth: int = 10) -> bool:
        """``expr`` holds no gradient history: constants, detached, integer,
        boolean or NumPy values only."""
        if isinstance(expr, cst.Name):
            return self._name_no_gradient(expr, depth)
        if isinstance(
            expr,
            (
                cst.Integer,
                cst.Float,
                cst.Imaginary,
                cst.SimpleString,
                cst.ConcatenatedString,
                cst.FormattedString,
            ),
        ):
            return True
        if isinstance(expr, cst.Comparison):
            return True
        if depth <= 0:
            return False
        model = self.model
        # the parts of one expression: its size bounds them, ``depth`` bounds
        # the hops through names, attributes and calls
        if isinstance(expr, cst.UnaryOperation):
            return self.no_gradient_value(expr.expression, depth)
        if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
            return self.no_gradient_value(expr.left, depth) and self.no_gradient_value(
                expr.right, depth
            )
        if isinstance(expr, cst.IfExp):
            return self.no_gradient_value(expr.body, depth) and self.no_gradient_value(
                expr.orelse, depth
            )
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return all(
                isinstance(e, cst.Element) and self.no_gradient_value(e.value, depth)
                for e in expr.elements
            )
        if isinstance(expr, cst.Dict):
            return all(
                isinstance(e, cst.DictElement) and self.no_gradient_value(e.value, depth)
                for e in expr.elements
            )
        if isinstance(expr, cst.DictComp):
            return self.no_gradient_value(expr.value, depth - 1)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self.no_gradient_value(expr.elt, depth - 1)
        if isinstance(expr, cst.Subscript):
            return self.no_gradient_value(expr.value, depth)
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in _DETACHED_ATTRIBUTES or _names_a_data_source(expr.attr.value):
                return True
            if expr.attr.value in _PASSING_ATTRIBUTES:
                # ``df[cols].values``, ``X.T``: what the receiver holds
                return self.no_gradient_value(expr.value, depth - 1)
            if self._registered_buffer(expr):
                return True  # ``self.register_buffer("alphas", ...)``: no gradient
            kept = self._attribute_written_once(expr)
            if kept is not None:
                # ``self.sigmas = torch.exp(torch.linspace(...))`` of ``__init__``
                return self.no_gradient_value(kept, depth - 1)
            qualname = model.qualname(expr)
            # a module's attribute read as a value (``torch.float32``, ``np.pi``)
            return qualname is not None and qualname.split(".", 1)[0] in _CONSTANT_MODULES
        if isinstance(expr, cst.Call):
            qualname = model.qualname(expr.func)
            if qualname is not None:
                root = qualname.split(".", 1)[0]
                if qualname in apis.TRAINABLE_VARIABLES:
                    return _frozen_variable(expr)
                if qualname in apis.TENSOR_FACTORIES:
                    return all(
                        self._surely_false(a.value)
                        for a in expr.args
                        if a.keyword is not None
                        and a.keyword.value in ("requires_grad", "trainable")
                    )
                if qualname in _PYTHON_VALUE_BUILTINS or qualname in apis.ARGMAX:
                    return True
                if qualname in apis.DECODED_DATA:
                    return True  # ``tf.decode_raw(record, tf.float32)``: bytes read from a file
                if qualname in apis.AUTOGRAD_GRAD:
                    # gradients computed without a graph of their own, unless
                    # ``create_graph=True`` (a gradient penalty)
                    if any(a.star for a in expr.args):
                        return False
                    graph = argument(expr, 4, "create_graph")
                    return graph is None or self._surely_false(graph)
                if qualname in _ITEM_PASSING_BUILTINS or qualname in apis.ITERATION_WRAPPERS:
                    # ``tqdm(enumerate(coefs), desc=...)``: the items of what it wraps
                    wrapped = [
                        a for a in expr.args if a.keyword is None or a.keyword.value == "iterable"
                    ]
                    return bool(wrapped) and all(
                        not a.star and self.no_gradient_value(a.value, depth - 1) for a in wrapped
                    )
                if root in _DATA_MODULES or qualname in _DATA_READERS:
                    return True
                if root not in ("torch", "tensorflow", "keras"):
                    # ``power_compress(spec)`` of ``utils.py``: computed from
                    # what it is given
                    return self._other_module_helper(expr) and all(
                        not a.star and self.no_gradient_value(a.value, depth - 1) for a in expr.args
                    )
                if qualname.startswith(apis.TF_VARIABLE_MAKERS):
                    return False  # ``tf.layers.dense(x, 6)`` makes its weights
                if qualname in apis.TF_VARIABLE_LISTS:
                    # ``[tf.sqrt(tf.reduce_sum(tf.square(p))) for p in
                    # tf.trainable_variables()]``: the weights themselves
                    # (sjvasquez/handwriting-synthesis, audit s201)
                    return False
            elif isinstance(expr.func, cst.Attribute):
                if expr.func.attr.value in _DETACHING_METHODS:
                    return True
                if expr.func.attr.value == "requires_grad_":
                    return _frozen_variable(expr)
                method = self._own_method(expr)
                if method is not None:
                    # ``self._compute_grad(losses)`` of this class: what it returns
                    returns = [r.value for r in own_returns(method)]
                    if returns and all(
                        value is not None and self.no_gradient_value(value, depth - 1)
                        for value in returns
                    ):
                        return True
            else:
                lam = self._bound_lambda(expr.func)
                if lam is not None:
                    # ``sigma = lambda t: t`` of EDM's sampler (audit s164):
                    # computed from what it is given and what it reads
                    return all(
                        not a.star and self.no_gradient_value(a.value, depth - 1) for a in expr.args
                    ) and self._lambda_reads_no_gradient(lam, depth - 1)
                func = self._plain_function(expr.func)
                if func is not None:
                    # ``x = normalize(x)``: what it returns, from what its
                    # callers pass (its parameters: ``passed_to``)
                    returns = [r.value for r in own_returns(func)]
                    return bool(returns) and all(
                        value is not None and self.no_gradient_value(value, depth - 1)
                        for value in returns
                    )
                if self._other_module_helper(expr):
                    return all(
                        not a.star and self.no_gradient_value(a.value, depth - 1) for a in expr.args
                    )
            if self._other_module_without_grad(expr):
                return True
            operands = _call_operands(model, expr)
            return operands is not None and all(
                self.no_gradient_value(e, depth - 1) for e in operands
            )
        return False

    def _bound_lambda(self, func: cst.BaseExpression) -> cst.Lambda | None:
        """The lambda ``func`` names when that is its one binding."""
        if not isinstance(func, cst.Name):
            return None
        bindings = self.model.bindings(func) or []
        if len(bindings) != 1 or bindings[0].kind != "assign":
            return None
        node = bindings[0].node
        return node if isinstance(node, cst.Lambda) else None

    def _lambda_reads_no_gradient(self, lam: cst.Lambda, depth: int) -> bool:
        """Every name the lambda's body reads but its parameters and imported
        modules (``torch``, ``np``) holds no gradient."""
        params = {p.name.value for p in (*lam.params.posonly_params, *lam.params.params)}
        if lam.params.star_arg is not cst.MaybeSentinel.DEFAULT or lam.params.kwonly_params:
            return False
        for node in nodes_in(lam.body, cst.Name, memo=memo_of(self.model)):
            name = cast(cst.Name, node)
            parent = self.model.parent(name)
            if name.value in params or (isinstance(parent, cst.Attribute) and parent.attr is name):
                continue
            if any(b.kind == "import" for b in self.model.bindings(name) or ()):
                continue
            if not self.no_gradient_value(name, depth):
                return False
        return True

    def _own_method(self, call: cst.Call) -> cst.FunctionDef | None:
        """The method of this file's class (or a same-file base) that
        ``self.<name>(...)`` runs; None for anything else."""
        if self_attribute(call.func) is None:
            return None
        return loops(self.model).resolve_function(call)

    def _other_module_without_grad(self, call: cst.Call) -> bool:
        """``call`` runs another project module's function (an inherited
        method too: ``self._compute_grad(losses)``) whose every return holds
        no gradient (``FunctionSummary.no_grad``: gradients copied from
        ``p.grad.data``, a ``no_grad`` block, ``.item()``)."""
        if project_context() is None:
            return False
        # ``callee_summary`` follows an inherited ``self.<method>()`` too
        found = callee_summary(call, kinds_of(self.model).value_of)
        return found is not None and found[1].no_grad

    def _other_module_helper(self, call: cst.Call) -> bool:
        """``call`` runs another project module's function whose returns
        carry a gradient only through its parameters."""
        if project_context() is None:
            return False
        found = callee_summary(call, kinds_of(self.model).value_of)
        return found is not None and not found[3] and found[1].grad_from_params

    def _optimizer_method(self, func: cst.FunctionDef) -> bool:
        """``func`` is a method of an optimiser class: a base spelled
        ``...Optimizer``, or the update signature (``grad``, ``var``)."""
        cls = self._class_of(func)
        if cls is None:
            return False
        if _optimizer_class(self.model, cls):
            return True
        params = {p.name.value for p in func.params.params}
        return bool(params & {"grad", "gradient", "grads", "gradients"})

    def _registered_buffer(self, expr: cst.Attribute) -> bool:
        """``self.<attr>`` that the class around it registers as a buffer
        (``self.register_buffer("<attr>", t)``) and never assigns otherwise:
        buffers take no gradient (minDiffusion's DDIM schedule)."""
        if not (isinstance(expr.value, cst.Name) and expr.value.value == "self"):
            return False
        cls = self.model.enclosing(expr, cst.ClassDef)
        if not isinstance(cls, cst.ClassDef):
            return False
        ident = expr.attr.value
        registered = False
        for site in self.model.method_calls("register_buffer"):
            call = site.node
            first = call.args[0].value if call.args else None
            if literal_value(first) == ident and self.model.enclosing(call, cst.ClassDef) is cls:
                registered = True
        if not registered:
            return False
        # never rebound as an attribute (``self.alphas = nn.Parameter(...)``)
        return only_self_write(self.model, ident, _IN_PLACE_GRAD, cls) is None and not any(
            isinstance(t.target, cst.Attribute) and t.target.attr.value == ident
            for t in self.model.nodes_of_type(cst.AssignTarget)
            if isinstance(t, cst.AssignTarget)
        )

    def _attribute_written_once(self, expr: cst.Attribute) -> cst.BaseExpression | None:
        """What ``self.<attr>`` holds when the file writes that attribute name
        once, as ``self.<attr> = value`` in a method of the class reading it,
        and never changes it in place (``requires_grad_``, ``setattr``): the
        value; None otherwise."""
        if not (isinstance(expr.value, cst.Name) and expr.value.value == "self"):
            return None
        ident = expr.attr.value
        reader = self.model.enclosing(expr, cst.ClassDef)
        key = (ident, reader)
        if key not in self._attribute_writes:
            self._attribute_writes[key] = self._find_attribute_write(
                ident, reader if isinstance(reader, cst.ClassDef) else None
            )
        found = self._attribute_writes[key]
        if found is None:
            return None
        cls, value = found
        return value if self.model.enclosing(expr, cst.ClassDef) is cls else None

    def _find_attribute_write(
        self, ident: str, reader: cst.ClassDef | None = None
    ) -> tuple[cst.ClassDef, cst.BaseExpression] | None:
        # ``self.problems = None`` in ``__init__``, filled later (POMO's envs, audit s222)
        write = only_self_write(self.model, ident, _IN_PLACE_GRAD, reader, none_placeholders=True)
        if write is None:
            return None
        cls = self.model.enclosing(write[0], cst.ClassDef)
        return (cls, write[1]) if isinstance(cls, cst.ClassDef) else None

    def _entered_from_outside(self, func: cst.FunctionDef, seen: frozenset[cst.CSTNode]) -> bool:
        """Whether a call of ``func`` runs from outside the functions that
        call one another (module code, or a function nobody in the file
        calls): only then do its callers' arguments say what it receives
        (``a(x)`` calling ``b(x)`` calling ``a(x)`` feeds nothing in). A
        search of the callers, each visited once (the paths through a file's
        many ``forward`` methods are exponentially many)."""
        known = self._entered.get(func)
        if known is not None:
            return known
        visited: set[cst.CSTNode] = {func, *seen}
        todo = [func]
        found = False
        while todo and not found and len(visited) <= _MAX_CALLERS_SEARCHED:
            current = todo.pop()
            for site, _ in self._runs_of(current) or ():
                caller = self.model.enclosing(site, cst.FunctionDef)
                if caller is None:
                    found = True
                    break
                if caller in visited or not isinstance(caller, cst.FunctionDef):
                    continue
                visited.add(caller)
                sites = self._sites_of(caller)
                if not sites:
                    # nobody in the file calls it, or it is handed on
                    # (``mp.spawn(main, ...)``): entered from outside
                    found = True
                    break
                if sites:
                    todo.append(caller)
        if not seen:
            self._entered[func] = found
        return found

    def _sites_of(self, func: cst.FunctionDef) -> list[cst.Call] | None:
        if func not in self._sites:
            self._sites[func] = self._call_sites(func)
        return self._sites[func]

    def _plain_function(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """The same-file function ``func`` names (bound once, not a
        generator), whose returns say what a call of it gives."""
        return self.model.returning_function(func)

    def _name_no_gradient(self, name: cst.Name, depth: int) -> bool:
        if name.value in ("True", "False", "None") or _names_a_data_source(name.value):
            return True
        if self._name_no_gradient_anywhere(name, depth):
            return True
        if refilled_before(self.model, name, apis.RANDOM_REFILLS) is not None:
            return True  # ``w.normal_(0, 1)`` above: fresh draws, whatever ``w`` was
        # ``output = output.data`` just above this use: the value here, whatever
        # the name held before (a loop variable with a gradient)
        if depth > 0 and reaches_parameter(self.model, name):
            # ``f_t = f_t / norm`` below this use: here it is still the argument
            return self._param_no_gradient(name, depth)
        reached = reaching_assignment(self.model, name) if depth > 0 else None
        return (
            reached is not None
            and (self._computed_without_grad(reached) or self.no_gradient_value(reached, depth - 1))
            and not (
                isinstance(reached, _CONTAINERS) and not self._items_stored_no_gradient(name, depth)
            )
        )

    def _name_no_gradient_anywhere(self, name: cst.Name, depth: int) -> bool:
        """No binding of ``name`` in its scope gives it a gradient."""
        key = (self.model.scope_of(name).node, name.value)
        known = self._names_known.get(key)
        if known is not None:
            return known
        if key in self._names_active:
            return True  # ``x = f(x)``: x carries a gradient only if another binding does
        if len(self._names_active) >= _MAX_NAME_CHAIN:
            return False
        self._names_active.add(key)
        try:
            # a name's values are read afresh: the chain of names is bounded by
            # its own length, so cycles through rebindings (``f = stft(w);
            # r = f[..., 0]; f = sqrt(r ** 2)``) end at the name already asked
            found = self._bindings_no_gradient(name, _NAME_VALUE_DEPTH)
        finally:
            self._names_active.discard(key)
        self._names_known[key] = found
        return found

    def _bindings_no_gradient(self, name: cst.Name, depth: int) -> bool:
        bindings = self.model.bindings(name)
        if not bindings:
            return False
        for binding in bindings:
            if binding.kind == "import":
                qualname = binding.qualname or ""
                if qualname.split(".", 1)[0] not in ("math", "numpy"):
                    return False
                continue
            if binding.kind == "param":
                if not self._param_no_gradient(name, depth):
                    return False
                continue
            if binding.kind != "assign" or not isinstance(binding.node, cst.BaseExpression):
                value = self._unpacked_value(name, binding.node)
                if value is None or not (
                    self._computed_without_grad(value) or self.no_gradient_value(value, depth - 1)
                ):
                    return False
                continue
            if not (
                self._computed_without_grad(binding.node)
                or self.no_gradient_value(binding.node, depth - 1)
            ):
                return False
            if isinstance(binding.node, _CONTAINERS) and not self._items_stored_no_gradient(
                name, depth
            ):
                return False
        return True

    def _items_stored_no_gradient(self, name: cst.Name, depth: int) -> bool:
        """``Y = {}`` then ``with torch.no_grad(): Y[part] = gen(X[part])``:
        what the scope stores into the container ``name`` carries no gradient
        either (item assignments and ``append``/``update``-style calls)."""
        model = self.model
        scope = model.scope_of(name).node
        for assign in model.assignments.get(scope, []):
            for target in assign.targets:
                if _stores_into(target.target, name.value) and not (
                    self._computed_without_grad(assign.value)
                    or self.no_gradient_value(assign.value, depth - 1)
                ):
                    return False
        for use in self._uses_in(scope).get(name.value, ()):
            parent = model.parent(use)
            if isinstance(parent, cst.Subscript) and parent.value is use:
                holder = model.parent(parent)
                if isinstance(holder, cst.AugAssign) and holder.target is parent:
                    if not self.no_gradient_value(holder.value, depth - 1):
                        return False
                continue
            if not (isinstance(parent, cst.Attribute) and parent.value is use):
                continue
            call = model.parent(parent)
            if parent.attr.value in _FILLING_METHODS and isinstance(call, cst.Call):
                if not all(
                    self._computed_without_grad(a.value)
                    or self.no_gradient_value(a.value, depth - 1)
                    for a in call.args
                ):
                    return False
        return True

    def _param_no_gradient(self, name: cst.Name, depth: int) -> bool:
        """Every call hands the parameter ``name`` a value with no gradient
        (``def normalize(arr)`` called only here, with NumPy arrays)."""
        binding = next(b for b in self.model.bindings(name) or () if b.kind == "param")
        func = (
            self.model.enclosing(binding.node, cst.FunctionDef)
            if binding.node is not None
            else None
        )
        if _MASK_WORDS & set(name_words(name.value)):
            # ``mask``, ``attention_mask``, ``action_mask``: which positions
            # count, data of the batch (a soft mask a layer learns is computed
            # where it is used, not handed in under that name)
            return True
        passed = self.passed_to(name, rebound=True)
        if passed and all(isinstance(literal_value(v), (int, float, str, bool)) for v in passed):
            return True  # numbers only (a default, literals at the calls)
        if not passed and isinstance(func, cst.FunctionDef) and func.name.value == "__init__":
            # ``def __init__(self, n_fft=320, hop_length=160)`` built out of
            # sight: a setting, as its default says
            default = param_defaults(func.params).get(name.value)
            value = literal_value(default) if default is not None else NotImplemented
            return isinstance(value, (int, float, str, bool))
        if not passed and isinstance(func, cst.FunctionDef) and project_context() is not None:
            # called from other project files only (``crit_kd(f_s, f_t.detach())``)
            return self._external_no_gradient(func, name)
        return bool(
            passed
            and isinstance(func, cst.FunctionDef)
            and self._entered_from_outside(func, frozenset())
            and all(self._passed_without_gradient(v, depth) for v in passed)
        )

    def _computed_without_grad(self, value: cst.BaseExpression) -> bool:
        """``with torch.no_grad(): t = teacher(x)``: a tensor computed under
        ``no_grad`` has no history. Not a name or attribute read there (``w =
        self.weight`` is the parameter itself), nor what may hand its input
        back unchanged (``x.to(device)``, ``x.float()``, in-place ``x.add_(1)``,
        ``torch.as_tensor(x)``), nor a class built there (``nn.Linear(4, 2)``,
        ``nn.Parameter(t)``: its parameters are leaves that want a gradient)."""
        if not contexts(self.model).in_no_grad(value):
            return False
        inner: cst.BaseExpression = value
        while isinstance(inner, (cst.Subscript, cst.Attribute)) and isinstance(
            inner.value, (cst.Call, cst.Subscript, cst.Attribute)
        ):
            inner = inner.value  # ``teacher(x)[0]``, ``bert(x).last_hidden_state``
        if isinstance(inner, (cst.BinaryOperation, cst.UnaryOperation)):
            return True
        if not isinstance(inner, cst.Call):
            return False
        qualname = self.model.qualname(inner.func)
        if qualname is not None:
            last = qualname.rsplit(".", 1)[-1]
            return (
                qualname.split(".", 1)[0] == "torch"
                and not last[:1].isupper()
                and qualname not in apis.ARRAY_WRAPPERS
                and not any(
                    a.keyword is not None and a.keyword.value == "requires_grad" for a in inner.args
                )
            )
        func = inner.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in _RETURNS_MODULE or method.endswith("_") or method in _MAY_RETURN_SELF:
                # ``gen(x).cpu()``: what it moves was computed here too
                return isinstance(func.value, cst.Call) and self._computed_without_grad(func.value)
            return True
        return True  # a model or a layer applied

    def _unpacked_value(self, name: cst.Name, node: object) -> cst.BaseExpression | None:
        """``a, b = x.detach(), y.detach()``: what ``name`` receives (the
        binding of a tuple target records no value)."""
        if node is not None:
            return None
        scope = self.model.scope_of(name).node
        looped = self._loop_source(name, scope)
        if looped is not None:
            return looped
        for assign in self.model.assignments.get(scope, []):
            if len(assign.targets) != 1:
                continue
            target = assign.targets[0].target
            value = assign.value
            if not isinstance(target, (cst.Tuple, cst.List)):
                continue
            names = [e.value for e in target.elements]
            if not isinstance(value, (cst.Tuple, cst.List)):
                # ``wav, sr = torchaudio.load(path)``: each part of a value
                # with no gradient has none
                if any(isinstance(n, cst.Name) and n.value == name.value for n in names):
                    return value
                continue
            if len(value.elements) != len(target.elements):
                continue
            for t, v in zip(target.elements, value.elements, strict=True):
                if isinstance(t.value, cst.Name) and t.value.value == name.value:
                    return v.value
        return None

    def _loop_source(self, name: cst.Name, scope: cst.CSTNode) -> cst.BaseExpression | None:
        """``for c_pred, c_gt in zip(pred, gt)``: what the loop target ``name``
        takes its items from (the zipped or enumerated sequences as one tuple;
        an item of a value with no gradient has none); None when a loop of
        the scope does not bind it."""
        for use in names_in(scope, name.value, memo_of(self.model)):
            at: cst.CSTNode | None = self.model.parent(use)
            while isinstance(at, (cst.Element, cst.Tuple, cst.List)):
                at = self.model.parent(at)
            if not isinstance(at, (cst.For, cst.CompFor)) or not _contains(at.target, use):
                continue
            source = at.iter
            parts = iterated_parts(self.model, source)
            if parts is not None:
                sequences = [p for p in parts if p is not None]
                return cst.Tuple([cst.Element(p) for p in sequences]) if sequences else None
            return source
        return None

    # --- the loss path ----------------------------------------------------------

    def _loss_path(self, node: cst.CSTNode) -> bool | None:
        """True: ``node`` feeds a backpropagated loss of its scope; False: its
        scope backpropagates a loss that ``node``'s value never reaches; None:
        its scope backpropagates nothing (or it cannot be told)."""
        scope_node = _scope_node(self.model, node)
        found = self._slices.get(scope_node, _MISSING)
        if found is _MISSING:
            found = self._build_slice(scope_node)
            self._slices[scope_node] = found
        if found is None:
            return False if self._attribute_never_read_by_loss(node) else None
        assert isinstance(found, _Slice)
        for root in found.roots:
            if root is node or _contains(root, node):
                return True
        small = self.model.enclosing(node, cst.BaseSmallStatement)
        if small is None or _scope_node(self.model, small) is not scope_node:
            return None
        defined = _defined_names(self.model, small)
        if defined is None:
            return None
        if small in found.statements:
            return True
        # a nested ``def step(): loss.backward()`` may run whenever: it sees
        # whatever value the name holds then
        if defined & found.inner_reads or self._reads_names_by_text(*_LOCALS_BY_TEXT):
            return None
        if scope_node is self.model.module and self._reads_names_by_text("globals"):
            return None
        return False

    def _build_slice(self, scope_node: cst.CSTNode) -> _Slice | None:
        """The statements of ``scope_node`` whose values can flow into one of
        its loss roots: a definition counts only where it can reach the
        statement reading it -- above it, or in a loop around both. A
        script's ``img, loss = kept[i]`` after its gradient ascent does not
        pull everything ``kept`` holds into the ``loss`` differentiated above."""
        roots = [r for r in self._loss_roots if _scope_node(self.model, r) is scope_node]
        if not roots:
            return None
        statements = [
            _Statement(
                node,
                None if defined is None else defined - self._module_receivers(node),
                used,
                order,
                loops,
            )
            for order, (node, defined, used, loops) in enumerate(_ordered_statements(scope_node))
        ]
        where = {s.node: s for s in statements}
        todo: list[tuple[set[str], _Statement | None]] = []
        for root in roots:
            small = self.model.enclosing(root, cst.BaseSmallStatement)
            todo.append((_loaded_names(root), where.get(small) if small is not None else None))
        kept: set[cst.CSTNode] = set()
        while todo:
            names, reader = todo.pop()
            for statement in statements:
                defined = statement.defined
                if (
                    statement.node in kept
                    or defined is None
                    or not _overlap(defined, names)
                    or not _may_reach(statement, reader)
                    or self._killed_round_loop(statement, reader, names)
                ):
                    continue
                kept.add(statement.node)
                todo.append((statement.used, statement))
        return _Slice(tuple(roots), frozenset(kept), self._inner_reads(scope_node))

    def _attribute_never_read_by_loss(self, node: cst.CSTNode) -> bool:
        """``self.rmse = tf.sqrt(...)`` in a method of a TF1-style class whose
        other methods minimise ``self.loss``: a statement binding only
        attributes of ``self`` that no loss of the class reads, through any
        of its methods, and that nothing outside the class names."""
        model = self.model
        small = model.enclosing(node, cst.BaseSmallStatement)
        func = self._function_of(node)
        cls = self._class_of(func) if func is not None else None
        if small is None or cls is None or _scope_node(model, small) is not func:
            return False
        defined = _defined_names(model, small)
        if not defined or not all(n.startswith("self.") for n in defined):  # not bare ``self``
            return False
        kept = self._class_slice(cls)
        if kept is None or small in kept:
            return False
        attrs = {n.removeprefix("self.") for n in defined}
        methods = set(_class_statements(cls))
        for ref in model.nodes_of_type(cst.Attribute):
            assert isinstance(ref, cst.Attribute)
            if ref.attr.value not in attrs:
                continue
            if cls not in model.ancestors(ref) or _scope_node(model, ref) not in methods:
                return False  # ``net.rmse`` outside the class, or in a closure
        # a class minimising its own loss keeps its other tensors for
        # reports, unless a file loading it names them (a snippet: none)
        return named_where_loaded(attrs) is not True

    def _class_slice(self, cls: cst.ClassDef) -> frozenset[cst.CSTNode] | None:
        """The statements of ``cls``'s methods whose values may flow into a
        loss root in one of them, the methods taken in any order (each one's
        locals apart, ``self.<attr>`` shared); None when no method holds a
        root or a value may leave through what the walk cannot see."""
        found = self._class_slices.get(cls, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        model = self.model
        methods = [s for s in _class_statements(cls) if isinstance(s, cst.FunctionDef)]
        statements: list[tuple[cst.CSTNode, set[str] | None, set[str]]] = []
        todo: list[set[str]] = []
        for method in methods:
            own = method.name.value

            def local(names: set[str], own: str = own) -> set[str]:
                return {n if _is_self_name(n) else f"{own}:{n}" for n in names}

            for stmt, defined, used, _loops in _ordered_statements(method):
                if isinstance(stmt, cst.Return):
                    defined = {f"self.{own}"}  # what a call of the method gives
                statements.append((stmt, None if defined is None else local(defined), local(used)))
            todo.extend(
                local(_loaded_names(r)) for r in self._loss_roots if _scope_node(model, r) is method
            )
        if any(
            cls in model.ancestors(r) and _scope_node(model, r) not in methods
            for r in self._loss_roots
        ):
            todo = []  # a loss in a closure: its reads are out of this walk
        if not todo:
            self._class_slices[cls] = None
            return None
        kept: set[cst.CSTNode] = set()
        while todo:
            names = todo.pop()
            for stmt, defined, used in statements:
                if stmt in kept:
                    continue
                if defined is None or _overlap(defined, names):
                    kept.add(stmt)
                    todo.append(used)
        self._class_slices[cls] = frozenset(kept)
        return self._class_slices[cls]

    def _inner_reads(self, scope_node: cst.CSTNode) -> frozenset[str]:
        """The names of ``scope_node`` that functions defined inside it read
        (not bound again on the way out): a closure may run whenever, and may
        be handed to code that differentiates it (TRPO's ``get_loss`` given to
        ``trpo_step``), so what it reads may feed a loss."""
        model = self.model
        found: set[str] = set()
        for node in nodes_in(scope_node, cst.Name, memo=memo_of(model)):
            assert isinstance(node, cst.Name)
            inner = _scope_node(model, node)
            if inner is scope_node or inner is node:
                continue
            parent = model.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                continue
            if node.value not in found and _reads_outer(model, node, node.value, scope_node):
                found.add(node.value)
        return frozenset(found)

    def _killed_round_loop(
        self, definition: _Statement, reader: _Statement | None, names: set[str]
    ) -> bool:
        """``definition`` reaches ``reader`` only round a loop, and the loop
        body binds every name it shares with ``names`` again before ``reader``."""
        if reader is None or definition.order < reader.order or definition.defined is None:
            return False
        shared = definition.loops & reader.loops
        loop = self.model.parent(reader.node)
        while loop is not None and loop not in shared:
            loop = self.model.parent(loop)
        if loop is None:
            return False
        return all(
            rebound_before(self.model, reader.node, name, loop)
            for name in definition.defined & names
        )

    def _module_receivers(self, node: cst.CSTNode) -> set[str]:
        """``np.save(path, x)``: a call on an imported module changes no name
        (without this, everything saved would flow into a loss that reads ``np``)."""
        if not isinstance(node, cst.Expr) or not isinstance(node.value, cst.Call):
            return set()
        func = node.value.func
        if not isinstance(func, cst.Attribute):
            return set()
        receiver = func.value
        while isinstance(receiver, cst.Attribute):
            receiver = receiver.value
        if not isinstance(receiver, cst.Name):
            return set()
        bindings = self.model.bindings(receiver)
        if bindings and all(b.kind == "import" for b in bindings):
            return {receiver.value}
        return set()

    @cached_property
    def _notebook_never_trains(self) -> bool:
        """A notebook, or a script no other project file loads, that builds no
        optimiser, differentiates nothing and fits nothing: an inference or
        analysis program, where no gradient is ever taken."""
        model = self.model
        if self._loss_roots or loops(model).optimizer_ctors:
            return False
        trains = self._training_calls
        if any(s.method != "train" for s in trains):
            return False
        if (
            _runs_as_script(model.module)
            and imported_elsewhere() is False
            and imports_training() is False
        ):
            # a script no file loads, whose own text and the project modules
            # it imports have no word of training (an RBM trained by hand with
            # its own ``rbm.train(...)``, reporting its RMSE): nothing is ever
            # differentiated
            return True
        if trains:
            return False
        if str(getattr(model, "path", "")).endswith(".ipynb"):
            return True
        # a script that loads trained weights and evaluates them, which no
        # other project file loads (a module others import may be trained
        # there; a lone snippet may be a piece of a training program)
        if not any(True for _ in model.method_calls(*_WEIGHT_LOADING_METHODS)):
            return False
        if not any(True for _ in model.method_calls("eval", "predict")):
            return False
        return imported_elsewhere() is False

    @cached_property
    def trains_here(self) -> bool:
        """Whether the file itself may train: it backpropagates, builds an
        optimiser or calls a training method (``fit``, ``step``, ``train``...)
        that is not a classic model's."""
        return bool(self._loss_roots or loops(self.model).optimizer_ctors or self._training_calls)

    @cached_property
    def _training_calls(self) -> list[CallSite]:
        """The file's calls of training methods, less a classic model's ``fit``."""
        return [
            s
            for s in self.model.method_calls(*_TRAINING_METHODS)
            if not self._fits_a_classic_model(s.node)
        ]

    def _fits_a_classic_model(self, call: cst.Call) -> bool:
        """``knn.fit(embeddings)`` on an sklearn (or boosting library) object
        built in the file: no gradient is taken there."""
        func = call.func
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return False
        bindings = self.model.bindings(func.value) or []
        values = [b.node for b in bindings if b.kind == "assign"]
        # `del knn` (Kaggle's memory hygiene) binds nothing
        scope = self.model.scope_of(func).node
        name = func.value.value
        deleted = len(
            [
                node
                for node in self.model.nodes_of_type(cst.Del)
                if isinstance(node, cst.Del)
                and self.model.scope_of(node).node is scope
                and name in _deleted_names(node)
            ]
        )
        return (
            bool(values)
            and len(values) + deleted == len(bindings)
            and all(
                isinstance(v, cst.Call)
                and (self.model.qualname(v.func) or "").startswith(apis.CLASSIC_ML_PREFIXES)
                for v in values
            )
        )

    @cached_property
    def _loss_roots(self) -> list[cst.BaseExpression]:
        model = self.model
        roots: list[cst.BaseExpression] = []
        for event in loops(model).events:
            if event.kind == "backward" and event.loss is not None:
                roots.append(event.loss)
        # TF1's ``opt.compute_gradients(loss)`` before ``apply_gradients``, as ``minimize``
        for site in model.method_calls("minimize", "gradient", "compute_gradients"):
            call = site.node
            if call.args and call.args[0].keyword is None:
                roots.append(call.args[0].value)
            else:
                for arg in call.args:
                    if arg.keyword is not None and arg.keyword.value in ("loss", "target"):
                        roots.append(arg.value)
            func = model.enclosing(call, cst.FunctionDef)
            if (
                isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "gradient"
                and isinstance(func, cst.FunctionDef)
                and self._called_in_tape(func)
            ):
                # TF2's gradient penalty: an outer tape records the inner
                # tape's gradients, differentiated again through what the
                # function returns into its caller's loss
                roots.extend(r.value for r in own_returns(func) if r.value is not None)
        for site in model.method_calls(apis.KERAS2_GET_UPDATES):
            # Keras 2's graph-mode training: ``opt.get_updates(params, [],
            # loss)`` (2.0) or ``opt.get_updates(loss, params)`` (2.1 on)
            loss = _keras2_updates_loss(site.node)
            if loss is not None:
                roots.append(loss)
        for site in model.calls_to(*apis.AUTOGRAD_GRAD, *apis.SYMBOLIC_GRADIENTS):
            if site.node.args:
                roots.append(site.node.args[0].value)
            symbolic = site.qualname in apis.SYMBOLIC_GRADIENTS
            if symbolic or literal_value(argument(site.node, 4, "create_graph")) is True:
                # a gradient penalty: the gradients are differentiated again,
                # through what the function returns into its caller's loss
                func = model.enclosing(site.node, cst.FunctionDef)
                if isinstance(func, cst.FunctionDef) and not (
                    symbolic and func in self._evaluating_functions
                ):
                    roots.extend(r.value for r in own_returns(func) if r.value is not None)
                    roots.extend(_kept_losses(model, func))
        return roots

    @cached_property
    def _evaluating_functions(self) -> set[cst.FunctionDef]:
        """Functions that evaluate their symbolic graph to NumPy (``iterate =
        K.function(...)``: a gradient ascent, a filter visualisation): what
        they return is no loss of their caller."""
        found: set[cst.FunctionDef] = set()
        for site in self.model.calls_to(*apis.SYMBOLIC_EVALUATION):
            func = self.model.enclosing(site.node, cst.FunctionDef)
            if isinstance(func, cst.FunctionDef):
                found.add(func)
        return found

    def _in_data_mapping(self, node: cst.CSTNode) -> bool:
        """``df.apply(lambda x: (x - x.mean()) / x.std())``, ``ds.map(lambda x:
        ...)``: a lambda handed to a pandas/tf.data/datasets mapping method
        transforms data (torch's in-place ``apply_``/``map_`` have an underscore)."""
        lam = self.model.enclosing(node, cst.Lambda, cst.FunctionDef)
        if not isinstance(lam, cst.Lambda):
            return False
        arg = self.model.parent(lam)
        if not isinstance(arg, cst.Arg) or arg.value is not lam:
            return False
        call = self.model.parent(arg)
        if (
            isinstance(call, cst.Call)
            and self.model.qualname(call.func) in apis.DATA_TRANSFORM_WRAPPERS
        ):
            return True  # ``transforms.Lambda(lambda x: gcn(x, scale="l1"))``: per sample
        return (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in _DATA_MAPPINGS
            and self.model.qualname(call.func) is None
        )

    def _called_in_tape(self, func: cst.FunctionDef) -> bool:
        """Some call of ``func`` in the file runs inside a ``tf.GradientTape()``
        block (``c_gp = self.gradient_penalty(...)`` in a ``train_step``)."""
        sites = self._call_sites(func)
        return bool(sites) and any(self._in_tape(call) for call in sites or ())

    def _in_tape(self, node: cst.CSTNode) -> bool:
        child = node
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, cst.With) and child is ancestor.body:
                for item in ancestor.items:
                    call = item.item
                    func = call.func if isinstance(call, cst.Call) else call
                    if self.model.qualname(func) in apis.GRADIENT_TAPES:
                        return True
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                return False
            child = ancestor
        return False


@dataclass(frozen=True)
class _Slice:
    roots: tuple[cst.BaseExpression, ...]
    #: the statements whose values can flow into one of the roots
    statements: frozenset[cst.CSTNode]
    #: the scope's names that a function defined inside it reads
    inner_reads: frozenset[str]


@dataclass(frozen=True)
class _Statement:
    node: cst.CSTNode
    #: the names it can change (None: it may hand values anywhere)
    defined: set[str] | None
    used: set[str]
    #: its place in the source
    order: int
    #: the loops of its scope around it
    loops: frozenset[cst.CSTNode]


def _may_reach(definition: _Statement, reader: _Statement | None) -> bool:
    """Whether what ``definition`` binds can still be there when ``reader``
    runs: it comes first, or a loop around both brings it round again (an
    unknown reader: it may)."""
    if reader is None or definition.order < reader.order:
        return True
    return bool(definition.loops & reader.loops)


_MISSING = object()

#: builtins reading a function's locals by their text
_LOCALS_BY_TEXT = ("locals", "vars", "eval", "exec")


def _names_a_data_source(name: str) -> bool:
    """A loader or data set by its name (``self.train_ds``, ``trainloader``,
    ``val_dl``): what it yields is data, never a value with a gradient, even
    when where it was built is out of sight (another module's ``load_data``)."""
    lowered = name.lower()
    if "loader" in lowered or "dataset" in lowered:
        return True
    # ``train_ds``, ``val_dl``; not a bare ``ds``/``dl`` (an arc length, a
    # difference of losses in a hand-written derivative)
    tokens = name_tokens(name)
    return len(tokens) > 1 and bool({"ds", "dl"} & set(tokens))


def _built_fields(cls: cst.ClassDef) -> set[str]:
    """The attributes ``cls`` binds only to what a call builds
    (``self.enc = nn.Conv2d(3, 1, 1)``): its submodules and helpers."""
    built: set[str] = set()
    other: set[str] = set()
    for node in _walk(cls):
        if not isinstance(node, cst.Assign):
            continue
        for target in node.targets:
            field = self_attribute(target.target)
            if field is None:
                continue
            value = node.value
            maker = value.func if isinstance(value, cst.Call) else None
            # a call of ``self``'s own (``self.fn = self.make()``) may hand it back
            from_self = isinstance(maker, cst.Attribute) and (
                isinstance(maker.value, cst.Name) and maker.value.value == "self"
            )
            (built if maker is not None and not from_self else other).add(field)
    return built - other


def _class_statements(cls: cst.ClassDef) -> list[cst.BaseStatement]:
    body = cls.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _is_target(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``self.kd`` written (``self.kd = ...``, ``self.kd += ...``, ``del self.kd``)."""
    parent = model.parent(expr)
    if isinstance(parent, (cst.AssignTarget, cst.Del)):
        return True
    return isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is expr


def _is_metric_class(cls: cst.ClassDef) -> bool:
    methods = {s.name.value for s in cls.body.body if isinstance(s, cst.FunctionDef)}
    if "compute" in methods and methods & _METRIC_UPDATES:
        return True
    if "result" in methods and "update_state" in methods:
        return True
    for base in cls.bases:
        text = dotted_text(base.value) or ""
        if text.rsplit(".", 1)[-1].endswith("Metric"):
            return True
    return False


#: the methods of an optimiser that compute the update from gradients already
#: taken (Keras 2 ``get_updates``, TF2's ``_resource_apply_*``, Keras 3's
#: ``update_step``, a torch ``Optimizer`` subclass's ``step``: LAMB, LARS on
#: ``p.grad.data``): nothing differentiates them
_OPTIMIZER_UPDATES = frozenset(
    {
        "step",
        "get_updates",
        "_resource_apply_dense",
        "_resource_apply_sparse",
        "_resource_apply_sparse_duplicate_indices",
        "_apply_dense",
        "_apply_sparse",
        "update_step",
        "apply_gradients",
    }
)

#: what changes a kept tensor after its assignment (may make it require or hold gradients)
_IN_PLACE_GRAD = frozenset({"requires_grad_", "requires_grad", "set_", "copy_", "data"})

#: ``compile`` keywords whose functions Keras evaluates outside the gradient tape


def _deleted_names(node: cst.Del) -> set[str]:
    """The plain names ``del a, b`` unbinds."""
    targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
    return {
        value.value
        for target in targets
        for value in [target.value if isinstance(target, cst.Element) else target]
        if isinstance(value, cst.Name)
    }


def _is_data_mapping_argument(model: ModuleIndex, ref: cst.CSTNode) -> bool:
    """``ds.map(parse)``, ``df.apply(clean)``: ``ref`` is the function a
    pandas/tf.data/datasets mapping method runs on every element (either
    branch of ``ds.map(parse_labeled if labeled else parse)`` too)."""
    parent = model.parent(ref)
    if isinstance(parent, cst.IfExp) and ref in (parent.body, parent.orelse):
        ref = parent
    arg = model.parent(ref)
    if not isinstance(arg, cst.Arg) or arg.value is not ref:
        return False
    call = model.parent(arg)
    return (
        isinstance(call, cst.Call)
        and call.args[0] is arg
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value in _DATA_MAPPINGS
        and model.qualname(call.func) is None
    )


def _is_keras_metric(model: ModuleIndex, ref: cst.Name) -> bool:
    """``ref`` is a function handed to ``compile(metrics=...)``: itself, or an
    element (a list, a tuple, a dict's value) of that argument."""
    node: cst.CSTNode = ref
    parent = model.parent(node)
    if isinstance(parent, cst.Element) and parent.value is node:
        node = model.parent(parent) or parent
        parent = model.parent(node)
    elif isinstance(parent, cst.DictElement) and parent.value is node:
        node = model.parent(parent) or parent
        parent = model.parent(node)
    if not (isinstance(parent, cst.Arg) and parent.value is node and parent.keyword is not None):
        return False
    if parent.keyword.value not in apis.KERAS_METRIC_KEYWORDS:
        return False
    call = model.parent(parent)
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "compile"
    )


def _keras2_updates_loss(call: cst.Call) -> cst.BaseExpression | None:
    """The loss of a Keras 2 optimiser's ``get_updates`` call."""
    keyword = next((a.value for a in call.args if a.keyword and a.keyword.value == "loss"), None)
    if keyword is not None:
        return keyword
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if len(positional) == 3:
        return positional[2]
    if len(positional) == 2 and not isinstance(positional[0], (cst.List, cst.Tuple)):
        named = dotted_text(positional[0]) or ""
        last = named.rsplit(".", 1)[-1].lower()
        return None if "weight" in last or "param" in last else positional[0]
    return None


def _keras_custom_object(model: ModuleIndex, ref: cst.Name) -> bool:
    """``ref`` is a value of the ``custom_objects={...}`` dict a Keras model
    is loaded with: named so that the saved configuration can find it, not
    called here."""
    element = model.parent(ref)
    if not (isinstance(element, cst.DictElement) and element.value is ref):
        return False
    arg = model.parent(model.parent(element) or element)
    return (
        isinstance(arg, cst.Arg)
        and arg.keyword is not None
        and arg.keyword.value == apis.KERAS_CUSTOM_OBJECTS
    )


def _in_unpacking_target(model: ModuleIndex, name: cst.Name) -> bool:
    """``name`` is a part of a tuple or list assignment target (``a, b = ...``)."""
    child: cst.CSTNode = name
    parent = model.parent(name)
    inside = False
    while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
        if isinstance(parent, (cst.Element, cst.StarredElement)) and parent.value is not child:
            return False
        inside = inside or isinstance(parent, (cst.Tuple, cst.List))
        child, parent = parent, model.parent(parent)
    return inside and isinstance(parent, cst.AssignTarget) and parent.target is child


def _builds_keras_training(func: cst.FunctionDef) -> bool:
    """``func`` (or a function nested in it) compiles a model with a loss or
    fits one: Keras trains what it built there."""
    for call in calls_in(func.body):
        callee = call.func
        if not isinstance(callee, cst.Attribute):
            continue
        if callee.attr.value in apis.KERAS_FIT_METHODS:
            return True
        if callee.attr.value == "compile" and argument(call, 1, "loss") is not None:
            return True
    return False


def _is_detached_target(target: cst.BaseExpression) -> bool:
    """``w.data``, ``w.data[:, 0]``: a write that autograd does not record."""
    while isinstance(target, cst.Subscript):
        target = target.value
    return isinstance(target, cst.Attribute) and target.attr.value == "data"


def _frozen_variable(call: cst.Call) -> bool:
    """``nn.Parameter(t, requires_grad=False)``, ``tf.Variable(v, trainable=False)``,
    ``t.requires_grad_(False)``: a literal ``False`` says no gradient; anything
    else is a trainable leaf."""
    for arg in call.args:
        named = arg.keyword.value if arg.keyword is not None else None
        if named in ("requires_grad", "trainable") or (
            named is None
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "requires_grad_"
        ):
            return isinstance(arg.value, cst.Name) and arg.value.value == "False"
    return False


def _another_variable(model: ModuleIndex, ref: cst.Name, func: cst.FunctionDef) -> bool:
    """``ref`` names a variable of another scope, bound only by assignments
    (``gp = tf.square(...)`` in a method named ``gp``), never ``func``."""
    bindings = model.bindings(ref) or []
    return bool(bindings) and all(
        b.kind in ("assign", "other") and b.node is not func for b in bindings
    )


#: literal containers whose items a scope may fill later (``Y = {}``)
_CONTAINERS = (cst.Dict, cst.List, cst.Set, cst.DictComp, cst.ListComp, cst.SetComp)

#: methods that put their arguments into a container
_FILLING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault", "add"})


def _stores_into(target: cst.BaseExpression, name: str) -> bool:
    """``name[k] = ...`` (also ``name[k][j] = ...``)."""
    if not isinstance(target, cst.Subscript):
        return False
    while isinstance(target, cst.Subscript):
        target = target.value
    return isinstance(target, cst.Name) and target.value == name


#: words of a parameter's name that say it holds a mask of the batch
_MASK_WORDS = frozenset({"mask", "masks"})


def _kept_losses(model: ModuleIndex, func: cst.FunctionDef) -> list[cst.BaseExpression]:
    """What ``func`` adds to a loss it keeps on ``self`` (``self.d_loss +=
    gp``): a graph-building GAN method's output, as a return is a function's
    (musegan's WGAN-GP penalty, audit s230)."""
    found: list[cst.BaseExpression] = []
    for node in nodes_in(func, cst.Assign, cst.AugAssign, memo=memo_of(model)):
        if model.enclosing(node, cst.FunctionDef) is not func:
            continue
        targets = (
            [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]  # type: ignore[attr-defined]
        )
        if any(
            isinstance(t, cst.Attribute)
            and isinstance(t.value, cst.Name)
            and t.value.value == "self"
            and _GRAD_ROOT_TOKENS & set(name_tokens(t.attr.value))
            for t in targets
        ):
            found.append(node.value)  # type: ignore[attr-defined]
    return found


def _self_attributes(target: cst.BaseExpression) -> Iterator[cst.Attribute]:
    """The ``self.<attr>`` targets in an assignment target (``self.a, b = ...``
    too)."""
    if isinstance(target, cst.Attribute):
        if isinstance(target.value, cst.Name) and target.value.value == "self":
            yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _self_attributes(element.value)


def _builds_other(model: ModuleIndex, value: cst.BaseExpression, cls: cst.ClassDef) -> bool:
    """``value`` builds an object of a class other than ``cls``: a call of a
    class spelled with a capital (``DDP(...)``, ``nn.Linear(4, 2)``,
    ``TSCNet(...).cuda()``), maybe moved to a device."""
    while (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in apis.DEVICE_MOVES
    ):
        value = value.func.value
    if not isinstance(value, cst.Call):
        return False
    name = (
        value.func.attr.value
        if isinstance(value.func, cst.Attribute)
        else (value.func.value if isinstance(value.func, cst.Name) else "")
    )
    return name[:1].isupper() and name != cls.name.value


def _call_operands(model: ModuleIndex, call: cst.Call) -> list[cst.BaseExpression] | None:
    """What a framework function or tensor method computes from: its receiver
    and arguments; None for calls of other things (user functions, layers)."""
    qualname = model.qualname(call.func)
    operands = [a.value for a in call.args]
    if qualname is not None:
        if qualname in apis.INDEX_SAMPLERS:
            return []  # ``torch.multinomial(probs, 1)``: integer indices, no gradient
        if qualname in apis.INDEXED_READS:
            # ``torch.gather(x, 1, idx)``: the values of ``x``; an index has no gradient
            return operands[:1]
        return operands if qualname.split(".", 1)[0] in ("torch", "tensorflow", "keras") else None
    func = call.func
    if isinstance(func, cst.Attribute):
        if func.attr.value in _INDEX_SAMPLING_METHODS:
            return []
        if func.attr.value in _INDEXED_READ_METHODS:
            return [func.value]  # ``x.gather(1, idx)`` (POMO's tour lengths, audit s222)
        if func.attr.value in apis.SHAPE_ARGUMENT_METHODS | apis.DEVICE_MOVES:
            # ``grid.repeat(n, 1)``: n is a count; ``x.to(other)`` takes only
            # the device and dtype of ``other``, never its gradient
            return [func.value]
        return [func.value, *operands]
    return None


def _optimizer_class(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """A class with a base spelled ``...Optimizer`` (torch's, Keras's, a
    wrapper's)."""
    return any("ptimizer" in model.code(base.value) for base in cls.bases)


def _runs_as_script(module: cst.Module) -> bool:
    """A module with a program of its own: a top-level loop or ``with``, an
    ``if __name__ == "__main__":``, or calls made at the top level (two at
    least: a library module may set up a logger or a seed)."""
    calls = 0
    for stmt in module.body:
        if isinstance(stmt, (cst.For, cst.While, cst.With)):
            return True
        if isinstance(stmt, cst.If) and is_main_guard(stmt.test):
            return True
        if isinstance(stmt, cst.SimpleStatementLine):
            calls += sum(
                isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
                for small in stmt.body
            )
    return calls >= 2


def _reads_outer(model: ModuleIndex, node: cst.CSTNode, name: str, scope_node: cst.CSTNode) -> bool:
    """Whether ``name`` read at ``node`` is the one of the enclosing
    ``scope_node`` (no function in between binds it)."""
    scope = model.scope_of(node)
    while scope.parent is not None and scope.node is not scope_node:
        if name in scope.globals:
            return scope_node is model.module
        if name in scope.bindings:
            return False
        scope = scope.parent
    return True


def _scope_node(model: ModuleIndex, node: cst.CSTNode) -> cst.CSTNode:
    found = model.enclosing(node, cst.FunctionDef, cst.Lambda)
    return found if found is not None else model.module


def _contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    return any(n is inner for n in _walk(outer))


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(current.children)


def _loaded_names(node: cst.CSTNode) -> set[str]:
    """Every name read, ``self.<attr>`` as one name (a model class's
    ``__init__`` keeps its loss and its evaluation tensors on ``self``: they
    must not all flow into each other through ``self``)."""
    found: set[str] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if type(current) is cst.Attribute and _is_self(current.value):  # type: ignore[attr-defined]
            found.add(f"self.{current.attr.value}")  # type: ignore[attr-defined]
            continue
        if type(current) is cst.Name:
            found.add(current.value)  # type: ignore[attr-defined]
        todo.extend(current.children)
    return found


def _read_names(small: cst.BaseSmallStatement) -> set[str]:
    """The names a simple statement reads: ``loss = K.mean(out)`` reads
    ``K`` and ``out``, not the ``loss`` it replaces (an attribute or item
    target reads its object)."""
    if not isinstance(small, cst.Assign):
        return _loaded_names(small)
    found = _loaded_names(small.value)
    todo: list[cst.BaseExpression] = [t.target for t in small.targets]
    while todo:
        target = todo.pop()
        if isinstance(target, (cst.Tuple, cst.List)):
            todo.extend(e.value for e in target.elements)
        elif not isinstance(target, cst.Name):
            found |= _loaded_names(target)
    return found


def _is_self_name(name: str) -> bool:
    """``self`` or ``self.<attr>`` as the slices spell them."""
    return name == "self" or name.startswith("self.")


def _is_self(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Name and expr.value == "self"  # type: ignore[attr-defined]


def _overlap(defined: set[str], names: set[str] | frozenset[str]) -> bool:
    """Whether a statement defining ``defined`` may change one of ``names``: a
    bare ``self`` (a method called on it, ``self`` handed on) reaches every
    ``self.<attr>``."""
    if defined & names:
        return True
    if "self" in defined and any(name.startswith("self.") for name in names):
        return True
    return "self" in names and any(name.startswith("self.") for name in defined)


def _root_name(expr: cst.BaseExpression) -> str | None:
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        if isinstance(expr, cst.Attribute) and _is_self(expr.value):
            return f"self.{expr.attr.value}"
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _defined_names(model: ModuleIndex, small: cst.CSTNode) -> set[str] | None:
    """The names a small statement can change (assignment targets, receivers
    of method calls); None when it may hand values anywhere (``return``,
    ``yield``, a call of a plain function)."""
    targets: list[cst.BaseExpression] = []
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        targets = [small.target]
    elif isinstance(small, cst.Expr):
        value = small.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            root = _root_name(value.func.value)
            return {root} if root is not None else None
        return None
    else:
        return None
    names: set[str] = set()
    for target in targets:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                root = _root_name(element.value)
                if root is None:
                    return None
                names.add(root)
            continue
        root = _root_name(target)
        if root is None:
            return None
        names.add(root)
    return names


def _ordered_statements(
    scope_node: cst.CSTNode,
) -> Iterator[tuple[cst.CSTNode, set[str] | None, set[str], frozenset[cst.CSTNode]]]:
    """(statement, names it defines, names it reads, loops around it) for the
    statements of a scope (not of nested functions or classes), in source
    order; ``for`` targets read the iterable and ``with ... as`` names read
    the context expression."""
    todo: list[tuple[cst.CSTNode, frozenset[cst.CSTNode]]] = [(scope_node, frozenset())]
    first = True
    while todo:
        node, loops = todo.pop()
        if not first and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        first = False
        if isinstance(node, cst.BaseSmallStatement):
            yield node, _defined_names_plain(node), _read_names(node), loops
            continue
        if isinstance(node, cst.For):
            yield node, target_names(node.target), _loaded_names(node.iter), loops
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    yield item, target_names(item.asname.name), _loaded_names(item.item), loops
        inner = loops | {node} if isinstance(node, (cst.For, cst.While)) else loops
        todo.extend((child, inner) for child in reversed(node.children))


def _defined_names_plain(small: cst.CSTNode) -> set[str] | None:
    if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Expr)):
        targets: list[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            targets = [small.target]
        else:
            value = small.value
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                targets = [value.func.value]
        names: set[str] = set()
        for target in targets:
            names |= target_names(target)
        return names
    return None


def target_names(target: cst.BaseExpression) -> set[str]:
    """The names an assignment target binds (``a, (b, *c) = ...``), an
    attribute or item target by its root (``self.x`` as "self.x")."""
    if isinstance(target, (cst.Tuple, cst.List)):
        found: set[str] = set()
        for element in target.elements:
            found |= target_names(element.value)
        return found
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    root = _root_name(target)
    return {root} if root is not None else set()


def gradients(model: ModuleIndex) -> GradientFacts:
    """The gradient facts of ``model``, built on first use and kept on the model."""
    return model.analysis(GradientFacts)


class _FromParams(GradientFacts):
    """Gradient facts where the parameters of one function (``of``) are taken
    to carry none: what its returns carry then comes from elsewhere."""

    of: cst.FunctionDef | None = None

    def _param_no_gradient(self, name: cst.Name, depth: int) -> bool:
        binding = next(b for b in self.model.bindings(name) or () if b.kind == "param")
        if (
            binding.node is not None
            and self.model.enclosing(binding.node, cst.FunctionDef) is self.of
        ):
            return True
        return super()._param_no_gradient(name, depth)


def returns_only_from_params(model: ModuleIndex, func: cst.FunctionDef) -> bool:
    """Every ``return`` of ``func`` carries a gradient only if an argument
    does: computed from its parameters, constants and framework operations
    (``power_compress(spec)``), no layer, no module-level tensor, no call of
    something unknown. A call of it from another module whose arguments carry
    no gradient gives none (``FunctionSummary.grad_from_params``)."""
    if not func.params.params or func in model.generators:
        return False
    returns = [r.value for r in own_returns(func)]
    if not returns or any(value is None for value in returns):
        return False
    facts = model.analysis(_FromParams)
    if facts.of is not func:
        # what was learnt under another function's assumption does not hold
        facts.of = func
        facts._names_known.clear()
        facts._answers.clear()
    return all(value is not None and facts.no_gradient_value(value) for value in returns)


def _stores_on_self(func: cst.FunctionDef) -> bool:
    """``func`` assigns an attribute of ``self`` (``self.loss = ...``)."""
    return any(
        self_attribute(cast(cst.AssignTarget, node).target) is not None
        for node in nodes_in(func, cst.AssignTarget)
    )


def _detached_chain(expr: cst.BaseExpression, name: str) -> bool:
    """``name.cpu().detach().numpy()``: a method chain on ``name`` that
    detaches on the way."""
    detaches = False
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        method = expr.func.attr.value
        if method in _DETACHING_METHODS:
            detaches = True
        elif method not in _PASSING_METHODS:
            return False
        expr = expr.func.value
    return detaches and isinstance(expr, cst.Name) and expr.value == name


def _values_discarded(model: ModuleIndex, call: cst.Call) -> bool:
    """``_, idx = <call>``: the values thrown away, the indices kept
    (ParticleNet's EdgeConv neighbours, audit s224)."""
    assign = model.parent(call)
    if not (isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1):
        return False
    target = assign.targets[0].target
    return (
        isinstance(target, (cst.Tuple, cst.List))
        and len(target.elements) == 2
        and isinstance(target.elements[0].value, cst.Name)
        and target.elements[0].value.value == "_"
    )
