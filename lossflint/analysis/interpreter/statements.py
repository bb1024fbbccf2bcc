"""How each statement moves the environment: assignments, branches and
their joins, loops (run twice), ``try``, ``match``, ``with``, and the
statements that leave a block."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.dead_code import constant_truth, module_flag_truth
from lossflint.analysis.interpreter.base import Base, Env, V
from lossflint.analysis.interpreter.specialise import test_truth
from lossflint.analysis.interpreter.syntax import (
    irrefutable,
    is_main_guard,
    match_names,
    statements_of,
)
from lossflint.analysis.values import ClassRef, FunctionRef
from lossflint.analysis.walk import nodes_in
from lossflint.project.context import FOR_SUMMARY


class Statements(Base[V]):
    """Statement execution, in program order."""

    def _exec_block(self, body: Sequence[cst.CSTNode], env: Env) -> Env | None:
        """Run statements; None when the block always leaves (return/raise/...)."""
        for stmt in body:
            result = self._exec_stmt(stmt, env)
            if result is None:
                return None
            env = result
        return env

    def _exec_stmt(self, stmt: cst.CSTNode, env: Env) -> Env | None:
        self.stmt = stmt
        if type(stmt) is cst.SimpleStatementLine or type(stmt) is cst.SimpleStatementSuite:
            for small in stmt.body:  # type: ignore[attr-defined]
                if not self._exec_small(small, env):
                    return None
            return env
        if type(stmt) is cst.If:
            self.eval(stmt.test, env)
            # a literal test takes one side only (``if True: ... elif ...:``)
            truth = constant_truth(stmt.test)
            if truth is None and self.frame.constants:
                truth = test_truth(stmt.test, self.frame.constants)
            if truth is None:
                truth = self.type_test_truth(stmt.test, env)
            if truth is None and self.frame.func is None:
                truth = module_flag_truth(self.model, stmt.test)
            if (
                truth is None
                and self.frame.func is None
                and is_main_guard(stmt.test)
                and not self.model.options.get(FOR_SUMMARY)
            ):
                # the file linted is the program that runs: its main block
                # runs, and the functions it defines read what it binds
                truth = True
            then = self._exec_block(statements_of(stmt), dict(env)) if truth is not False else None
            if truth is True:
                return then
            if stmt.orelse is None:
                other: Env | None = dict(env)
            elif type(stmt.orelse) is cst.If:
                other = self._exec_stmt(stmt.orelse, dict(env))
            else:
                other = self._exec_block(statements_of(stmt.orelse), dict(env))
            if truth is False:
                return other
            return self._join_envs([then, other], branches=True)
        if isinstance(stmt, (cst.For, cst.While)):
            return self._exec_loop(stmt, env)
        if type(stmt) is cst.With:
            for item in stmt.items:
                self.eval(item.item, env)
                if item.asname is not None:
                    self._assign(item.asname.name, self.unknown, env)
            return self._exec_block(statements_of(stmt), env)
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            return self._exec_try(stmt, env)
        if type(stmt) is cst.Match:
            self.eval(stmt.subject, env)
            # no arm may match, unless one is irrefutable (``case _:`` / ``case x:``)
            exhaustive = any(irrefutable(case) for case in stmt.cases)
            arms: list[Env | None] = [] if exhaustive else [dict(env)]
            for case in stmt.cases:
                case_env = dict(env)
                for name in match_names(case.pattern):
                    case_env[name] = self.unknown
                arms.append(self._exec_block(statements_of(case), case_env))
            return self._join_envs(arms, branches=True)
        if type(stmt) is cst.FunctionDef:
            ref = FunctionRef(stmt)
            env[stmt.name.value] = ref
            if stmt.decorators and self.recording and self.frame.func is not None:
                # a decorator may keep it to call later (``@trainer.on(...)``)
                self._capture(stmt, env)
            return env
        if type(stmt) is cst.ClassDef:
            env[stmt.name.value] = ClassRef(stmt)
            return env
        return env

    def _exec_try(self, stmt: cst.Try | cst.TryStar, env: Env) -> Env | None:
        before = dict(env)
        after_body = self._exec_block(statements_of(stmt), env)
        if stmt.orelse is not None and after_body is not None:
            after_body = self._exec_block(statements_of(stmt.orelse), after_body)
        outs: list[Env | None] = [after_body]
        for handler in stmt.handlers:
            start = self._join_envs([before, after_body]) or dict(before)
            if handler.name is not None:
                self._assign(handler.name.name, self.unknown, start)
            outs.append(self._exec_block(statements_of(handler), start))
        merged = self._join_envs(outs, branches=True)
        if stmt.finalbody is not None:
            base = merged if merged is not None else dict(before)
            fin = self._exec_block(statements_of(stmt.finalbody), base)
            return fin if merged is not None else None
        return merged

    def _exec_loop(self, stmt: cst.For | cst.While, env: Env) -> Env | None:
        if isinstance(stmt, cst.For):
            self.eval(stmt.iter, env)
        else:
            self.eval(stmt.test, env)
        current = dict(env)
        # a body sure to run (``for i in range(3)``) leaves no path around it
        once = isinstance(stmt, cst.For) and self._runs_at_least_once(stmt)
        exits: list[Env | None] = [] if once else [dict(env)]
        records = self.records_made()
        for pass_ in range(2):
            body_env = dict(current)
            if type(stmt) is cst.For:
                self._assign(stmt.target, self.unknown, body_env)
            out = self._exec_block(statements_of(stmt), body_env)
            # a body that always leaves (break/return) still reached here
            if out is None:
                out = body_env
            if once and pass_ == 0:
                joined = out
                exits.append(dict(joined))
                current = joined
                continue
            joined = self._join_envs([current, out]) or current
            if (
                pass_ == 0
                and self.records_made() == records
                and self._second_pass_repeats(current, joined)
            ):
                # the second pass would run from what the first ran from and
                # end where it ends: its exits are the first's
                exits.append(dict(joined))
                current = joined
                break
            current = joined
            exits.append(dict(current))
        if stmt.orelse is not None:
            current = self._exec_block(statements_of(stmt.orelse), current) or current
        return self._join_envs([*exits, current])

    def _runs_at_least_once(self, stmt: cst.For) -> bool:
        """``for`` over ``range(k)`` with a literal ``k > 0`` (or literal
        bounds) or over a non-empty literal list/tuple, whose body has no
        ``break``/``continue`` (a path leaving it early is not followed)."""
        if nodes_in(stmt.body, cst.Break, cst.Continue):
            return False
        it = stmt.iter
        if isinstance(it, (cst.List, cst.Tuple)):
            return bool(it.elements) and not any(
                isinstance(e, cst.StarredElement) for e in it.elements
            )
        if not isinstance(it, cst.Call) or self.model.qualname(it.func) != "builtins.range":
            return False
        bounds = [literal_value(a.value) for a in it.args]
        if any(a.keyword is not None or a.star for a in it.args) or not 1 <= len(bounds) <= 2:
            return False
        if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            return False
        start, stop = (0, bounds[0]) if len(bounds) == 1 else bounds
        return stop > start  # type: ignore[operator]

    def _exec_small(self, small: cst.BaseSmallStatement, env: Env) -> bool:
        """Run one small statement; False when it leaves the block."""
        if type(small) is cst.Assign:
            value = self.eval(small.value, env)
            for target in small.targets:
                self._assign(target.target, value, env)
        elif type(small) is cst.Expr:
            self.eval(small.value, env)
        elif type(small) is cst.AnnAssign:
            if small.value is not None:
                value = self.eval(small.value, env)
                if value is self.unknown:  # ``self.model: Classifier = model``
                    value = self._annotated(small.annotation)
                self._assign(small.target, value, env)
        elif type(small) is cst.AugAssign:
            right = self.eval(small.value, env)
            left = self.eval(small.target, env)
            op = type(small.operator).__name__[: -len("Assign")]
            self._assign(small.target, self.binary(op, left, right, small), env)
        elif type(small) is cst.Return:
            value = self.eval(small.value, env) if small.value is not None else self.unknown
            self.frame.returns.append(value)
            if self.frame.exits is not None:
                self.frame.exits.append(dict(env))
            return False
        elif type(small) is cst.Raise:
            if small.exc is not None:
                self.eval(small.exc, env)
            return False
        elif type(small) in (cst.Break, cst.Continue):
            return False
        elif type(small) is cst.Del:
            self._assign(small.target, self.unknown, env)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            names = small.names if not isinstance(small.names, cst.ImportStar) else []
            for alias in names:
                local = None
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    local = alias.asname.name.value
                elif type(alias.name) is cst.Name:
                    local = alias.name.value
                if local is None:
                    continue
                # inside a function, a project module's name is read through its
                # summary; module-level imports are looked up where they are used
                value = self.project_import(small, local) if self.frame.func else self.unknown
                if value is self.unknown:
                    env.pop(local, None)
                else:
                    env[local] = value
        return True
