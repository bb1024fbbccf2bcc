"""The program's structure: rounds to a fixed point, functions run once per
round, calls of same-file functions and classes, parameters pinned by call
sites, escapes, closures, module names, ``self`` attributes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import libcst as cst

from lossflint.analysis.calls import in_super_arguments, literal_value
from lossflint.analysis.function_values import module_factories, value_calls
from lossflint.analysis.interpreter.base import Env, Frame, V
from lossflint.analysis.interpreter.expressions import Expressions
from lossflint.analysis.interpreter.specialise import (
    handed_parameters,
    literal_arguments,
    tested_parameters,
)
from lossflint.analysis.interpreter.statements import Statements
from lossflint.analysis.interpreter.syntax import (
    argument_names,
    binding_function,
    init_family,
    is_classmethod,
    is_static,
    kept_init,
    param_defaults,
    param_names,
    passed_through,
    statements_of,
    top_classes,
)
from lossflint.analysis.item_scope import item_functions, only_item
from lossflint.analysis.names import dotted_text, module_receiver, qualname_of_bindings
from lossflint.analysis.registries import only_called
from lossflint.analysis.values import (
    ClassRef,
    Foreign,
    FunctionRef,
    Instance,
    Instances,
    OneOf,
    Thunk,
)
from lossflint.analysis.walk import calls_in, memo_of, names_in, nodes_in
from lossflint.project import bridge, callers
from lossflint.project.context import FOR_SUMMARY, PIN_EXTERNAL
from lossflint.project.context import current as project_context
from lossflint.project.summary import CallRecord, SClass, SInstance

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Scope

#: rounds of the module's functions: a parameter's value reaches one more level
#: of calls each round (``train_iters(dec)`` -> ``train(decoder)`` ->
#: ``loss(out)`` takes four); a module stops as soon as nothing changes
MAX_ROUNDS = 5
_ABSENT = object()


def _defaults_left(
    func: cst.FunctionDef, tested: frozenset[str], record: CallRecord
) -> dict[str, object]:
    """The literal defaults of ``func``'s parameters in ``tested`` that another
    file's call (``record``) leaves out: what they hold in that run."""
    params = func.params
    in_order = [p.name.value for p in (*params.posonly_params, *params.params)]
    passed = set(in_order[: len(record.args)]) | set(record.keywords)
    found: dict[str, object] = {}
    for name, default in param_defaults(params).items():
        if name in tested and name not in passed:
            value = literal_value(default)
            if value is not NotImplemented:
                found[name] = value
    return found


def _hashable(value: object) -> bool:
    """A literal a specialisation can be keyed by (not ``[1, 2]``)."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


MAX_DEPTH = 40  # nested on-demand function runs


@dataclass(frozen=True)
class _Init:
    cls: cst.ClassDef
    init: cst.FunctionDef


class Interpreter(Statements[V], Expressions[V]):
    """The engine. A domain subclasses it and overrides the hooks of ``Base``."""

    #: module names a function reads hold what its same-file call sites see
    #: (joined; program order) instead of their value at the module's end: the
    #: domain's choice (a join of different call sites' values may lose a fact
    #: every one of them has)
    GLOBALS_AT_CALL_SITES: bool | str = False
    #: parameters of top-level functions are also pinned by the calls other
    #: project files make of them (``project/callers.py``), in a reported lint
    #: only: the domain's choice
    PINS_FROM_OTHER_FILES = False
    #: whether a loop body's second pass is skipped when it would repeat the
    #: first (``_second_pass_repeats``): only for a domain whose hooks read no
    #: fact they record and whose records a repeated pass leaves as they are
    #: (a dict entry written again with the same value, not a list appended
    #: to) -- or, through ``records_made``, skipped only after a first pass
    #: that recorded nothing new
    SKIPS_REPEATED_PASS = False
    #: whether a function's parameters take what this module's own calls of it
    #: pass (off: what the function says for any caller, as another file's)
    PINS_FROM_CALLS = True

    def __init__(self, model: ModuleIndex, unknown: V) -> None:
        super().__init__(model, unknown)
        # across rounds
        self._globals: Env = {}
        self._pins: dict[cst.FunctionDef, Env] = {}
        self._captures: dict[cst.FunctionDef, Env] = {}
        #: module names as every same-file call site of a function sees them (joined)
        self._views: dict[cst.FunctionDef, Env] = {}
        #: module names read (and what they gave) while the module body runs
        self._early_reads: dict[str, Any] | None = None
        self._unpinnable: set[cst.FunctionDef] = set()
        #: a parameter's annotation → the instance it says the parameter holds
        self._annotations: dict[cst.BaseExpression, V] = {}
        #: calls other project files make of this module's top-level functions
        self._external: dict[cst.FunctionDef, list[CallRecord]] | None = None
        #: other files' calls by function name, for ``_literal_records``
        self._literal_callers: dict[str, list[CallRecord]] | None = None
        #: constructions other project files make of its top-level classes, by
        #: the ``__init__`` they run
        self._external_inits: dict[cst.FunctionDef, list[CallRecord]] = {}
        #: calls other project files make of methods of its top-level classes
        #: on instances they know (``trainer.fit(loader)``)
        self._external_methods: dict[cst.FunctionDef, list[CallRecord]] = {}
        #: factories whose results' calls in other files were searched as calls
        #: of the function they hand out (``callers.external_calls``)
        self._followed_factories: frozenset[cst.FunctionDef] = frozenset()
        # within a round
        self._returns: dict[cst.FunctionDef, V] = {}
        self._in_progress: set[cst.FunctionDef] = set()
        self._depth = 0
        self._class_attrs: dict[cst.ClassDef, Env] = {}
        #: classes whose ``class_attrs`` are being computed (``__init__`` runs)
        self._attrs_in_progress: set[cst.ClassDef] = set()
        #: classes whose attributes were computed again this round (once at most)
        self._attrs_retried: set[cst.ClassDef] = set()
        #: calls of a function already running (its returns not known yet)
        self._reentries = 0
        #: ``self.<attr>`` values a method called as ``self.helper()`` from
        #: ``__init__`` starts with (the attributes are not known yet otherwise)
        self._seeds: dict[cst.FunctionDef, Env] = {}
        self._next_pins: dict[cst.FunctionDef, Env] = {}
        #: a callee's returns for one call's literals (``_specialised``), per round
        self._specialisations: dict[tuple[Any, ...], Any] = {}
        self._tested: dict[cst.FunctionDef, frozenset[str]] = {}
        self._next_captures: dict[cst.FunctionDef, Env] = {}
        #: None: a call site whose module names are not known (a caller without a view)
        self._next_views: dict[cst.FunctionDef, Env | None] = {}
        #: the call nodes each function's view was recorded at (``"one_site"``)
        self._view_sites: dict[cst.FunctionDef, set[cst.Call]] = {}
        #: module names functions read, and what they gave
        self._view_reads: dict[tuple[cst.FunctionDef, str], Any] = {}
        #: literals every call of a top-level function passes it (``_agreed_constants``)
        self._agreed_literals: dict[cst.FunctionDef, Mapping[str, object]] = {}
        # structure of the file
        self._functions = [n for n in model.scopes if isinstance(n, cst.FunctionDef)]
        self._nested: dict[cst.FunctionDef, list[cst.FunctionDef]] = {}
        self._global_writes: dict[cst.FunctionDef, frozenset[str]] = {}
        #: names a function rebinds with ``nonlocal``, and the function owning each
        self._nonlocal_writes: dict[cst.FunctionDef, dict[str, cst.FunctionDef]] = {}
        self._written_from_functions: set[str] = set()
        self._nonlocal_targets: dict[cst.FunctionDef, set[str]] = {}
        self._scan_structure()

    # --- public -------------------------------------------------------------

    def run(self) -> None:
        """Rounds until module globals, parameters and closures are stable."""
        module = self.model.module
        for round_ in range(MAX_ROUNDS):
            if round_ and not self.worth_another_round():
                break
            self.values = {}
            self._returns = {}
            self._specialisations = {}
            self._class_attrs = {}
            self._attrs_retried = set()
            self._seeds = {}
            self._next_pins = {}
            self._next_captures = {}
            self._next_views = {}
            self._view_sites = {}
            self._view_reads = {}
            self.begin_round()
            self.recording = True
            self.frame = Frame("<module>")
            self.stmt = module
            self._early_reads = {}
            env: Env = {}
            try:
                end = self._exec_block(module.body, env)
            except RecursionError:
                end = env
            early = self._early_reads or {}
            self._early_reads = None
            end = end if end is not None else env
            new_globals = {k: v for k, v in end.items() if k not in self._written_from_functions}
            # functions run during the module body saw the previous round's names
            stale = any(self._static_ref(n, new_globals) != v for n, v in early.items())
            # the functions not run yet see this round's
            self._globals = new_globals
            for func in self._eager_functions():
                self._function_returns(func)
            self._add_external_pins()
            new_pins = (
                self._settle(self._next_pins, self._unpinnable) if self.PINS_FROM_CALLS else {}
            )
            new_captures = self._settle(self._next_captures, set())
            new_views = self._settle_views()
            # a function read a module name other than its call sites now give it
            stale_views = any(
                new_views.get(func, {}).get(ident, given) != given
                for (func, ident), given in self._view_reads.items()
            )
            stable = (
                not stale
                and not stale_views
                and new_pins == self._pins
                and new_captures == self._captures
            )
            self._pins, self._captures, self._views = new_pins, new_captures, new_views
            if stable:
                break

    def _eager_functions(self) -> list[cst.FunctionDef]:
        """The functions each round runs: all of them, or for the summary of
        one item the item's own (the others run when it calls them)."""
        item = only_item(self.model)
        if item is None:
            return self._functions
        return item_functions(self.model, item)

    def _second_pass_repeats(self, before: Env, after: Env) -> bool:
        """The second pass runs from ``after``: it repeats the first, whose
        entry was ``before``, when every name ``before`` holds is the same
        object in ``after``, and each name only ``after`` holds is unknown and
        reads as unknown while absent too -- a plain local of the running
        function that names no import (``_free`` gives unknown for it, and a
        call of it is not taken for an API's). The joins of what it records
        (values, pins, returns) are idempotent, so the records stand. Not in
        the module body (an absent name is a module name there) nor in a
        function with nested functions (the environments they capture at each
        point would gain the names)."""
        if not self.SKIPS_REPEATED_PASS:
            return False
        func = self.frame.func
        if func is None or func in self._nested:
            return False
        scope = self.model.scopes[func]
        local = scope.bindings
        unknown = self.unknown
        for key, value in after.items():
            old = before.get(key, _ABSENT)
            if old is not _ABSENT:
                if value is not old:
                    return False
            elif (
                value is not unknown
                or "." in key
                or key not in local
                or key in scope.globals
                or key in scope.nonlocals
                or qualname_of_bindings(local[key]) is not None
            ):
                return False
        return True

    def evaluate_alone(self, expr: cst.BaseExpression, label: str = "?") -> V:
        """What ``expr`` says on its own (not reached by the interpreter:
        lambda, default, dead code): module-level names only, nothing recorded."""
        saved_frame, saved_stmt = self.frame, self.stmt
        self.frame = Frame(label)
        try:
            return self.eval_quietly(expr, {})
        except RecursionError:
            return self.unknown
        finally:
            self.frame, self.stmt = saved_frame, saved_stmt

    def name_value(self, name: cst.Name, env: Env) -> V:
        """``name`` in ``env``, else as a free name of the running function."""
        ident = name.value
        if ident in env:
            return env[ident]  # type: ignore[no-any-return]
        return self._free(ident)

    def run_body(
        self,
        func: cst.FunctionDef,
        env: Env,
        cls: cst.ClassDef | None = None,
        constants: Mapping[str, object] | None = None,
        exits: list[Env] | None = None,
    ) -> tuple[Env | None, V]:
        """Run ``func``'s body from ``env`` without recording: its end
        environment (None if it always leaves) and the join of its returns
        (``constants``: parameters holding a call's literals; ``exits``, when
        given, gets the environment at each ``return``)."""
        frame = self._frame_for(func, cls)
        if constants:
            frame.constants = constants
        if exits is not None:
            frame.exits = exits
        saved_frame, saved_stmt, saved_rec = self.frame, self.stmt, self.recording
        self.frame, self.recording = frame, False
        try:
            end = self._exec_block(statements_of(func), env)
        except RecursionError:
            end = None
            frame.returns.append(self.unknown)
        finally:
            self.frame, self.stmt, self.recording = saved_frame, saved_stmt, saved_rec
        return end, self._join_all(frame.returns)

    def class_of_method(self, func: cst.FunctionDef) -> cst.ClassDef | None:
        parent = self.model.parent(func)
        if isinstance(parent, cst.IndentedBlock):
            grand = self.model.parent(parent)
            if isinstance(grand, cst.ClassDef):
                return grand
        return None

    def method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        """``name`` defined on ``cls`` or a same-file base class."""
        for klass in self.mro(cls):
            for stmt in statements_of(klass):
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                    return stmt
        return None

    def mro(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        order: list[cst.ClassDef] = []
        todo = [cls]
        while todo:
            current = todo.pop(0)
            if current in order:
                continue
            order.append(current)
            for base in current.bases:
                ref = (
                    self._static_ref(base.value.value) if isinstance(base.value, cst.Name) else None
                )
                if isinstance(ref, ClassRef):
                    todo.append(ref.cls)
        return order

    # --- structure of the file ----------------------------------------------------

    def _scan_structure(self) -> None:
        scopes = self.model.scopes
        for node, scope in scopes.items():
            if not isinstance(node, cst.FunctionDef):
                continue
            if scope.globals:
                self._global_writes[node] = frozenset(scope.globals)
                self._written_from_functions |= scope.globals
            parent = scope.parent
            if parent is not None and parent.kind == "function":
                self._nested.setdefault(parent.node, []).append(node)  # type: ignore[arg-type]
            for name in scope.nonlocals:
                owner = binding_function(scope.parent, name)
                if owner is not None:
                    self._nonlocal_targets.setdefault(owner, set()).add(name)
                    self._nonlocal_writes.setdefault(node, {})[name] = owner

    def _frame_for(self, func: cst.FunctionDef, cls: cst.ClassDef | None) -> Frame:
        label = f"{cls.name.value}.{func.name.value}" if cls else func.name.value
        return Frame(label, func, cls, [], self.model.scopes[func].bindings)

    # --- rounds ----------------------------------------------------------------------

    def _settle(
        self, collected: dict[cst.FunctionDef, Env], excluded: set[cst.FunctionDef]
    ) -> dict[cst.FunctionDef, Env]:
        settled: dict[cst.FunctionDef, Env] = {}
        unknown = self.unknown
        for func, names in collected.items():
            if func in excluded:
                continue
            known = {k: v for k, v in names.items() if v is not unknown}
            if known:
                settled[func] = known
        return settled

    def _settle_views(self) -> dict[cst.FunctionDef, Env]:
        # ``"one_site"``: a function called from one place only sees the names
        # as they are there (a notebook's ``train()`` of cell 3 does not see
        # the model cell 5 rebinds); one called from several keeps the module's end
        one_site = self.GLOBALS_AT_CALL_SITES == "one_site"
        return {
            func: {k: v for k, v in view.items() if k not in self._written_from_functions}
            for func, view in self._next_views.items()
            if view is not None
            and func not in self._unpinnable
            and not (one_site and len(self._view_sites.get(func, ())) != 1)
        }

    # --- functions and calls -----------------------------------------------------------

    def _function_returns(self, func: cst.FunctionDef) -> V:
        """The join of ``func``'s returns; its body runs (recording) once per round."""
        if func in self._returns:
            return self._returns[func]
        if func in self._in_progress or self._depth > MAX_DEPTH:
            self._reentries += 1
            return self.unknown
        self._in_progress.add(func)
        self._depth += 1
        saved_frame, saved_stmt, saved_rec = self.frame, self.stmt, self.recording
        try:
            cls = self.class_of_method(func)
            frame = self._frame_for(func, cls)
            if cls is None:
                frame.constants = self._agreed_constants(func)
            if func in self._nested:
                frame.exits = []
            env = self._entry_env(func, cls)
            env.update(self._seeds.pop(func, {}))
            self.frame, self.recording = frame, True
            try:
                end = self._exec_block(statements_of(func), env)
            except RecursionError:
                end = None
                frame.returns.append(self.unknown)
            if frame.exits is not None:
                for exit_env in [*frame.exits, *([end] if end is not None else [])]:
                    for nested in self._nested[func]:
                        self._capture(nested, exit_env)
            result = (
                self.unknown if func in self.model.generators else self._join_all(frame.returns)
            )
            self._returns[func] = result
            return result
        finally:
            self.frame, self.stmt, self.recording = saved_frame, saved_stmt, saved_rec
            self._in_progress.discard(func)
            self._depth -= 1

    def _agreed_constants(self, func: cst.FunctionDef) -> Mapping[str, object]:
        """The literals every call of the top-level function ``func`` passes
        (or leaves to the default) for a parameter it branches on, when its
        calls are all plain calls of this file: its body runs with those
        branches decided, as for pins (``reconstruction_loss(x_tilde, x)``
        never takes the ``num_classes != 1`` branch: acids-ircam's
        pytorch_flows, audit s174)."""
        found = self._agreed_literals.get(func)
        if found is not None:
            return found
        self._agreed_literals[func] = {}
        agreed: dict[str, object] = {}
        tested = self._tested_params(func)
        if (
            tested
            and self.PINS_FROM_CALLS
            and self.model.parent(func) is self.model.module
            and func not in self.model.generators
        ):
            calls = self._plain_calls(func)
            each = [literal_arguments(call, func, 0, tested) for call in calls]
            records = self._literal_records(func)
            if any(record.opaque for record in records):
                each = []
            elif records and (calls or self._named_only_where_defined(func)):
                # ``features, labels = load_data(dataset=d)`` in another file:
                # ``standardize=True`` left to its default (AFAgarap's
                # malware-classification, audit s195)
                each += [_defaults_left(func, tested, record) for record in records]
            if each:
                agreed = {
                    name: value
                    for name, value in each[0].items()
                    if _hashable(value)
                    and all(name in other and other[name] == value for other in each[1:])
                }
        self._agreed_literals[func] = agreed
        return agreed

    def _agreed_init_constants(
        self, cls: cst.ClassDef, init: cst.FunctionDef
    ) -> Mapping[str, object]:
        """The literals every construction of the module-level class ``cls``
        in this file passes (or leaves to the default) for a parameter its
        ``__init__`` branches on, when the class is only ever constructed
        here (no subclass, no other use, no other project file naming it):
        ``__init__`` keeps what those branches build (``if use_sigmoid:
        layers += [nn.Sigmoid()]`` of ``Dist2LogitLayer(use_sigmoid=True)``,
        PerceptualSimilarity's ranking head, audit s234)."""
        if (
            not self.PINS_FROM_CALLS
            or init.name.value != "__init__"
            or self.model.parent(cls) is not self.model.module
        ):
            return {}
        tested = self._tested_params(init)
        calls = self._plain_calls(cls) if tested else []
        if not calls:
            return {}
        try:
            elsewhere = callers.named_where_loaded({cls.name.value})
        except (OSError, ValueError, RecursionError):
            elsewhere = True
        if elsewhere or (elsewhere is None and project_context() is not None):
            return {}  # named elsewhere, or a project too big to search: not known
        each = [literal_arguments(call, init, 1, tested) for call in calls]
        return {
            name: value
            for name, value in each[0].items()
            if _hashable(value)
            and all(name in other and other[name] == value for other in each[1:])
        }

    def _literal_records(self, func: cst.FunctionDef) -> list[CallRecord]:
        """Other files' calls of the top-level ``func``, for the literals they
        leave to its defaults: the pins' records, or (a domain pinning nothing
        from other files) the calls searched for this alone."""
        if self.PINS_FROM_OTHER_FILES:
            return self.calls_from_other_files(func)
        if self._literal_callers is None:
            self._literal_callers = {}
            if not self.model.options.get(FOR_SUMMARY) and project_context() is not None:
                bindings = self.model.module_scope.bindings
                names = sorted(
                    stmt.name.value
                    for stmt in self.model.module.body
                    if isinstance(stmt, cst.FunctionDef)
                    and len(bindings.get(stmt.name.value, ())) == 1
                    and self._tested_params(stmt)
                )
                try:
                    found = callers.external_calls(names) if names else None
                except (RecursionError, OSError, ValueError):
                    found = None
                self._literal_callers = found or {}
        return self._literal_callers.get(func.name.value, [])

    def _named_only_where_defined(self, func: cst.FunctionDef) -> bool:
        """Nothing in this file but the ``def`` names ``func``."""
        return all(
            node is func.name
            for node in names_in(self.model.module, func.name.value, memo_of(self.model))
        )

    def _plain_calls(self, func: cst.FunctionDef | cst.ClassDef) -> list[cst.Call]:
        """Every mention of ``func``'s name in the file, as the callee of a
        call (for a class, ``super(Cls, self)`` aside); empty when one is
        anything else (handed on, rebound, read)."""
        ident = func.name.value
        calls: list[cst.Call] = []
        for node in names_in(self.model.module, ident, memo_of(self.model)):
            if node is func.name:
                continue
            parent = self.model.parent(node)
            if isinstance(func, cst.ClassDef) and self._super_argument(parent):
                continue
            if not isinstance(parent, cst.Call) or parent.func is not node:
                return []
            if any(arg.star for arg in parent.args):
                return []
            calls.append(parent)
        return calls

    def _super_argument(self, parent: cst.CSTNode | None) -> bool:
        holder = self.model.parent(parent) if isinstance(parent, cst.Arg) else None
        return (
            isinstance(holder, cst.Call)
            and isinstance(holder.func, cst.Name)
            and holder.func.value == "super"
        )

    def _entry_env(self, func: cst.FunctionDef, cls: cst.ClassDef | None) -> Env:
        env: Env = {}
        pins = self._pins.get(func, {})
        params = func.params
        every = (*params.posonly_params, *params.params, *params.kwonly_params)
        for index, param in enumerate(every):
            name = param.name.value
            if index == 0 and cls is not None and not is_static(func):
                env[name] = ClassRef(cls) if is_classmethod(func) else Instance(cls)
            elif name in pins:
                env[name] = pins[name]
            else:
                env[name] = self._annotated(param.annotation)
        return env

    def _annotated(self, annotation: cst.Annotation | None) -> V:
        """What a parameter annotated ``model: Classifier`` holds when its
        calls do not say: an instance of that class of another project module,
        when no project file subclasses it (the annotation admits a subclass,
        whose ``forward`` may differ). Not while a summary is computed: the
        subclasses are looked for in the other files' texts, which a summary
        must not depend on."""
        if (
            annotation is None
            or not isinstance(annotation.annotation, (cst.Name, cst.Attribute))
            or not self._imported_from_project(annotation.annotation)
            or self.model.options.get(FOR_SUMMARY)
            or project_context() is None
        ):
            return self.unknown
        found = self._annotations.get(annotation.annotation)
        if found is None:
            found = self._annotations[annotation.annotation] = self._instance_of(
                self.evaluate_alone(annotation.annotation, "<annotation>")
            )
        return found

    def _imported_from_project(self, expr: cst.BaseExpression) -> bool:
        """Whether the root name of ``expr`` is bound (once, at the top) by an
        import that is not a framework's: ``Classifier`` or ``models`` may be
        the project's; ``torch.Tensor``, ``int`` are not (most annotations)."""
        while isinstance(expr, cst.Attribute):
            expr = expr.value
        if not isinstance(expr, cst.Name):
            return False
        bindings = self.model.module_scope.bindings.get(expr.value, ())
        if len(bindings) != 1 or bindings[0].kind != "import":
            return False
        root = (bindings[0].qualname or "").split(".", 1)[0]
        return root not in bridge.FRAMEWORK_ROOTS

    def _instance_of(self, cls: Any) -> V:
        context = project_context()
        if not isinstance(cls, Foreign) or context is None:
            return self.unknown
        ref = context.resolve(cls.ref)
        if not isinstance(ref, SClass) or callers.subclassed(ref.name) is not False:
            return self.unknown
        return self.from_summary(SInstance(ref.file, ref.name))

    def _call_function(
        self,
        call: cst.Call,
        func: cst.FunctionDef,
        bound: cst.ClassDef | None,
        args: list[V],
        env: Env,
    ) -> V:
        if self.recording:
            self._record_call_site(call, func, bound, args)
            if self.GLOBALS_AT_CALL_SITES:
                self._record_view(func, env)
                self._view_sites.setdefault(func, set()).add(call)
            if func in self._nested.get(self.frame.func, ()):  # type: ignore[arg-type]
                self._capture(func, env)
        result = self._handed_back(call, func, bound, args)
        if result is None:
            result = self._function_returns(func)
            special = self._specialised(call, func, bound)
            if special is not None:
                result = special
        # what the callee rebinds through global/nonlocal is no longer known here
        caller = self.frame.func
        for name in self._global_writes.get(func, ()):
            if caller is None or name in self._global_writes.get(caller, ()):
                env.pop(name, None)
        for name, owner in self._nonlocal_writes.get(func, {}).items():
            if owner is caller:
                env.pop(name, None)
        return result

    def _handed_back(
        self, call: cst.Call, func: cst.FunctionDef, bound: cst.ClassDef | None, args: list[V]
    ) -> V | None:
        """What this call hands to a same-file function that gives its parameter
        back (``to_device(model, device)``), rather than the join over every
        call; None for any other function."""
        through = passed_through(func)
        if through is None:
            return None
        skip = 1 if bound is not None and not is_static(func) else 0
        params = func.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)][skip:]
        position = positional.index(through) if through in positional else None
        return self._argument_at(call, args, position, through)

    def _specialised(
        self, call: cst.Call, func: cst.FunctionDef, bound: cst.ClassDef | None
    ) -> V | None:
        """What ``func`` returns for this call when it passes literals to
        parameters the function branches on (``last_block=True``): its body
        run once more with those branches decided (``specialise.py``); None
        when the joined result answers."""
        tested = self._tested_params(func)
        if not tested or func in self._in_progress or func in self.model.generators:
            return None
        skip = 1 if bound is not None and not is_static(func) else 0
        constants = literal_arguments(call, func, skip, tested, self.frame.constants)
        constants = {k: v for k, v in constants.items() if _hashable(v)}
        if not constants:
            return None
        key = (func, bound, tuple(sorted(constants.items(), key=lambda item: item[0])))
        found = self._specialisations.get(key, _ABSENT)
        if found is not _ABSENT:
            return found  # type: ignore[no-any-return]
        self._specialisations[key] = None  # recursion: the joined result answers
        cls = bound if bound is not None else self.class_of_method(func)
        self._in_progress.add(func)
        self._depth += 1
        try:
            env = self._entry_env(func, cls)
            for name, value in constants.items():
                bound_value = self.constant(value)
                if bound_value is not None:
                    env[name] = bound_value
            _, result = self.run_body(func, env, cls, constants)
        finally:
            self._in_progress.discard(func)
            self._depth -= 1
        self._specialisations[key] = result
        return result

    def constant(self, value: object) -> V | None:
        """How the domain holds a literal a call passes (``n_classes=1``), for
        a body specialised to that call; None: the parameter keeps its pin."""
        return None

    def _tested_params(self, func: cst.FunctionDef) -> frozenset[str]:
        found = self._tested.get(func)
        if found is None:
            bindings = self.model.scopes[func].bindings
            params = frozenset(
                name
                for name, bound in bindings.items()
                if len(bound) == 1 and bound[0].kind == "param"
            )
            self._tested[func] = frozenset()  # a recursive call: what the body tests
            found = tested_parameters(func, params) if params else frozenset()
            if params:
                found |= self._handed_to_tested(func, params)
            self._tested[func] = found
        return found

    def _handed_to_tested(self, func: cst.FunctionDef, params: frozenset[str]) -> frozenset[str]:
        """Parameters ``func`` hands on by name to a same-file function that
        branches on them (``att_unet(act="Sigmoid")`` → ``conv_output(x,
        activation=act)`` → ``if activation == "Sigmoid":``): a call's literal
        for them decides that branch too."""
        handed: set[str] = set()
        for call, param in handed_parameters(func, params):
            if not isinstance(call.func, cst.Name) or param in handed:
                continue
            bindings = self.model.bindings(call.func) or []
            if len(bindings) != 1 or bindings[0].kind != "def":
                continue
            callee = bindings[0].node
            if not isinstance(callee, cst.FunctionDef) or callee is func:
                continue
            names = argument_names(call, callee, 0)
            callee_tested = self._tested_params(callee)
            if names is None or not callee_tested:
                continue
            for arg, name in zip(call.args, names, strict=True):
                if name in callee_tested and isinstance(arg.value, cst.Name):
                    if arg.value.value == param:
                        handed.add(param)
        return frozenset(handed)

    def _record_call_site(
        self, call: cst.Call, func: cst.FunctionDef, bound: cst.ClassDef | None, args: list[V]
    ) -> None:
        skip = 1 if bound is not None and not is_static(func) else 0
        names = argument_names(call, func, skip)
        if names is None:
            self._unpinnable.add(func)
            return
        params = func.params
        every = [p.name.value for p in (*params.posonly_params, *params.params)][skip:]
        every += [p.name.value for p in params.kwonly_params]
        seen: Env = {
            name: value for name, value in zip(names, args, strict=False) if name is not None
        }
        self._pin(func, every, seen)

    def _pin(self, func: cst.FunctionDef, every: list[str], seen: Env) -> None:
        """Join one call's arguments (``seen``, by parameter) into the pins of
        ``func``'s parameters ``every``."""
        pins = self._next_pins.setdefault(func, {})
        defaults = param_defaults(func.params)
        for name in every:
            if name in seen:
                value = seen[name]
            elif name in defaults:
                # the call relies on the default: ``def train(model=Net())``
                value = self.evaluate_alone(defaults[name], "<default>")
            else:
                value = self.unknown
            pins[name] = self.join(pins[name], value) if name in pins else value

    def _external_records(self) -> dict[cst.FunctionDef, list[CallRecord]]:
        if self._external is not None:
            return self._external
        self._external = {}
        if (
            not self.PINS_FROM_OTHER_FILES
            or (self.model.options.get(FOR_SUMMARY) and not self.model.options.get(PIN_EXTERNAL))
            or project_context() is None
        ):
            return self._external
        bindings = self.model.module_scope.bindings
        framework = self._imports_a_framework()
        tops = {
            stmt.name.value: stmt
            for stmt in self.model.module.body
            if isinstance(stmt, cst.FunctionDef)
            and len(bindings.get(stmt.name.value, ())) == 1
            and param_names(stmt.params)
            # no fact of a domain can come of a module importing no framework,
            # but for what its functions are handed: an engine.py's
            # `fit(model, loader, criterion, optimizer)` calls its parameters
            and (framework or _calls_a_parameter(stmt))
        }
        inits = self._pinnable_inits()
        names = sorted({*tops, *inits})
        factories = {
            name: funcs
            for name, funcs in module_factories(self.model.module).items()
            if name in tops
        }
        words = {name: [f.name.value for f in funcs] for name, funcs in factories.items()}
        try:
            found = callers.external_calls(names, words) if names else None
        except (RecursionError, OSError, ValueError):
            found = None  # the project cannot be searched: nothing pinned from it
        if found is not None:
            self._followed_factories = frozenset(f for funcs in factories.values() for f in funcs)
        for name, records in (found or {}).items():
            if not records:
                continue
            if name in tops:
                self._external[tops[name]] = records
            elif name in inits:
                # a base class and its subclasses run the same __init__
                self._external_inits.setdefault(inits[name].init, []).extend(records)
        methods = self._pinnable_methods(
            {
                **self._loss_holders(),
                **self._setter_classes(),
                **{name: init.cls for name, init in inits.items()},
            }
        )
        try:
            called = callers.external_method_calls(sorted(methods)) if methods else None
        except (RecursionError, OSError, ValueError):
            called = None
        for name, records in (called or {}).items():
            if records:
                self._external_methods[methods[name]] = records
        through = self._pinnable_calls()
        try:
            found = callers.external_instance_calls(through) if through else None
        except (RecursionError, OSError, ValueError):
            found = None
        for name, records in (found or {}).items():
            if records:
                self._external_methods[through[name][1]] = records
        return self._external

    def _pinnable_calls(self) -> dict[str, tuple[str, cst.FunctionDef]]:
        """``forward``/``__call__`` of top-level classes that other files call
        through their instances (``crit = FocalLoss(); crit(out, y)``): by
        ``Class.method`` → (the class's name, the method). Only for a class
        this module names nowhere but its definition (an instance it makes
        here, or a subclass, travels out of sight), undecorated, defined once."""
        found: dict[str, tuple[str, cst.FunctionDef]] = {}
        bindings = self.model.module_scope.bindings
        for stmt in self.model.module.body:
            if not isinstance(stmt, cst.ClassDef) or len(bindings.get(stmt.name.value, ())) != 1:
                continue
            name = stmt.name.value
            defs = [n for n in statements_of(stmt) if isinstance(n, cst.FunctionDef)]
            for method in bridge.CALL_METHODS:
                funcs = [f for f in defs if f.name.value == method]
                if funcs:
                    func = funcs[0]
                    if (
                        len(funcs) == 1
                        and not func.decorators
                        and len(param_names(func.params)) > 1
                    ):
                        found[f"{name}.{method}"] = (name, func)
                    break
        if not found:
            return {}
        mentioned: dict[str, int] = {}
        classes = {cls for cls, _ in found.values()}
        for node in cast("list[cst.Name]", self.model.nodes_of_type(cst.Name)):
            if node.value in classes and not in_super_arguments(self.model, node):
                mentioned[node.value] = mentioned.get(node.value, 0) + 1
        return {k: v for k, v in found.items() if mentioned.get(v[0], 0) == 1}

    def _setter_classes(self) -> dict[str, cst.ClassDef]:
        """Top-level classes, named in this file only where defined,
        constructed or annotated, with a method that keeps a parameter the
        class calls (``def add_loss_op(self, loss_op): self.loss_op =
        loss_op``, then ``self.loss_op(y_pred, y)``): what other files pass
        to the setter is what the class calls."""
        bindings = self.model.module_scope.bindings
        found: dict[str, cst.ClassDef] = {}
        for stmt in self.model.module.body:
            if (
                isinstance(stmt, cst.ClassDef)
                and len(bindings.get(stmt.name.value, ())) == 1
                and _keeps_a_called_parameter(stmt)
            ):
                found[stmt.name.value] = stmt
        if not found:
            return {}
        used_otherwise = self._used_otherwise(set(found))
        return {name: cls for name, cls in found.items() if name not in used_otherwise}

    def _loss_holders(self) -> dict[str, cst.ClassDef]:
        """The domain's classes whose methods other files' calls pin
        (``method_pinned_classes``), named in this file only where defined,
        constructed or annotated."""
        found = self.method_pinned_classes()
        if not found:
            return {}
        used_otherwise = self._used_otherwise(set(found))
        return {name: cls for name, cls in found.items() if name not in used_otherwise}

    def method_pinned_classes(self) -> dict[str, cst.ClassDef]:
        """Top-level classes whose methods are pinned by what other files pass
        them, beyond those keeping a parameter: none here (a domain knows
        which: ``KindAnalysis``'s loss holders)."""
        return {}

    def _used_otherwise(
        self,
        names: set[str],
        also_fine: Callable[[cst.Name, cst.CSTNode], bool] | None = None,
    ) -> set[str]:
        """Which of the classes ``names`` this file names other than where it
        defines, constructs or annotates them (a base class, a registry
        entry, a factory's argument): constructions out of sight reach them."""
        parents = self.model.parents
        return {
            node.value
            for node, parent in parents.items()
            if isinstance(node, cst.Name)
            and node.value in names
            and not _constructs_or_defines(node, parent, parents.get(parent))
            and not (also_fine is not None and also_fine(node, parent))
        }

    def _pinnable_methods(self, classes: dict[str, cst.ClassDef]) -> dict[str, cst.FunctionDef]:
        """Methods (``Trainer.fit``) of the classes whose constructions are
        pinned (a trainer keeping its model and loss) or with a setter
        (``_setter_classes``), undecorated,
        defined once in their class, taking more than ``self``, and named in
        this file only where defined or called on ``self`` (a call on another
        receiver, or the method passed as a value, has arguments no record
        shows). ``forward``/``call``/``__call__`` are called through the
        instance: not these."""
        found: dict[str, cst.FunctionDef] = {}
        for name, cls in classes.items():
            defs = [n for n in statements_of(cls) if isinstance(n, cst.FunctionDef)]
            for func in defs:
                short = func.name.value
                if (
                    short.startswith("__")
                    or short in bridge.CALL_METHODS
                    or func.decorators
                    or len(param_names(func.params)) < 2
                    or sum(d.name.value == short for d in defs) != 1
                ):
                    continue
                found[f"{name}.{short}"] = func
        if not found:
            return {}
        shorts = {func.name.value for func in found.values()}
        parents = self.model.parents
        elsewhere: set[str] = set()
        for node, parent in parents.items():
            if type(node) is not cst.Name or node.value not in shorts:
                continue
            if isinstance(parent, cst.FunctionDef) and parent.name is node:
                continue
            if (
                isinstance(parent, cst.Attribute)
                and parent.attr is node
                and isinstance(parent.value, cst.Name)
                and parent.value.value == "self"
                and isinstance(call := parents.get(parent), cst.Call)
                and call.func is parent
            ):
                continue
            elsewhere.add(node.value)
        return {k: f for k, f in found.items() if f.name.value not in elsewhere}

    def _pinnable_inits(self) -> dict[str, _Init]:
        """Top-level classes whose ``__init__`` (their own, or inherited from a
        same-file base: ``syntax.kept_init``) keeps a parameter that the class
        calls, bound once, and named in this file only where defined,
        constructed, annotated or given as the base of a class running the same
        ``__init__`` (a subclass with an ``__init__`` of its own runs it through
        ``super().__init__(...)`` with arguments no call shows). Every class of
        the file running that ``__init__`` must qualify, since the
        constructions of all of them pin its parameters."""
        bindings = self.model.module_scope.bindings
        candidates: dict[str, _Init] = {}
        for stmt in self.model.module.body:
            if isinstance(stmt, cst.ClassDef) and len(bindings.get(stmt.name.value, ())) == 1:
                init = kept_init(self.model, stmt)
                if init is not None and not is_static(init):
                    candidates[stmt.name.value] = _Init(stmt, init)
        if not candidates:
            return {}
        wanted = set(candidates)
        # used here other than constructed (a base class, a registry entry, a
        # factory's argument): constructions out of sight reach its __init__
        used_otherwise = self._used_otherwise(
            wanted, lambda node, parent: self._base_of_same_init(node, parent, candidates)
        )
        kept = {name: init for name, init in candidates.items() if name not in used_otherwise}
        # the family of an __init__ (its class and the subclasses inheriting
        # it) is pinned whole or not at all
        classes = top_classes(self.model)
        for name, found in list(kept.items()):
            owner = self.class_of_method(found.init)
            family = init_family(owner, classes) if owner is not None else []
            members = [kept.get(klass.name.value) for klass in family]
            if not family or any(m is None or m.init is not found.init for m in members):
                del kept[name]
        return kept

    def _base_of_same_init(
        self, node: cst.Name, parent: cst.CSTNode, candidates: dict[str, _Init]
    ) -> bool:
        """``BaseTrainer`` in ``class Trainer(BaseTrainer):`` when ``Trainer``
        runs ``BaseTrainer``'s ``__init__``."""
        if not isinstance(parent, cst.Arg) or parent.value is not node:
            return False
        cls = self.model.parent(parent)
        if not isinstance(cls, cst.ClassDef) or parent not in cls.bases:
            return False
        sub = candidates.get(cls.name.value)
        base = candidates.get(node.value)
        return sub is not None and base is not None and sub.cls is cls and sub.init is base.init

    def _imports_a_framework(self) -> bool:
        for scope in self.model.scopes.values():
            for bindings in scope.bindings.values():
                for binding in bindings:
                    root = (binding.qualname or "").split(".", 1)[0]
                    if binding.kind == "import" and root in bridge.FRAMEWORK_ROOTS:
                        return True
        return False

    def pinned(self, func: cst.FunctionDef) -> bool:
        """Whether a parameter of ``func`` holds what its callers pass (not
        unknown), or, for a domain that asks, a module name what its call
        sites see (``GLOBALS_AT_CALL_SITES``) rather than the module's end."""
        return bool(self._pins.get(func)) or bool(self._views.get(func))

    def callers_elsewhere(self, func: cst.FunctionDef) -> list[CallRecord]:
        """The calls other project files make of ``func``: a top-level
        function, or a method of a top-level class on an instance they know
        (``trainer.fit(...)``, ``crit(out, y)`` for ``forward``); empty when
        none is known."""
        found = self._external_records().get(func)
        if found:
            return list(found)
        return list(self._external_methods.get(func, ()))

    def calls_from_other_files(self, func: cst.FunctionDef) -> list[CallRecord]:
        """The calls other project files make of the top-level function ``func``
        (opaque records included: then its callers are unknown); empty when
        none is known."""
        return list(self._external_records().get(func, ()))

    def instance_calls_from_other_files(self, func: cst.FunctionDef) -> list[CallRecord]:
        """The calls other project files make of a class's ``forward``/``__call__``
        through its instances (``fft = Audio2Mel(); fft(audio)``), opaque records
        included; empty when none is known."""
        self._external_records()
        return list(self._external_methods.get(func, ()))

    def inits_from_other_files(self, init: cst.FunctionDef) -> list[CallRecord]:
        """The constructions other project files make of the top-level classes
        running ``init`` (opaque records included); empty when none is known."""
        self._external_records()
        return list(self._external_inits.get(init, ()))

    def _add_external_pins(self) -> None:
        """Join what other files' calls pass into this round's parameter pins
        (a function used there other than called is unpinnable)."""
        external = self._external_records()
        for skip, found in (
            (0, external),
            (1, self._external_inits),
            (1, self._external_methods),
        ):
            for func, records in found.items():
                if func in self._unpinnable:
                    continue
                if any(record.opaque for record in records):
                    self._unpinnable.add(func)
                    continue
                for record in records:
                    self._record_external(func, record, skip)
        for func, param, value in self.contract_pins():
            # a framework calls the method with this (``compute_loss``'s model)
            params = func.params
            every = [p.name.value for p in (*params.posonly_params, *params.params)][1:]
            every += [p.name.value for p in params.kwonly_params]
            self._pin(func, every, {param: value})

    def contract_pins(self) -> list[tuple[cst.FunctionDef, str, V]]:
        """Parameters of methods a framework calls, with what its contract
        says they hold, from the constructions other files make (the domain
        knows the frameworks): (method, parameter, value)."""
        return []

    def _record_external(self, func: cst.FunctionDef, record: CallRecord, skip: int = 0) -> None:
        """``skip``: 1 for an ``__init__`` (``self`` is not passed)."""
        params = func.params
        in_order = [p.name.value for p in (*params.posonly_params, *params.params)][skip:]
        every = in_order + [p.name.value for p in params.kwonly_params]
        seen: Env = {}
        for index, given in enumerate(record.args):
            if index < len(in_order):
                seen[in_order[index]] = self.from_summary(given)
        for name, given in record.keywords.items():
            seen[name] = self.from_summary(given)
        self._pin(func, every, seen)

    def _record_view(self, func: cst.FunctionDef, env: Env) -> None:
        """The module names ``func`` sees from this call: the module's
        environment here, or the caller's own view (the names are the same)."""
        caller = self.frame.func
        view = env if caller is None else self._views.get(caller)
        if view is None:
            self._next_views[func] = None
            return
        if func not in self._next_views:
            self._next_views[func] = dict(view)
            return
        into = self._next_views[func]
        if into is None:
            return
        for key, value in view.items():
            # a name not bound yet at one call is no evidence against another
            into[key] = self.join(into[key], value) if key in into else value

    def _escapes(self, value: FunctionRef, expr: cst.BaseExpression, env: Env) -> None:
        """``value`` is used other than called: its callers are out of sight."""
        parent = self.model.parent(expr)
        if isinstance(parent, cst.Call) and parent.func is expr:
            return
        if (
            isinstance(parent, cst.Assign)
            and parent.value is expr
            and all(isinstance(t.target, cst.Name) for t in parent.targets)
        ):
            return  # an alias: calls through it are seen as calls of the function
        if (
            isinstance(parent, cst.DictElement)
            and parent.value is expr
            and isinstance(holder := self.model.parent(parent), cst.Dict)
            and only_called(self.model, holder)
        ):
            return  # ``LOSSES = {"bce": bce}``, only ever ``LOSSES[name](...)``
        if isinstance(parent, cst.Return) and self._factory_result_seen(expr):
            return  # ``loss_func = get_loss_func(kind)``: its calls are seen
        given = self.callback_arguments(expr, value.func)
        if given is not None:
            # a framework calls it with what the domain knows it passes
            self._pin(value.func, param_names(value.func.params), given)
            return
        self._unpinnable.add(value.func)
        if value.func in self._nested.get(self.frame.func, ()):  # type: ignore[arg-type]
            self._capture(value.func, env)

    def _factory_result_seen(self, expr: cst.BaseExpression) -> bool:
        """``return clip_bce`` in a factory whose every result is bound to a
        name only ever called (``function_values``): here, and in the other
        files calling it when their calls of its results were searched."""
        factory = self.model.enclosing(expr, cst.FunctionDef, cst.Lambda, cst.ClassDef)
        if not isinstance(factory, cst.FunctionDef):
            return False
        if factory in self._external_records() and factory not in self._followed_factories:
            return False
        return (
            type(expr) is cst.Name
            and value_calls(self.model, expr, self._followed_factories) is not None
        )

    def _capture(self, func: cst.FunctionDef, env: Env) -> None:
        """Where ``func`` may run, its enclosing function's locals are ``env``."""
        into = self._next_captures.get(func)
        hidden = self._nonlocal_targets.get(self.frame.func, ())  # type: ignore[arg-type]
        if into is None:
            self._next_captures[func] = {k: v for k, v in env.items() if k not in hidden}
            return
        for key, value in env.items():
            if key in hidden:
                continue
            # a name not bound yet at one point is no evidence against another
            into[key] = self.join(into[key], value) if key in into else value

    def _instance_method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: Instance, args: list[V], env: Env
    ) -> V:
        name = func.attr.value
        attrs = self.class_attrs(receiver.cls)
        if name in attrs:
            return self._call(call, attrs[name], args, env)
        method = self.method(receiver.cls, name)
        if method is not None:
            if receiver.cls in self._attrs_in_progress and method not in self._returns:
                self._seed_from_init(func, method, env)
            return self._call_function(call, method, receiver.cls, args, env)
        return self.instance_method(call, func, receiver, args, env)

    def _seed_from_init(self, func: cst.Attribute, method: cst.FunctionDef, env: Env) -> None:
        """``self._init()`` while ``__init__`` runs: the method reads the
        attributes ``__init__`` set so far (``self.trunk[0].weight``), which
        ``class_attrs`` cannot give before ``__init__`` is done."""
        receiver = dotted_text(func.value)
        own = param_names(method.params)[:1]
        if receiver is None or "." in receiver or not own:
            return
        prefix = receiver + "."
        self._seeds[method] = {
            own[0] + key[len(receiver) :]: value
            for key, value in env.items()
            if key.startswith(prefix)
        }

    def _returned_argument(self, call: cst.Call, callee: Foreign, args: list[V]) -> V | None:
        """``init_model(Discriminator(...), restore)`` of another module's
        function that returns that parameter unchanged: the argument."""
        returned = bridge.returned_argument(callee.ref)
        if returned is None:
            return None
        return self._argument_at(call, args, *returned)

    @staticmethod
    def _argument_at(call: cst.Call, args: list[V], position: int | None, name: str) -> V | None:
        """The value ``call`` passes to the parameter ``name`` (at ``position``
        among the positional ones, None: keyword-only); None when not passed
        or when ``*args``/``**kwargs`` hide which."""
        if any(a.star for a in call.args):
            return None
        for index, arg in enumerate(call.args):
            if (arg.keyword is not None and arg.keyword.value == name) or (
                arg.keyword is None and index == position
            ):
                return args[index]
        return None

    def _call(self, call: cst.Call, callee: Any, args: list[V], env: Env) -> V:
        if isinstance(callee, OneOf):
            # ``MODELS[cfg.model](n)``: what every registered class or function gives
            return self._join_all([self._call(call, c, args, env) for c in callee.choices])
        if isinstance(callee, Thunk):
            # ``MODELS[name]()`` of ``{"r34": lambda: UNet("resnet34")}``
            return callee.value if not call.args else self.unknown  # type: ignore[no-any-return]
        if isinstance(callee, Foreign):
            found = self.foreign_call_value(call, callee, args)
            if found is None:
                found = self._returned_argument(call, callee, args)
            return found if found is not None else self.call_foreign(call, callee)
        if isinstance(callee, FunctionRef):
            return self._call_function(call, callee.func, callee.bound, args, env)
        if isinstance(callee, ClassRef):
            init = self.method(callee.cls, "__init__")
            if init is not None and self.recording:
                # constructor arguments pin __init__'s parameters (self.model = model)
                self._record_call_site(call, init, callee.cls, args)
            return self.construct(call, callee.cls, args)
        if isinstance(callee, Instance):
            return self._call_instance(call, callee.cls, args, env)
        if isinstance(callee, Instances):
            # either class may run: what they all return (the domain's join)
            results = [
                self._call_instance(call, cls, args, env)
                for cls in sorted(callee.classes, key=lambda c: c.name.value)
            ]
            results += [
                self.call_foreign(call, other)
                for other in sorted(callee.foreign, key=repr)
                if isinstance(other, Foreign)
            ]
            return self._join_all(results)
        return self.call_value(call, callee, args, env)

    def _call_instance(self, call: cst.Call, cls: cst.ClassDef, args: list[V], env: Env) -> V:
        for name in self.CALL_METHODS:
            method = self.method(cls, name)
            if method is not None:
                return self._call_function(call, method, cls, args, env)
        return self.unknown

    # --- classes -------------------------------------------------------------------

    def class_attrs(self, cls: cst.ClassDef) -> Env:
        """``self.<attr>`` values: as ``__init__`` leaves them, joined with any
        other method's assignments (evaluated on their own)."""
        if cls in self._class_attrs:
            return self._class_attrs[cls]
        self._class_attrs[cls] = {}
        self._attrs_in_progress.add(cls)
        reentries = self._reentries
        try:
            attrs = self._compute_class_attrs(cls)
        finally:
            self._attrs_in_progress.discard(cls)
        if self._reentries != reentries and cls not in self._attrs_retried:
            # first asked from inside a method they call (``self.disc =
            # self._discriminator()`` while ``_discriminator`` reads
            # ``self.n_features``): computed once more when next asked
            self._attrs_retried.add(cls)
            del self._class_attrs[cls]
        return attrs

    def _compute_class_attrs(self, cls: cst.ClassDef) -> Env:
        attrs: Env = {}
        # base classes first: a subclass's own assignments override them
        for klass in reversed(self.mro(cls)):
            own: Env = {}
            methods = [s for s in statements_of(klass) if isinstance(s, cst.FunctionDef)]
            # ``__init__`` first: the other methods read what it keeps
            # (``self.pred_real = self.netd(x)`` in ``forward_d``, audit s177)
            methods.sort(key=lambda m: m.name.value != "__init__")
            for stmt in methods:
                init = stmt.name.value == "__init__"
                found = self._attrs_set_by(klass, stmt, init, None if init else {**attrs, **own})
                for key, value in found.items():
                    own[key] = self.join(own[key], value) if key in own else value
            attrs.update(own)
        for name, value in self._set_by_subclasses(cls, attrs).items():
            attrs.setdefault(name, value)
        self._class_attrs[cls] = attrs
        return attrs

    def _set_by_subclasses(self, cls: cst.ClassDef, attrs: Env) -> Env:
        """``self.netg`` that the methods of ``cls`` read, that neither it nor
        its bases set, and that the file's subclasses of it set (a
        ``BaseModel.test`` whose generator only ``Ganomaly.__init__`` builds:
        skip-ganomaly, audit s177): what every such subclass agrees on."""
        wanted: set[str] = set()
        for stmt in statements_of(cls):
            if not isinstance(stmt, cst.FunctionDef) or is_static(stmt) or is_classmethod(stmt):
                continue
            names = param_names(stmt.params)[:1]
            for node in nodes_in(stmt, cst.Attribute, memo=memo_of(self.model)):
                assert isinstance(node, cst.Attribute)
                if (
                    names
                    and isinstance(node.value, cst.Name)
                    and node.value.value == names[0]
                    and node.attr.value not in attrs
                ):
                    wanted.add(node.attr.value)
        wanted = {name for name in wanted if self.method(cls, name) is None}
        if not wanted:
            return {}
        subclasses = [
            other
            for other in top_classes(self.model).values()
            if other is not cls and cls in self.mro(other)
        ]
        kept_by = [self.class_attrs(other) for other in subclasses]
        kept_by += self._kept_by_other_files(cls)
        found: Env = {}
        for name in sorted(wanted):
            # a subclass keeping nothing known under the name: unknown
            held = [kept.get(name, self.unknown) for kept in kept_by]
            value = self._join_all(held)
            if held and value is not self.unknown:
                found[name] = value
        return found

    def _attrs_set_by(
        self, cls: cst.ClassDef, func: cst.FunctionDef, flow: bool, known: Env | None = None
    ) -> Env:
        self_name = param_names(func.params)[:1]
        if not self_name:
            return {}
        prefix = self_name[0] + "."
        if flow:
            env = self._entry_env(func, cls)
            end, _ = self.run_body(func, env, cls, self._agreed_init_constants(cls, func))
            return {
                k[len(prefix) :]: v
                for k, v in (end or {}).items()
                if k.startswith(prefix) and "." not in k[len(prefix) :]
            }
        out: Env = {}
        saved = self.frame
        self.frame = self._frame_for(func, cls)
        # a setter (``def add_loss_op(self, loss_op): self.loss_op = loss_op``)
        # stores what its calls pass
        params = self._entry_env(func, cls) if self._pins.get(func) else {}
        # ``self.disc = self._build_disc()`` in a method other than ``__init__``:
        # ``self`` is the instance, so its methods' results are known
        own: Env = (
            {self_name[0]: Instance(cls)}
            if not is_static(func) and not is_classmethod(func)
            else {}
        )
        if own and known:
            # what ``__init__`` (and the bases) keep, as ``self.<attr>`` reads it
            own.update({prefix + k: v for k, v in known.items() if v is not self.unknown})
        #: the method run from its start, when a value it keeps reads its locals
        ran: list[Env | None] = []
        try:
            for node in self.model.assignments.get(func, ()):
                for target in node.targets:
                    t = target.target
                    if (
                        isinstance(t, cst.Attribute)
                        and isinstance(t.value, cst.Name)
                        and t.value.value == self_name[0]
                    ):
                        if _moved_in_place(node.value, self_name[0], t.attr.value):
                            continue  # ``self.model = self.model.cuda()``: the same model
                        if own and t.attr.value in out:
                            # ``self.net = nn.DataParallel(self.net)`` after ``self.net =
                            # Net()`` in the same method: the value it wraps (UDTL, audit s210)
                            own[prefix + t.attr.value] = out[t.attr.value]
                        value = (
                            params.get(node.value.value, self.unknown)
                            if isinstance(node.value, cst.Name) and node.value.value in params
                            else self._kept_value(
                                func, cls, node.value, prefix + t.attr.value, own, ran
                            )
                        )
                        name = t.attr.value
                        out[name] = self.join(out[name], value) if name in out else value
                    elif isinstance(t, (cst.Tuple, cst.List)):
                        # ``self.pred_real, self.feat_real = self.netd(x)``
                        # (skip-ganomaly's ``forward_d``, audit s177)
                        for name, value in self._kept_items(func, cls, node.value, t, own, ran):
                            out[name] = self.join(out[name], value) if name in out else value
        finally:
            self.frame = saved
        return out

    def _kept_by_other_files(self, cls: cst.ClassDef) -> list[Env]:
        """``self.<attr>`` as the ``__init__`` of each subclass other project
        files derive from ``cls`` leaves it (only for a reported lint: a
        summary does not look back at its module's subclasses)."""
        if (
            self.model.options.get(FOR_SUMMARY)
            or project_context() is None
            or top_classes(self.model).get(cls.name.value) is not cls
        ):
            return []
        try:
            found = callers.external_subclasses(cls.name.value)
        except (RecursionError, OSError, ValueError):
            found = None
        return [
            {name: self.from_summary(value) for name, value in summary.attrs.items()}
            for summary in found or ()
        ]

    def _kept_items(
        self,
        func: cst.FunctionDef,
        cls: cst.ClassDef,
        value: cst.BaseExpression,
        target: cst.Tuple | cst.List,
        own: Env,
        ran: list[Env | None],
    ) -> list[tuple[str, V]]:
        """The ``self.<attr>`` items of ``self.a, self.b = value``, each what
        unpacking ``value`` gives it (none for a starred target)."""
        self_name = next(iter(own), None)
        names = [
            e.value.attr.value
            for e in target.elements
            if isinstance(e.value, cst.Attribute)
            and isinstance(e.value.value, cst.Name)
            and e.value.value.value == self_name
        ]
        if not names or any(isinstance(e, cst.StarredElement) for e in target.elements):
            return []
        prefix = f"{self_name}."
        first = self._kept_value(func, cls, value, prefix + names[0], own, ran)
        if ran and ran[0] is not None and all(prefix + n in ran[0] for n in names):
            end = ran[0]
            return [(n, end[prefix + n]) for n in names]  # the method run from its start
        scratch: Env = {}
        self._assign(target, first if not ran else self.eval_quietly(value, own), scratch)
        return [(n, scratch.get(prefix + n, self.unknown)) for n in names]

    def _kept_value(
        self,
        func: cst.FunctionDef,
        cls: cst.ClassDef,
        value: cst.BaseExpression,
        key: str,
        own: Env,
        ran: list[Env | None],
    ) -> V:
        """What ``self.x = value`` in a method other than ``__init__`` keeps:
        ``value`` on its own, or, when it reads the method's locals (a Keras
        model built layer by layer in ``make_model`` and compiled in
        ``train``: audit s172), ``self.x`` where the method ends (run once)."""
        scope = self.model.scopes.get(func)
        params = set(param_names(func.params))
        local = scope.bindings if scope is not None else {}
        reads_locals = any(
            isinstance(n, cst.Name) and n.value in local and n.value not in params
            for n in nodes_in(value, cst.Name)
        )
        if reads_locals:
            if not ran:
                env = self._entry_env(func, cls)
                env.update(own)
                exits: list[Env] = []
                end, _ = self.run_body(func, env, cls, exits=exits)
                # ``self.model = model`` then ``return model``: the method
                # leaves through its ``return`` (DispNet_Keras, audit s225)
                leaving = [e for e in (end, *exits) if e is not None]
                ran.append(self._joined_envs(leaving) if leaving else None)
            end = ran[0]
            if end is not None and key in end:
                return end[key]  # type: ignore[no-any-return]
        return self.eval_quietly(value, own)

    def _joined_envs(self, envs: list[Env]) -> Env:
        """The names every environment of ``envs`` binds, each joined."""
        first, *rest = envs
        return {
            key: self._join_all([value, *(other[key] for other in rest)])
            for key, value in first.items()
            if all(key in other for other in rest)
        }

    # --- names ------------------------------------------------------------------------

    def _free(self, ident: str) -> V:
        """A name the running function does not hold in its environment."""
        func = self.frame.func
        if func is not None:
            if ident in self.frame.local_names:
                return self.unknown  # a local not (yet) known here
            inner: cst.FunctionDef | None = func
            scope: Scope | None = self.model.scopes[func].parent
            while scope is not None and scope.parent is not None:
                if scope.kind == "function":
                    if ident in scope.bindings:
                        # a local of an enclosing function: as it is where ``inner`` runs
                        captured = self._captures.get(inner) if inner is not None else None
                        return captured.get(ident, self.unknown) if captured else self.unknown
                    inner = scope.node  # type: ignore[assignment]
                else:
                    if scope.kind != "class" and ident in scope.bindings:
                        return self.unknown
                    inner = None  # a class body or lambda between: nothing captured
                scope = scope.parent
            view = self._views.get(func)
            # the value live where the function is called, not at the module's end
            found = view[ident] if view is not None and ident in view else self._static_ref(ident)
            self._view_reads[(func, ident)] = found
            return found  # type: ignore[no-any-return]
        return self._static_ref(ident)

    def _static_ref(self, ident: str, names: Env | None = None) -> Any:
        """A module-level name: its value at the end of the module body (in
        ``names``, default the last one seen), or the same-file class/function
        it is bound to."""
        found = self._module_name(ident, self._globals if names is None else names)
        if names is None and self._early_reads is not None:
            self._early_reads[ident] = found
        return found

    def _module_name(self, ident: str, names: Env) -> Any:
        if ident in names:
            return names[ident]
        bindings = self.model.module_scope.bindings.get(ident)
        if not bindings:
            return self.project_star_name(ident)
        if len(bindings) == 1:
            only = bindings[0]
            if only.kind == "class" and isinstance(only.node, cst.ClassDef):
                return ClassRef(only.node)
            if only.kind == "def" and isinstance(only.node, cst.FunctionDef):
                return FunctionRef(only.node)
            if isinstance(only.node, (cst.Import, cst.ImportFrom)):
                return self.project_import(only.node, ident)
        return self.unknown


def _keeps_a_called_parameter(cls: cst.ClassDef) -> bool:
    """A method of ``cls`` other than ``__init__`` assigns one of its
    parameters to ``self.<attr>`` and some method calls ``self.<attr>(...)``."""
    kept: set[str] = set()
    called: set[str] = set()
    for func in statements_of(cls):
        if not isinstance(func, cst.FunctionDef):
            continue
        params = param_names(func.params)
        if func.name.value != "__init__" and len(params) > 1:
            for stmt in statements_of(func):
                if not isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                    continue
                for small in stmt.body:
                    if (
                        isinstance(small, cst.Assign)
                        and isinstance(small.value, cst.Name)
                        and small.value.value in params[1:]
                    ):
                        for target in small.targets:
                            t = target.target
                            if (
                                isinstance(t, cst.Attribute)
                                and isinstance(t.value, cst.Name)
                                and t.value.value == params[0]
                            ):
                                kept.add(t.attr.value)
        for call in calls_in(func.body):
            callee = call.func
            if (
                isinstance(callee, cst.Attribute)
                and isinstance(callee.value, cst.Name)
                and callee.value.value == "self"
            ):
                called.add(callee.attr.value)
    return bool(kept & called)


def _constructs_or_defines(
    name: cst.Name, parent: cst.CSTNode, grandparent: cst.CSTNode | None = None
) -> bool:
    """``class Trainer``, ``Trainer(...)``, ``t: Trainer``, and
    ``super(Trainer, self)`` (Python 2's spelling of ``super()``, inside the
    class: no use of it elsewhere)."""
    if isinstance(parent, cst.ClassDef) and parent.name is name:
        return True
    if isinstance(parent, cst.Annotation):
        return True
    if (
        isinstance(parent, cst.Arg)
        and parent.value is name
        and isinstance(grandparent, cst.Call)
        and isinstance(grandparent.func, cst.Name)
        and grandparent.func.value == "super"
    ):
        return True
    return isinstance(parent, cst.Call) and parent.func is name


#: methods whose call on a parameter means the function trains what it is handed
_TRAINING_METHODS = frozenset({"backward", "step", "zero_grad"})


def _calls_a_parameter(func: cst.FunctionDef) -> bool:
    """``func`` calls one of its parameters (``criterion(model(x), y)``) or
    steps, backs up or clears something (``loss.backward()``)."""
    params = set(param_names(func.params))
    for call in calls_in(func.body):
        callee = call.func
        if isinstance(callee, cst.Name) and callee.value in params:
            return True
        if isinstance(callee, cst.Attribute) and callee.attr.value in _TRAINING_METHODS:
            return True
    return False


def _moved_in_place(value: cst.BaseExpression, receiver: str, attr: str) -> bool:
    """``self.<attr>.cuda()`` (a move, cast or mode switch of the module
    held there), assigned back to ``self.<attr>``."""
    return isinstance(value, cst.Call) and module_receiver(value) == f"{receiver}.{attr}"
