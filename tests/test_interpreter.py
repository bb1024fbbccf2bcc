"""The abstract interpreter itself (analysis/interpreter.py), on a toy domain
whose values are integer literals, and the closure/global facts its two clients
(value kinds, Keras facts) get from it."""

from __future__ import annotations

import textwrap
from typing import Any

import libcst as cst

from lossflint.analysis import keras as K
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import literal_value
from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.interpreter import Env, Interpreter
from lossflint.analysis.interpreter.engine import MAX_ROUNDS
from lossflint.analysis.model import SemanticModel
from lossflint.analysis.values import Tensor
from lossflint.project.context import FOR_SUMMARY

UNKNOWN = "?"


class Ints(Interpreter[Any]):
    """Integer literals and ``+``; everything else unknown."""

    def __init__(self, model: ModuleIndex) -> None:
        super().__init__(model, UNKNOWN)
        self.rounds = 0
        self.run()

    def begin_round(self) -> None:
        self.rounds += 1

    def literal(self, expr: cst.BaseExpression) -> Any:
        value = literal_value(expr)
        return value if isinstance(value, int) and not isinstance(value, bool) else UNKNOWN

    def binary(self, op: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if op == "Add" and isinstance(left, int) and isinstance(right, int):
            return left + right
        return UNKNOWN

    def call_value(self, call: cst.Call, callee: Any, args: list[Any], env: Env) -> Any:
        return UNKNOWN


class IntsAtCallSites(Ints):
    GLOBALS_AT_CALL_SITES = True


class IntsKeepingNone(Ints):
    """The same domain, with ``None`` kept apart (as value kinds and data flow do)."""

    NONE = "None"


def run(source: str, domain: type[Ints] = Ints) -> Ints:
    return domain(ModuleIndex(cst.parse_module(textwrap.dedent(source))))


def probes(source: str, domain: type[Ints] = Ints) -> list[Any]:
    """Values of the arguments of every ``probe(...)`` call, in source order."""
    engine = run(source, domain)
    found = []
    for site in engine.model.calls:
        func = site.node.func
        if isinstance(func, cst.Name) and func.value == "probe":
            found.append(engine.values.get(site.node.args[0].value, UNKNOWN))
    return found


# --- statements and joins -----------------------------------------------------


def test_a_domain_keeping_none_apart_joins_it_to_the_other_path() -> None:
    """``out = None`` before the branch that sets it: where it meets the other
    path, a domain with a ``NONE`` value takes the other path's value; any
    other domain joins ``None`` like a value (here: unknown)."""
    source = """
    out = None
    if c:
        out = 3
    probe(out)
    probe(out if d else None)
    """
    assert probes(source, IntsKeepingNone) == [3, 3]
    assert probes(source) == [UNKNOWN, UNKNOWN]


def test_branches_join_equal_values_survive_others_become_unknown() -> None:
    assert probes(
        """
        if c:
            a, b = 1, 2
        else:
            a, b = 1, 3
        probe(a)
        probe(b)
        """
    ) == [1, UNKNOWN]


def test_a_branch_that_leaves_does_not_flow_on() -> None:
    assert probes(
        """
        def f(c):
            x = 1
            if c:
                x = 2
                return x
            elif d:
                raise ValueError(x)
            probe(x)
        """
    ) == [1]


_MAIN_GUARD = """
x = 1
if __name__ == "__main__":
    x = 2

    def step():
        probe(x)
probe(x)
"""


def test_the_main_block_of_the_file_linted_runs() -> None:
    # the functions it defines read what it binds (ignite's process_batch)
    assert probes(_MAIN_GUARD) == [2, 2]
    assert probes(_MAIN_GUARD.replace('__name__ == "__main__"', '"__main__" == __name__')) == [2, 2]
    # another test of the name is no main guard
    assert probes(_MAIN_GUARD.replace('"__main__"', '"train"')) == [UNKNOWN, UNKNOWN]


def test_the_main_block_of_an_imported_module_may_not_run() -> None:
    model = ModuleIndex(cst.parse_module(_MAIN_GUARD))
    model.options[FOR_SUMMARY] = True
    engine = Ints(model)
    probed = [
        engine.values.get(site.node.args[0].value, UNKNOWN)
        for site in engine.model.calls
        if isinstance(site.node.func, cst.Name) and site.node.func.value == "probe"
    ]
    assert probed[-1] == UNKNOWN


def test_loops_run_twice_and_join_with_the_entry_state() -> None:
    assert probes(
        """
        x = 1
        y = 1
        for i in range(3):
            probe(x)
            x = x + 1
            y = 1
        probe(x)
        probe(y)
        """
    ) == [UNKNOWN, UNKNOWN, 1]


def test_try_handlers_start_from_before_or_after_the_body() -> None:
    assert probes(
        """
        x = 1
        try:
            x = 2
        except ValueError as e:
            probe(x)
        probe(x)
        """
    ) == [UNKNOWN, UNKNOWN]


def test_match_without_an_irrefutable_arm_may_match_nothing() -> None:
    assert probes(
        """
        x = 1
        match v:
            case 1:
                x = 2
        probe(x)
        match v:
            case 1:
                y = 2
            case _:
                y = 2
        probe(y)
        """
    ) == [UNKNOWN, 2]


# --- functions, parameters, rounds ----------------------------------------------


def test_calls_return_the_join_of_returns() -> None:
    assert probes(
        """
        def one():
            return 1
        def either(c):
            if c:
                return 1
            return 2
        probe(one())
        probe(either(c))
        """
    ) == [1, UNKNOWN]


def test_parameters_pinned_through_a_chain_of_calls_need_rounds() -> None:
    engine = run(
        """
        def a(p):
            probe(p)
        def b(q):
            a(q)
        b(1)
        """
    )
    assert engine.rounds == 3
    (site,) = [s for s in engine.model.calls if getattr(s.node.func, "value", "") == "probe"]
    assert engine.values[site.node.args[0].value] == 1


def test_rounds_are_bounded() -> None:
    # each round carries a parameter's value one call deeper: four levels
    # take four rounds and reach the innermost
    four = """
        def a(p):
            probe(p)
        def b(q):
            a(q)
        def c(r):
            b(r)
        c(1)
    """
    assert run(four).rounds == 4
    assert probes(four) == [1]
    # six levels would need a sixth round: the innermost stays unknown
    six = """
        def a(p):
            probe(p)
        def b(q):
            a(q)
        def c(r):
            b(r)
        def d(s):
            c(s)
        def e(t):
            d(t)
        e(1)
    """
    assert run(six).rounds == MAX_ROUNDS == 5
    assert probes(six) == [UNKNOWN]


def test_parameters_disagreeing_escaping_or_starred_stay_unknown() -> None:
    assert probes("def f(p):\n    probe(p)\nf(1)\nf(2)\n") == [UNKNOWN]
    assert probes("def f(p):\n    probe(p)\nf(1)\ncallbacks = [f]\n") == [UNKNOWN]
    assert probes("def f(p):\n    probe(p)\nf(1)\nf(*args)\n") == [UNKNOWN]
    assert probes("def f(p, q=2):\n    probe(p + q)\nf(1)\n") == [3]


def test_instances_attributes_and_methods() -> None:
    assert probes(
        """
        class C:
            def __init__(self, n):
                self.n = n
            def get(self):
                return self.n
        c = C(1)
        probe(c.get())
        probe(c.n)
        """
    ) == [1, 1]


# --- module globals, global and nonlocal -------------------------------------------


def test_functions_see_module_names_at_the_end_of_the_module() -> None:
    assert probes("def f():\n    probe(x)\nx = 1\n") == [1]
    # in the first round already, unless a function ran before the name was bound
    assert run("def f():\n    probe(x)\nx = 1\n").rounds == 1
    assert run("def f():\n    probe(x)\nf()\nx = 1\n").rounds == 2


def at_call_sites(source: str) -> list[Any]:
    return probes(source, IntsAtCallSites)


def test_functions_see_module_names_as_their_call_sites_do() -> None:
    # the default: the module's end
    assert probes("x = 1\ndef f():\n    probe(x)\nf()\nx = 2\n") == [2]
    # a notebook rebinding a name after the last call (handson-ml3 ch. 11)
    assert at_call_sites("x = 1\ndef f():\n    probe(x)\nf()\nx = 2\n") == [1]
    # every call site, joined
    assert at_call_sites("x = 1\ndef f():\n    probe(x)\nf()\nx = 2\nf()\n") == [UNKNOWN]
    assert at_call_sites("x = 1\ndef f():\n    probe(x)\nf()\nx = 2\nf()\nx = 1\n") == [UNKNOWN]
    # through a caller: f sees what g's call sites see
    assert at_call_sites("x = 1\ndef f():\n    probe(x)\ndef g():\n    f()\ng()\nx = 2\n") == [1]
    # a function that escapes has callers out of sight: the module's end
    assert at_call_sites("x = 1\ndef f():\n    probe(x)\nf()\nrun(f)\nx = 2\n") == [2]
    # not bound yet at one call: no evidence against the other
    assert at_call_sites("def f():\n    probe(x)\nf()\nx = 1\nf()\nx = 2\n") == [1]


class IntsUnpinned(Ints):
    PINS_FROM_CALLS = False


def test_without_pins_from_calls_parameters_are_unknown() -> None:
    """What a function says for a caller in another file (its summary)."""
    source = (
        "def f(p):\n    probe(p)\n    q = p\n    return q\ndef g():\n    probe(f(1))\nf(1)\ng()\n"
    )
    assert probes(source) == [1, 1]
    assert probes(source, IntsUnpinned) == [UNKNOWN, UNKNOWN]
    for domain, pinned in ((Ints, [True, False]), (IntsUnpinned, [False, False])):
        engine = run(source, domain)
        functions = [n for n in engine.model.module.body if isinstance(n, cst.FunctionDef)]
        assert [engine.pinned(f) for f in functions] == pinned


def test_a_function_giving_its_parameter_back_is_the_argument_of_each_call() -> None:
    """``to_device(x, device)``: each call is what it hands over, not the join."""
    helper = (
        "def f(p, device):\n    if device is None:\n        return p\n    return p.to(device)\n"
    )
    assert probes(helper + "probe(f(1, None))\nprobe(f(2, None))\n") == [1, 2]
    assert probes(helper + "probe(f(device=None, p=3))\n", IntsUnpinned) == [3]
    # ``p.to(dtype)`` changes the value: not given back as it is
    to_dtype = "def f(p, dtype):\n    return p.to(dtype)\n"
    assert probes(to_dtype + "probe(f(1, 0))\nprobe(f(2, 0))\n") == [UNKNOWN, UNKNOWN]
    # a body that rebinds the parameter, or gives back another name: the join
    rebinds = "def f(p):\n    p = p\n    return p\n"
    assert probes(rebinds + "probe(f(1))\nprobe(f(2))\n") == [UNKNOWN, UNKNOWN]


def test_an_alias_is_not_an_escape() -> None:
    assert probes("def f(p):\n    probe(p)\ng = f\ng(1)\nf(1)\n") == [1]
    assert probes("def f(p):\n    probe(p)\ng = f\ng(1)\nrun(g)\n") == [UNKNOWN]


def test_names_a_function_rebinds_with_global_are_unknown_to_functions() -> None:
    assert probes(
        """
        x = 1
        def g():
            global x
            x = 2
        def f():
            probe(x)
        """
    ) == [UNKNOWN]


def test_calling_a_function_that_rebinds_a_global_forgets_it() -> None:
    assert probes(
        """
        x = 1
        def g():
            global x
            x = 2
        probe(x)
        g()
        probe(x)
        """
    ) == [1, UNKNOWN]


def test_nonlocal_rebinding_makes_the_enclosing_local_unknown() -> None:
    assert probes(
        """
        def main():
            x = 1
            def bump():
                nonlocal x
                x = x + 1
            def read():
                probe(x)
            probe(x)
            bump()
            probe(x)
            read()
        """
    ) == [UNKNOWN, 1, UNKNOWN]  # read's probe comes first in the source


# --- closures ------------------------------------------------------------------------


def test_closure_sees_the_enclosing_locals_where_it_runs() -> None:
    assert probes(
        """
        def main():
            n = 1
            def step(engine, batch):
                probe(n)
            trainer = Engine(step)
            trainer.run(data)
        """
    ) == [1]


def test_closure_joins_the_values_at_every_call() -> None:
    assert probes(
        """
        def main():
            n = 1
            def step():
                probe(n)
            step()
            n = 2
            step()
        """
    ) == [UNKNOWN]


def test_closure_defined_before_the_name_is_bound() -> None:
    assert probes(
        """
        def main():
            def step():
                probe(n)
            n = 1
            step()
        """
    ) == [1]


def test_decorated_closure_sees_values_from_its_definition_on() -> None:
    assert probes(
        """
        def main():
            n = 1
            @trainer.on(EPOCH_COMPLETED)
            def log(engine):
                probe(n)
            n = 2
        """
    ) == [UNKNOWN]


def test_closure_two_levels_deep() -> None:
    assert probes(
        """
        def main():
            n = 1
            def outer():
                def inner():
                    probe(n)
                inner()
            outer()
        """
    ) == [1]


# --- the clients ------------------------------------------------------------------------

TORCH = """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
    def forward(self, x):
        return torch.softmax(self.fc(x), dim=1)
"""


def test_value_kinds_through_a_closure() -> None:
    source = TORCH + textwrap.dedent(
        """
        def main():
            model = Net()
            criterion = nn.CrossEntropyLoss()
            def step(engine, batch):
                x, y = batch
                out = model(x)
                return criterion(out, y)
            trainer = Engine(step)
            trainer.run(loader)
        """
    )
    model = SemanticModel(cst.parse_module(source))
    (loss,) = model.kinds.loss_calls.values()
    assert loss.input_expr is not None
    value = model.value(loss.input_expr)
    assert isinstance(value, Tensor) and value.kind is Kind.PROBS
    assert loss.where == "step"


def test_keras_facts_through_a_closure() -> None:
    source = textwrap.dedent(
        """
        import keras
        def main():
            model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
            def compile_it():
                model.compile(loss="categorical_crossentropy")
            compile_it()
        """
    )
    facts = K.keras_facts(SemanticModel(cst.parse_module(source)))
    (comp,) = facts.compiles
    assert comp.model is not None and comp.model.head() is not None
    assert comp.model.head().units == 1  # type: ignore[union-attr]


def test_keras_model_built_by_a_function_with_global_is_not_the_stale_module_value() -> None:
    source = textwrap.dedent(
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        def rebuild():
            global model
            model = keras.Sequential([keras.layers.Dense(1)])
        rebuild()
        model.compile(loss="categorical_crossentropy")
        """
    )
    facts = K.keras_facts(SemanticModel(cst.parse_module(source)))
    (comp,) = facts.compiles
    assert comp.model is None


def test_keras_compile_on_an_instance_of_a_class_with_an_unknown_base() -> None:
    source = textwrap.dedent(
        """
        import keras
        from elsewhere import Model
        class Trainable(Model):
            def train_step(self, data):
                return {}
        model = Trainable()
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """
    )
    facts = K.keras_facts(SemanticModel(cst.parse_module(source)))
    (comp,) = facts.compiles
    assert comp.model is None and comp.loss is not None and comp.loss.from_logits is True


# --- a call's literals decide its callee's branches ---------------------------------


def test_a_literal_argument_decides_the_branches_testing_it() -> None:
    source = """
        def block(width, last=False):
            if last:
                return width + 100
            return width + 1
        def head(kind):
            return 7 if kind == "linear" else 8
        def gate(on, other):
            if not on and other:
                return 1
            return 2
        probe(block(1))
        probe(block(1, last=True))
        probe(block(1, True))
        probe(block(1, last=flag))
        probe(head("linear"))
        probe(head("conv"))
        probe(gate(False, x))
        probe(gate(True, x))
    """
    # the joined result of block (both calls pin width=1) is unknown: each
    # literal call runs its own branch; an unknown flag joins both
    assert probes(source) == [2, 101, 101, UNKNOWN, 7, 8, UNKNOWN, 2]


def test_a_reassigned_flag_is_not_decided_by_the_call() -> None:
    source = """
        def block(last):
            last = not last
            if last:
                return 1
            return 2
        probe(block(True))
        probe(block(False))
    """
    assert probes(source) == [UNKNOWN, UNKNOWN]


def test_one_line_function_bodies_are_statements_of_the_tree() -> None:
    # ``def f(x): return x / 255`` beside Keras labels: LF413 asked the position
    # of a statement made up for the one-line body and raised KeyError (fastai's
    # courses, audit R98)
    from lossflint.linter import RuleSet, lint_text

    text = (
        "from keras.datasets import mnist\n"
        "(X_train, y_train), (X_test, y_test) = mnist.load_data()\n"
        "def norm_input(x): return x / 255\n"
        "y_train = norm_input(y_train)\n"
    )
    result = lint_text(text, "example.py", RuleSet(["LF413"]), [])
    assert not result.errors
