"""What an optimiser trains: a linear model? how many parameters?

LF307 leaves alone the learning rates of models where a large step is harmless:

- :meth:`TrainedModels.is_linear`: a linear or logistic regression (one
  ``nn.Linear`` next to weight-free modules; a Keras model of ``Dense`` layers
  with no activation between them): a small convex problem.
- :meth:`TrainedModels.parameter_count`: the number of weights when every layer
  of the model has sizes the file gives (literals, module constants, the
  arguments of the model's only construction; a Keras model's layers from its
  input shape on, ``keras_size.py``). A model of a few hundred weights (a
  hello-RNN over five characters) is a toy on which Adam at 0.1 converges.

The model is the receiver of ``model.parameters()``, the optimiser's first
argument, as the value-kind dataflow knows it (an ``nn`` layer, an
``nn.Sequential``, an instance of a class of the file), or the model of the
Keras ``compile`` that receives the optimiser.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.calls import argument_node, literal_value, positional
from lossflint.analysis.keras_size import keras_parameter_count
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.names import dotted_text
from lossflint.analysis.single_weight import single_weight_class, torch_axes
from lossflint.analysis.values import Instance, Layer, Sequential, Value
from lossflint.analysis.walk import memo_of, names_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.loops import OptimizerCtor


class TrainedModels:
    def __init__(self, model: ModuleIndex) -> None:
        self.model = model

    def is_linear(self, ctor: OptimizerCtor) -> bool:
        """The optimiser trains one ``nn.Linear`` (with an optional activation),
        or a Keras model of ``Dense`` layers without activations between them."""
        if ctor.framework == "torch":
            trained = _parameters_of(ctor.call)
            return trained is not None and self._torch_linear(trained)
        comp = self._compile_of(ctor.call)
        if comp is not None:
            return comp.model is not None and _keras_linear(comp.model)
        applied = self._keras_applied_to(ctor.call)
        return (
            bool(applied)
            and self._only_applied(ctor.call)
            and all(
                (m is not None and _keras_linear(m)) or self._single_weight_updated(ctor.call)
                for m in applied
            )
        )

    def restore_only(self, ctor: OptimizerCtor) -> bool:
        """A Keras/TF optimiser no code applies: never compiled, no
        ``apply_gradients``/``minimize`` that may be its, its name read only
        by ``tf.train.Checkpoint(optimizer=opt)`` (built to restore a
        checkpoint's slots, as TensorFlow's guides do): its rate moves nothing."""
        if ctor.framework == "torch":
            return self._torch_restore_only(ctor.call)
        if self._compile_of(ctor.call) is not None:
            return False
        parent = self.model.parent(ctor.call)
        if not (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            return False
        reads = [
            name
            for name in names_in(
                self.model.module, parent.targets[0].target.value, memo_of(self.model)
            )
            if not isinstance(self.model.parent(name), (cst.AssignTarget, cst.Param))
            and any(b.node is ctor.call for b in self.model.bindings(name) or ())
        ]
        return bool(reads) and all(self._in_checkpoint(name) for name in reads)

    def _torch_restore_only(self, call: cst.Call) -> bool:
        """A torch optimiser bound to a local name whose every read loads a
        checkpoint's state into it (``opt.load_state_dict(state)``, also in a
        same-file helper it is handed to): the state brings its own learning
        rate, and nothing steps it (zphang/minimal-llama's checkpoint
        conversion with ``lr=1``, audit s190)."""
        parent = self.model.parent(call)
        if not (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
            and self.model.enclosing(call, cst.FunctionDef) is not None
        ):
            return False
        target = parent.targets[0].target
        reads = [
            name
            for name in names_in(self.model.module, target.value, memo_of(self.model))
            if name is not target and any(b.node is call for b in self.model.bindings(name) or ())
        ]
        return bool(reads) and all(self._loads_state(name, 1) for name in reads)

    def _loads_state(self, name: cst.Name, depth: int) -> bool:
        """``name.load_state_dict(...)``, ``name`` handed to a same-file
        function whose parameter it binds is only read so, or to a function
        named as a loader (``load_checkpoint(model, optim=name)``)."""
        model = self.model
        attribute = model.parent(name)
        if isinstance(attribute, cst.Attribute) and attribute.value is name:
            call = model.parent(attribute)
            return (
                attribute.attr.value == "load_state_dict"
                and isinstance(call, cst.Call)
                and call.func is attribute
            )
        arg = model.parent(name)
        call = model.parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(call, cst.Call):
            return False
        callee = (dotted_text(call.func) or "").rsplit(".", 1)[-1].lower()
        if callee.startswith("load") and "loader" not in callee:
            # ``fsdp_utils.load_model_and_optimizer_sharded(..., optim=optimizer)``
            # of another module: a loader of checkpoints by its name
            return True
        if depth <= 0 or not isinstance(call.func, cst.Name):
            return False
        assert isinstance(arg, cst.Arg)
        func = next(
            (
                b.node
                for b in model.bindings(call.func) or ()
                if isinstance(b.node, cst.FunctionDef)
            ),
            None,
        )
        if func is None or arg.star or arg.keyword is not None:
            return False
        position = [a for a in call.args if a.keyword is None].index(arg)
        params = func.params.params
        if position >= len(params):
            return False
        param = params[position].name.value
        uses = [n for n in names_in(func, param, memo_of(model)) if n is not params[position].name]
        return bool(uses) and all(self._loads_state(use, depth - 1) for use in uses)

    def _in_checkpoint(self, name: cst.Name) -> bool:
        arg = self.model.parent(name)
        call = self.model.parent(arg) if isinstance(arg, cst.Arg) else None
        return (
            isinstance(arg, cst.Arg)
            and arg.value is name
            and isinstance(call, cst.Call)
            and (self.model.qualname(call.func) or "") in apis.TF_CHECKPOINTS
        )

    def _keras_applied_to(self, ctor: cst.Call) -> list[K.KModel | None]:
        """The models whose variables ``opt.apply_gradients(zip(grads,
        model.trainable_variables))`` updates with this optimiser, in a custom
        loop; None for one not known (or ``minimize``, or an optimiser that
        may be this one)."""
        facts = K.keras_facts(self.model)
        found: list[K.KModel | None] = []
        for site in self.model.method_calls("apply_gradients", "minimize"):
            func = site.node.func
            if not isinstance(func, cst.Attribute):
                continue
            tied = self._is_ctor(func.value, ctor, 0)
            if tied is False:
                continue
            if tied is None or func.attr.value == "minimize":
                found.append(None)
                continue
            found.append(self._updated_model(site.node, facts))
        return found

    def _is_ctor(self, expr: cst.BaseExpression, ctor: cst.Call, depth: int) -> bool | None:
        """``expr`` may hold the optimiser ``ctor`` builds: True; False (only
        other constructors); None (unknown)."""
        if expr is ctor:
            return True
        if isinstance(expr, cst.Call):
            return False
        if not isinstance(expr, cst.Name) or depth > 2:
            return None
        bindings = self.model.bindings(expr)
        if not bindings:
            return None
        answers: set[bool | None] = set()
        for binding in bindings:
            if binding.kind == "assign" and isinstance(binding.node, cst.BaseExpression):
                # ``opt = Adam(0.1)`` in two notebook cells: either may be ours
                node = binding.node
                answers.add(
                    True if node is ctor else (False if isinstance(node, cst.Call) else None)
                )
            elif binding.kind == "param" and isinstance(binding.node, cst.Param):
                given = self._arguments_at_calls(binding.node)
                if not given:
                    return None
                answers.update(self._is_ctor(arg, ctor, depth + 1) for arg in given)
            else:
                return None
        if None in answers:
            return None
        return True in answers

    def _only_applied(self, ctor: cst.Call) -> bool:
        """The optimiser's name is only read to apply gradients (directly or
        in a same-file step function), or saved in a checkpoint: no unseen
        code trains another model with it."""
        parent = self.model.parent(ctor)
        if isinstance(parent, cst.Attribute):
            return True  # ``Adam(0.1).apply_gradients(...)``
        if not (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            return False
        return self._optimizer_names_safe(self.model.module, parent.targets[0].target.value, 2)

    def _optimizer_names_safe(self, root: cst.CSTNode, ident: str, depth: int) -> bool:
        for name in names_in(root, ident, memo_of(self.model)):
            parent = self.model.parent(name)
            grand = self.model.parent(parent) if parent is not None else None
            if isinstance(parent, (cst.AssignTarget, cst.Param)):
                continue
            if isinstance(parent, cst.Attribute):
                if parent.value is name and parent.attr.value == "minimize":
                    return False
                continue
            if isinstance(parent, cst.Arg) and isinstance(grand, cst.Call):
                qualname = self.model.qualname(grand.func) or ""
                if qualname in apis.TF_CHECKPOINTS:
                    continue
                param = self._parameter_for(grand, parent) if depth > 0 else None
                if param is not None and self._optimizer_names_safe(
                    param[0].body, param[1].name.value, depth - 1
                ):
                    continue
            return False
        return True

    def _parameter_for(
        self, call: cst.Call, arg: cst.Arg
    ) -> tuple[cst.FunctionDef, cst.Param] | None:
        """The parameter of the same-file top-level function ``call`` calls
        that receives ``arg``."""
        func = call.func
        if not isinstance(func, cst.Name) or any(a.star for a in call.args):
            return None
        defs = [
            s
            for s in self.model.module.body
            if isinstance(s, cst.FunctionDef) and s.name.value == func.value
        ]
        if len(defs) != 1:
            return None
        params = (*defs[0].params.posonly_params, *defs[0].params.params)
        if arg.keyword is None:
            at = [a for a in call.args if a.keyword is None].index(arg)
            return (defs[0], params[at]) if at < len(params) else None
        found = next((p for p in params if p.name.value == arg.keyword.value), None)
        return (defs[0], found) if found is not None else None

    def _arguments_at_calls(self, param: cst.Param) -> list[cst.BaseExpression] | None:
        """What every call of the top-level function of ``param`` passes to it."""
        function = self.model.enclosing(param, cst.FunctionDef, cst.Lambda, cst.ClassDef)
        if not isinstance(function, cst.FunctionDef) or self.model.parent(function) is not (
            self.model.module
        ):
            return None
        names = [p.name.value for p in function.params.params]
        if param.name.value not in names:
            return None
        index = names.index(param.name.value)
        given = []
        for site in self.model.calls:
            func = site.node.func
            if not isinstance(func, cst.Name) or func.value != function.name.value:
                continue
            bindings = self.model.bindings(func)
            if not bindings or len(bindings) != 1 or bindings[0].node is not function:
                return None
            if any(a.star for a in site.node.args):
                return None
            arg = argument_node(site.node, index, param.name.value)
            if arg is None:
                return None
            given.append(arg.value)
        return given

    def _single_weight_updated(self, ctor: cst.Call) -> bool:
        """Every ``apply_gradients`` of this optimiser updates an instance of a
        class of the file written as one weight matrix (``single_weight``)."""
        sites = [
            site.node
            for site in self.model.method_calls("apply_gradients")
            if isinstance(site.node.func, cst.Attribute)
            and self._is_ctor(site.node.func.value, ctor, 0) is not False
        ]
        for call in sites:
            receiver = self._updated_receiver(call)
            value = kinds_of(self.model).value_of(receiver) if receiver is not None else None
            if not (isinstance(value, Instance) and single_weight_class(self.model, value.cls)):
                return False
        return bool(sites)

    def _updated_model(self, call: cst.Call, facts: K.KerasFacts) -> K.KModel | None:
        """``model`` of ``apply_gradients(zip(grads, model.trainable_variables))``
        (the variables possibly through a name assigned once)."""
        receiver = self._updated_receiver(call)
        held = facts.value(receiver) if receiver is not None else None
        return held if isinstance(held, K.KModel) else None

    def _updated_receiver(self, call: cst.Call) -> cst.BaseExpression | None:
        """``model`` of ``apply_gradients(zip(grads, model.trainable_variables))``."""
        pairs = argument_node(call, 0, "grads_and_vars")
        if pairs is None or not isinstance(pairs.value, cst.Call):
            return None
        zipped = pairs.value
        if self.model.qualname(zipped.func) != "builtins.zip" or len(zipped.args) != 2:
            return None
        variables = zipped.args[1].value
        if isinstance(variables, cst.Name):
            variables = _single_assignment(self.model, variables) or variables
        if not (
            isinstance(variables, cst.Attribute)
            and variables.attr.value in ("trainable_variables", "trainable_weights")
        ):
            return None
        return variables.value

    def is_gaussian_process(self, ctor: OptimizerCtor) -> bool:
        """The optimiser fits a Gaussian process's few kernel and likelihood
        hyperparameters (an instance of a class deriving from a ``gpytorch``
        model): no network, and gpytorch's documented rate is 0.1."""
        trained = _parameters_of(ctor.call) if ctor.framework == "torch" else None
        value = self._model_value(trained) if trained is not None else None
        if not isinstance(value, Instance):
            return False
        return any(
            (self.model.qualname(base.value) or "").startswith(apis.GAUSSIAN_PROCESS_ROOTS)
            for base in value.cls.bases
        )

    def _torch_linear(self, expr: cst.BaseExpression) -> bool:
        value = self._model_value(expr)
        if isinstance(value, Layer):
            return value.qualname in apis.LINEAR_LAYERS
        if isinstance(value, Sequential):
            names = [item.qualname if isinstance(item, Layer) else "" for item in value.layers]
            return _one_linear_layer(names)
        if isinstance(value, Instance):
            return self._linear_class(value.cls) or single_weight_class(self.model, value.cls)
        return False

    def _linear_class(self, cls: cst.ClassDef) -> bool:
        """Its ``__init__`` builds only ``torch.nn`` modules, one ``Linear`` the
        only layer with weights (scalar or vector parameters beside it)."""
        modules = []
        for site in self.model.calls:
            if self.model.enclosing(site.node, cst.ClassDef) is not cls:
                continue
            parent = self.model.parent(site.node)
            if not (
                isinstance(parent, cst.Assign)
                and any((dotted_text(t.target) or "").startswith("self.") for t in parent.targets)
            ):
                continue
            qualname = site.qualname or ""
            if qualname in apis.FRESH_LEAVES and (torch_axes(self.model, site.node) or 2) < 2:
                # a scalar or vector parameter beside the Linear (a Weibull
                # regression's shape: georgehc/survival-intro, audit s202)
                continue
            if qualname or self.model.code(site.node.func) != "super().__init__":
                # another model of the project, a pretrained backbone: not linear
                modules.append(qualname)
        return _one_linear_layer(modules)

    def _compile_of(self, ctor: cst.Call) -> K.CompileFact | None:
        """The ``compile`` whose ``optimizer=`` is this constructor (inline or
        through a name assigned once)."""
        facts = K.keras_facts(self.model)
        for comp in facts.compiles:
            arg = argument_node(comp.call, 0, "optimizer")
            if arg is None:
                continue
            value = arg.value
            if isinstance(value, cst.Name):
                value = _single_assignment(self.model, value) or value
            if value is ctor:
                return comp
        return None

    # --- size -------------------------------------------------------------------------

    def parameter_count(self, ctor: OptimizerCtor) -> int | None:
        """The number of weights of the model the optimiser trains, when every
        layer's sizes are known."""
        if ctor.framework != "torch":
            return self._keras_count(ctor.call)
        trained = _parameters_of(ctor.call)
        if trained is None:
            return None
        value = self._model_value(trained)
        if isinstance(value, Layer):
            return self._layer_count(value.origin, None)
        if isinstance(value, Sequential):
            total = 0
            built = value.origin
            # ``nn.Sequential(nn.Linear(5, 2), nn.BatchNorm1d(2))``: each layer's
            # call, also one the value kinds do not model (a norm)
            calls: list[cst.CSTNode | None] = (
                [a.value for a in built.args]
                if isinstance(built, cst.Call)
                and self.model.parent(built) is not None  # built in this file
                and built.args
                and not any(a.star or a.keyword is not None for a in built.args)
                else [item.origin if isinstance(item, Layer) else None for item in value.layers]
            )
            for call in calls:
                count = self._layer_count(call, None)
                if count is None:
                    return None
                total += count
            return total
        if isinstance(value, Instance):
            return self._class_count(value.cls)
        return None

    def _keras_count(self, ctor: cst.Call) -> int | None:
        """The weights of the Keras model compiled with the optimiser, or of
        every model a custom loop applies its gradients to (and nothing else
        reads the optimiser)."""

        def int_of(expr: cst.BaseExpression) -> int | None:
            return self._int(expr, None)

        comp = self._compile_of(ctor)
        if comp is not None:
            return keras_parameter_count(comp.model, int_of) if comp.model is not None else None
        applied = self._keras_applied_to(ctor)
        if not applied or not self._only_applied(ctor):
            return None
        total = 0
        for kmodel in applied:
            count = keras_parameter_count(kmodel, int_of) if kmodel is not None else None
            if count is None:
                return None
            total += count
        return total

    def _model_value(self, expr: cst.BaseExpression, depth: int = 0) -> Value:
        """The model ``expr`` holds, also through a wrapper that trains the same
        weights (``parallelize_module(module=model)``, DDP, ``torch.compile``)."""
        value = kinds_of(self.model).value_of(expr)
        if isinstance(value, (Layer, Sequential, Instance)) or depth > 3:
            return value
        assigned = self._reaching_assignment(expr) if isinstance(expr, cst.Name) else None
        if isinstance(assigned, cst.Call):
            wrapper = apis.MODEL_WRAPPERS.get(self.model.qualname(assigned.func) or "")
            if wrapper is not None:
                wrapped = argument_node(assigned, *wrapper)
                if wrapped is not None:
                    return self._model_value(wrapped.value, depth + 1)
        return value

    def _reaching_assignment(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value of the last ``name = ...`` before this use, when every
        assignment of the name runs in the use's own block (straight-line code:
        ``m = Net(); m = parallelize_module(module=m, ...)``)."""
        bindings = self.model.bindings(name)
        if not bindings or any(b.kind != "assign" for b in bindings):
            return None
        block = self.model.parent(self.model.statement_of(name))
        values = []
        for binding in bindings:
            node = binding.node
            if not isinstance(node, cst.BaseExpression):
                return None
            if self.model.parent(self.model.statement_of(node)) is not block:
                return None
            values.append(node)
        order = self._order
        around = set(self.model.ancestors(name))  # ``m = wrap(m)``: the m inside
        before = [v for v in values if order.get(v, -1) < order.get(name, -1) and v not in around]
        return max(before, key=lambda v: order[v]) if before else None

    @cached_property
    def _order(self) -> dict[cst.CSTNode, int]:
        # the parent map holds every node in visit (source) order
        return {node: index for index, node in enumerate(self.model.parents)}

    def _class_count(self, cls: cst.ClassDef) -> int | None:
        total = 0
        for site in self._module_calls(cls):
            count = self._layer_count(site, cls)
            if count is None:
                return None
            total += count
        return total

    def _module_calls(self, cls: cst.ClassDef) -> list[cst.Call]:
        """The calls whose result ``cls`` keeps as ``self.x = ...``."""
        found = []
        for site in self.model.calls:
            if self.model.enclosing(site.node, cst.ClassDef) is not cls:
                continue
            parent = self.model.parent(site.node)
            if isinstance(parent, cst.Assign) and any(
                (dotted_text(t.target) or "").startswith("self.") for t in parent.targets
            ):
                found.append(site.node)
        return found

    def _layer_count(self, call: cst.CSTNode | None, cls: cst.ClassDef | None) -> int | None:
        if not isinstance(call, cst.Call):
            return None
        qualname = self.model.qualname(call.func) or ""
        if (
            qualname in apis.TORCH_PARAMETER_FREE
            or qualname in apis.TORCH_ACTIVATION_MODULES
            or (qualname.startswith(apis.TORCH_NN_PREFIX) and qualname.endswith("Loss"))
        ):
            return 0
        if qualname in apis.TORCH_PARAMETERS:
            return self._parameter_count(call, cls)
        size = apis.LAYER_SIZE_ARGUMENTS.get(qualname)
        if size is None:
            return None
        values = []
        for index, name in enumerate(size):
            arg = argument_node(call, index, name)
            value = self._int(arg.value, cls) if arg is not None else None
            if value is None:
                return None
            values.append(value)
        bias = argument_node(call, None, "bias")
        with_bias = bias is None or literal_value(bias.value) is not False
        short = qualname.rsplit(".", 1)[-1]
        if short in apis.RECURRENT_GATES:
            layers = argument_node(call, 2, "num_layers")
            both = argument_node(call, None, "bidirectional")
            # ``num_layers=num_layers`` of a constructor parameter set to 1
            depth = self._int(layers.value, cls) if layers is not None else 1
            if depth is None or (both is not None and literal_value(both.value) is not False):
                return None
            inputs, hidden = values
            gates = apis.RECURRENT_GATES[short]
            per_layer = hidden * hidden + (2 * hidden if with_bias else 0)
            return gates * (
                inputs * hidden + per_layer + (depth - 1) * (hidden * hidden + per_layer)
            )
        if short == "Embedding":
            return values[0] * values[1]
        if len(values) == 1:
            # a norm layer: a scale and a shift per feature, unless ``affine=False``
            affine = argument_node(call, None, "affine", "elementwise_affine")
            return (
                0 if affine is not None and literal_value(affine.value) is False else 2 * values[0]
            )
        inputs, outputs = values
        return inputs * outputs + (outputs if with_bias else 0)

    def _parameter_count(self, call: cst.Call, cls: cst.ClassDef | None) -> int | None:
        """``nn.Parameter(torch.tensor(0.0))``: one number; ``nn.Parameter(
        torch.zeros(3, 4))``: twelve (a rigid transform's six angles and
        shifts: airlab, audit s220)."""
        data = argument_node(call, 0, "data")
        made = data.value if data is not None else None
        if not isinstance(made, cst.Call):
            return None
        qualname = self.model.qualname(made.func)
        args = [a for a in made.args if a.keyword is None and not a.star]
        if qualname in apis.CONSTANT_TENSORS:
            value = literal_value(args[0].value) if len(args) == 1 else None
            return 1 if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if qualname not in apis.SIZED_FACTORIES or not args:
            return None
        sizes: list[cst.BaseExpression] = [a.value for a in args]
        if len(args) == 1 and isinstance(args[0].value, (cst.Tuple, cst.List)):
            sizes = [e.value for e in args[0].value.elements]
        total = 1
        for size in sizes:
            value = self._int(size, cls)
            if value is None:
                return None
            total *= value
        return total

    def _int(
        self, expr: cst.BaseExpression, cls: cst.ClassDef | None, depth: int = 0
    ) -> int | None:
        """A size: a literal, a constant assigned once, or a parameter of the
        class's ``__init__`` that its only construction in the file gives."""
        if depth > 3:
            return None
        value = literal_value(expr)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if not isinstance(expr, cst.Name):
            return None
        bindings = self.model.bindings(expr)
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind == "assign" and isinstance(binding.node, cst.BaseExpression):
            return self._int(binding.node, None, depth + 1)
        if binding.kind == "param" and isinstance(binding.node, cst.Param) and cls is not None:
            given = self._constructor_argument(cls, binding.node)
            return self._int(given, None, depth + 1) if given is not None else None
        return None

    def _constructor_argument(
        self, cls: cst.ClassDef, param: cst.Param
    ) -> cst.BaseExpression | None:
        init = self.model.enclosing(param, cst.FunctionDef)
        if not isinstance(init, cst.FunctionDef) or init.name.value != "__init__":
            return None
        names = [p.name.value for p in init.params.params]
        if param.name.value not in names:
            return None
        index = names.index(param.name.value) - 1  # after self
        sites = []
        for site in self.model.calls:
            func = site.node.func
            if isinstance(func, cst.Name):
                bindings = self.model.bindings(func)
                if bindings and len(bindings) == 1 and bindings[0].node is cls:
                    sites.append(site.node)
        if len(sites) != 1 or index < 0:
            return None
        arg = argument_node(sites[0], index, param.name.value)
        return arg.value if arg is not None else None


def _parameters_of(ctor: cst.Call) -> cst.BaseExpression | None:
    """``model`` of ``Adam(model.parameters(), ...)``."""
    params = positional(ctor)
    first = params[0].value if params else None
    if (
        isinstance(first, cst.Call)
        and isinstance(first.func, cst.Attribute)
        and first.func.attr.value == "parameters"
    ):
        return first.func.value
    return None


def _single_assignment(model: ModuleIndex, name: cst.Name) -> cst.BaseExpression | None:
    bindings = model.bindings(name)
    if not bindings or len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    node = bindings[0].node
    return node if isinstance(node, cst.BaseExpression) else None


def _one_linear_layer(modules: list[str]) -> bool:
    """One ``Linear``; the other modules without weights (unknown ones: "")."""
    linear = [m for m in modules if m in apis.LINEAR_LAYERS]
    return len(linear) == 1 and all(
        m in apis.LINEAR_LAYERS
        or m in apis.TORCH_PARAMETER_FREE
        or (m.startswith(apis.TORCH_NN_PREFIX) and m.endswith("Loss"))
        for m in modules
    )


def _keras_linear(model: K.KModel) -> bool:
    dense = []
    for layer in model.layers:
        if layer is None:
            return False
        if layer.name == "Dense":
            dense.append(layer)
        elif not (
            layer.name in ("Activation", "InputLayer")
            or layer.name in apis.ACTIVATION_LAYERS
            or layer.name in apis.DROPOUT_LAYERS
            or layer.name in apis.SHAPE_ONLY_LAYERS
        ):
            return False
    if not dense:
        return False
    # a deep stack of linear layers is still linear; the last may squash (logistic)
    return all(layer.activation == "linear" for layer in dense[:-1]) and not any(
        layer.name in ("Activation",) or layer.name in apis.ACTIVATION_LAYERS
        for layer in model.layers[:-1]
        if layer is not None
    )


def trained_models(model: ModuleIndex) -> TrainedModels:
    """The trained-model facts of ``model``, built on first use and kept on the model."""
    return model.analysis(TrainedModels)
