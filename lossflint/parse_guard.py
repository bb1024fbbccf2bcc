"""Keep libcst's native parser away from input that would crash the process.

libcst parses in native (Rust) code that recurses once per nesting level and
has no depth limit of its own: past some thousands of levels it overflows the
C stack and the whole process dies with SIGSEGV (no Python exception). Its
time also grows much faster than linearly with depth. Measured with libcst
1.9 in a subprocess per input, on an 8 MiB main-thread stack:

==========================================  ==================  =======================
shape (``n`` repetitions)                   libcst dies from    CPython 3.11
==========================================  ==================  =======================
``if``/``elif`` chain                       n ≈ 8,500           RecursionError ≥ 3,000
``a and \\`` continuation chain             n ≈ 7,250           parses (flat ``BoolOp``)
``(a or`` / ``a or`` ... ``)`` in brackets  n ≈ 7,250           parses (flat ``BoolOp``)
``-------1`` / ``not not ... x``            n ≈ 8,200           RecursionError ≥ 3,000
``lambda: \\`` continuation chain           n < 4,000           MemoryError ≥ 3,000
``import a.a.a...`` (dotted name)           n < 10,000          parses (flat name)
==========================================  ==================  =======================

At depth 1,000 the slowest shapes (call chains ``f()()()...``, attribute
chains, lambdas) already take seconds; at 4,000 over a minute.

So, before libcst sees a text:

1. :func:`scan` (cheap, a regular expression) finds text that *could* be
   deep: a logical line with more than :data:`LONG_LOGICAL_LINE` characters
   of code (strings and comments do not count: they cannot nest), brackets
   nested more than 200 deep, or more than :data:`MANY_ELIFS` ``elif``. The
   nesting depth of anything else is bounded by those numbers (every level
   costs at least one character of code), well inside what libcst survives.
2. Text the scan flags is parsed by CPython first (:func:`verdict`), which
   either refuses it (too deep for Python itself) or gives an AST whose
   nesting is measured the way libcst nests (``a and b and c`` and dotted
   import names are flat for CPython, one level per operand for libcst);
   over :data:`MAX_NESTING` the answer is LF900 instead of a crash.
3. libcst always runs in a thread with a :data:`PARSE_STACK_SIZE` stack
   (:func:`call_with_big_stack`): a margin of two orders of magnitude over
   the depths that pass 1–2, whatever the caller's stack (editor threads,
   small default stacks on other platforms).
"""

from __future__ import annotations

import ast
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: deeper than this (measured on CPython's AST the way libcst nests) is
#: refused: nothing written by hand comes near, and libcst takes seconds here
MAX_NESTING = 1000
#: characters of code (not strings or comments) in one logical line above
#: which the nesting is measured instead of assumed small
LONG_LOGICAL_LINE = 2000
#: CPython's own limit for nested brackets
MAX_BRACKETS = 200
MANY_ELIFS = 500
#: with a SyntaxError from CPython there is no AST to measure: libcst still
#: gets the text (it may be syntax newer than this interpreter) when its
#: longest logical line is below this, which the parse stack holds easily
UNMEASURED_SAFE_LINE = 50_000
#: measured: about 1-2.5 KiB of stack per nesting level, so this holds more
#: than 100,000 levels; the memory is reserved, only touched pages are used
PARSE_STACK_SIZE = 256 * 1024 * 1024

# strings (all quote forms; prefixes need no handling: a backslash never ends
# a string, raw or not) and comments: they cannot nest, so they do not count
_STRINGS = re.compile(
    r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
    r"|#[^\n]*",
    re.DOTALL,
)
# what delimits logical lines in the rest: brackets, continuations, newlines
_STRUCTURE = re.compile(r"\\\r?\n|[()\[\]{}\n]")
# an import statement up to the end of its logical line (continuations included)
_IMPORT = re.compile(r"^[ \t]*(?:import|from)\b(?:[^\n\\]|\\.)*", re.MULTILINE | re.DOTALL)
_CPYTHON_LIMIT = re.compile(r"too many nested|too deeply|too many levels|too complex")


@dataclass(frozen=True)
class Scan:
    """What the cheap pass saw."""

    longest_line: int  # characters of code in the longest logical line
    brackets: int  # deepest bracket nesting
    elifs: int

    @property
    def risky(self) -> bool:
        return (
            self.longest_line > LONG_LOGICAL_LINE
            or self.brackets > MAX_BRACKETS
            or self.elifs > MANY_ELIFS
        )


def scan(text: str) -> Scan:
    elifs = text.count("elif")
    if len(text) <= LONG_LOGICAL_LINE:
        return Scan(len(text), 0, elifs)
    code = _STRINGS.sub("", text)
    depth = deepest = longest = 0
    start = 0  # where the current logical line starts
    for match in _STRUCTURE.finditer(code):
        token = match.group()
        if token == "\n":
            if depth == 0:
                end = match.end()
                longest = max(longest, end - start)
                start = end
        elif token in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif token[0] == "\\":
            pass  # a continuation joins the lines
        elif depth:
            depth -= 1
    longest = max(longest, len(code) - start)
    return Scan(longest, deepest, elifs)


@dataclass(frozen=True)
class Refusal:
    """Why a text is not given to libcst, and where."""

    message: str
    row: int = 1
    column: int = 1


def check(text: str) -> Refusal | None:
    """None when libcst may parse ``text``; else why not."""
    seen = scan(text)
    if not seen.risky:
        return None
    return verdict(text, seen)


def verdict(text: str, seen: Scan) -> Refusal | None:
    """CPython's parser has limits of its own (it refuses what is too deep
    instead of crashing) and measures the rest for us."""
    for match in _IMPORT.finditer(text):
        # a dotted name is one level per dot for libcst, and CPython's time
        # to parse one is quadratic in its length: measured here, not there
        depth = match.group().count(".")
        if depth > MAX_NESTING:
            return _too_deep(depth, text.count("\n", 0, match.start()) + 1, 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(text, "<lossflint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        return Refusal("too deeply nested (Python's own parser gives up)")
    except SyntaxError as exc:
        msg = exc.msg or ""
        if _CPYTHON_LIMIT.search(msg):
            return Refusal(f"too deeply nested ({msg})", exc.lineno or 1, exc.offset or 1)
        if seen.longest_line > UNMEASURED_SAFE_LINE:
            # no AST to measure and too long to hand over blind
            return Refusal(msg, exc.lineno or 1, exc.offset or 1)
        return None  # maybe syntax newer than this interpreter: libcst decides
    except (ValueError, OverflowError):
        return None
    depth, node = nesting(tree)
    if depth > MAX_NESTING:
        return _too_deep(depth, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)
    return None


def _too_deep(depth: int, row: int, column: int) -> Refusal:
    return Refusal(
        f"too deeply nested for lossflint's parser (nesting depth {depth}; "
        f"the limit is {MAX_NESTING})",
        row,
        column,
    )


def nesting(tree: ast.AST) -> tuple[int, ast.AST]:
    """The deepest nesting of ``tree`` counted as libcst nests (and the
    node where it is reached)."""
    best, where = 0, tree
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1  # libcst: one level per operator
        elif isinstance(node, ast.alias):
            depth += node.name.count(".")  # libcst: nested Attribute nodes
        elif isinstance(node, ast.ImportFrom) and node.module:
            depth += node.module.count(".")
        if depth > best:
            best, where = depth, node
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))
    return best, where


_STACK_LOCK = threading.Lock()
#: seconds between two looks at whether the parse thread is done (an
#: exception raised in the waiting thread is taken between two)
_WAIT_SLICE = 0.05


@contextmanager
def no_thread_starting() -> Iterator[None]:
    """Held while no parse thread is being started. CPython (3.11) gives a
    thread being started the starting thread's id until it runs, and an
    exception raised in a thread by id (``PyThreadState_SetAsyncExc``: the
    language server's worker cancelling a job) goes to every thread with
    that id: the parse thread died before it began, and ``Thread.start()``
    waited forever for it (the worker hung in a burst of typing). The
    worker raises under this (tests/test_lsp_cancel_parse.py)."""
    with _STACK_LOCK:
        yield


def call_with_big_stack(func: Callable[[str], T], text: str) -> T:
    """``func(text)`` in a thread with a :data:`PARSE_STACK_SIZE` stack;
    its exception, if any, is raised here. The thread is started under the
    lock of :func:`no_thread_starting` (``Thread.start()`` returns once the
    thread runs) and waited for in slices, so that an exception raised in
    the waiting thread (a cancelled job) is taken between two."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(func(text))
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="lossflint-parse", daemon=True)
    started = False
    with _STACK_LOCK:
        try:
            previous: int | None = threading.stack_size(PARSE_STACK_SIZE)
        except (ValueError, RuntimeError):  # the platform refuses such a stack
            previous = None
        if previous is not None:
            try:
                thread.start()
                started = True
            except RuntimeError:  # no memory for the stack
                pass
            finally:
                threading.stack_size(previous)
    if not started:
        return func(text)
    while thread.is_alive():
        thread.join(_WAIT_SLICE)
    if failure:
        raise failure[0]
    return outcome[0]
