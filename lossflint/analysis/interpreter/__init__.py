"""The abstract interpreter: one engine, several domains.

Runs the statements of a module in program order with an environment of
abstract values (``Env``: a name or dotted attribute path → value). What the
values *are* and how calls, attributes and operators evaluate is the domain's
business (a subclass: ``KindAnalysis`` for tensor kinds, ``KerasFacts`` for
Keras models); everything about control flow and the program's structure is
here, once:

- ``if``/``match`` arms run separately and join (equal values survive,
  anything else becomes the domain's unknown); loops run twice and join with
  the entry state; a block that always returns/raises/breaks does not flow on;
- every function (and method) runs once per round; a same-file call returns
  the join of the callee's ``return`` values (a generator's call is unknown);
- parameters are unknown unless every same-file call site agrees on them
  (defaults count where a call relies on them); a function that escapes (is
  used as a value: callback, decorator argument, stored; an alias ``g = f``
  is not) or is called with
  ``*args`` has callers we cannot see and stays unpinned;
- calling a same-file class makes an ``Instance``; ``self.<attr>`` is what
  ``__init__`` leaves, joined with other methods' assignments; calling an
  instance runs the domain's call methods (``forward``/``__call__``);
- module-level names seen from functions take their value at the end of the
  module body (in the same round for functions the body did not run), or, for a
  domain that asks (``GLOBALS_AT_CALL_SITES``: the Keras facts), where the
  function is called: the join of the module's environments at its same-file
  call sites (through callers, in program order: a notebook's later cell never
  reaches an earlier call; a function that escapes keeps the module's end);
  names some function rebinds with ``global`` are unknown to functions; a
  direct call of a function that rebinds a name with ``global``/``nonlocal``
  makes that name unknown in the caller afterwards;
- closures: a nested function sees the enclosing function's locals as they
  are where it can run: at its direct calls, where it escapes (passed on,
  returned, decorated) and at the enclosing function's exits (joined); names a
  nested function rebinds with ``nonlocal`` are unknown there;
- the last three facts depend on the whole file, so rounds repeat (at most
  ``MAX_ROUNDS``) until module globals, parameters and closures are stable.

The value of every expression evaluated while recording is kept (joined
across evaluations) in ``values``: what a rule asks for "what does this hold
here?".

The parts: ``base`` (frames, environments and their joins, the domain's
hooks), ``statements`` (how each statement moves the environment),
``expressions`` (how each expression evaluates), ``engine`` (rounds,
functions, calls, parameters, closures, module names, ``self`` attributes),
``syntax`` (reading parameters, decorators, patterns).
"""

from lossflint.analysis.interpreter.base import Env, Frame
from lossflint.analysis.interpreter.engine import MAX_ROUNDS, Interpreter

__all__ = ["MAX_ROUNDS", "Env", "Frame", "Interpreter"]
