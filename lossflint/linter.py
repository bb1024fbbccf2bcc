"""Lint one source text: parse once, build the model, run rules, filter."""

from __future__ import annotations

import ast
import os
import re
import traceback
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import libcst as cst

from lossflint import parse_guard
from lossflint.analysis.dead_code import dead_store, unreachable
from lossflint.analysis.model import SemanticModel
from lossflint.analysis.names import assumptions
from lossflint.analysis.walk import nodes_in
from lossflint.diagnostics import (
    Diagnostic,
    Edit,
    Finding,
    Fix,
    FixSpec,
    InsertImport,
    Location,
    Related,
    RelatedNode,
    RelatedSite,
    Severity,
    assumption_note,
)
from lossflint.fix_imports import import_edit
from lossflint.noqa import file_is_exempt, is_suppressed, parse_noqa, unused_codes
from lossflint.registry import Rule, all_rules


@dataclass
class InternalError:
    code: str
    filename: str
    message: str

    def __str__(self) -> str:
        return f"internal error in {self.code} on {self.filename}: {self.message}"


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    #: summaries of other project modules the result used (module → summary
    #: hash), set by the project driver; a cached result is valid while they hold
    deps: dict[str, str] = field(default_factory=dict)


class RuleSet:
    """Instantiated rules for a run (built once per process)."""

    def __init__(self, codes: list[str], options: dict[str, dict[str, Any]] | None = None):
        rules = all_rules()
        options = options or {}
        self.codes = list(codes)
        self.rules: list[Rule] = [
            rules[c](options.get(c)) for c in codes if c not in ("LF900", "LF901")
        ]
        self.report_syntax = "LF900" in codes
        self.report_unused_noqa = "LF901" in codes

    @classmethod
    def default(cls) -> RuleSet:
        return cls([c for c, r in all_rules().items() if r.default_enabled])


def syntax_diagnostic(filename: str, message: str, row: int, column: int) -> Diagnostic:
    loc = Location(max(row, 1), max(column, 1))
    return Diagnostic(
        code="LF900",
        name="syntax-error",
        message=message,
        severity=Severity.ERROR,
        filename=filename,
        location=loc,
        end_location=loc,
        statement_row=loc.row,
    )


def _parse_error_message(exc: cst.ParserSyntaxError) -> str:
    text = exc.message
    text = re.sub(r"^parser error: error at \d+:\d+: ", "", text)
    return f"cannot parse: {text}"


#: ``x.cuda(async=True)``: PyTorch 0.3's keyword, a reserved word since Python 3.7
_ASYNC_KEYWORD = re.compile(r"[(,]\s*async\s*=")


def _syntax_hint(error: SyntaxError) -> str:
    """What the usual cause of this error in old training code is."""
    if error.text is not None and _ASYNC_KEYWORD.search(error.text):
        if error.text.lstrip().startswith("def "):
            # ``def forward(self, x, async=True)`` (geomapnet, audit s234)
            return " (`async` is a reserved word since Python 3.7: rename the parameter)"
        return (
            " (`async` is a reserved word since Python 3.7: "
            "`.cuda(async=True)` is `.cuda(non_blocking=True)`)"
        )
    return ""


def parse(text: str, filename: str) -> cst.Module | Diagnostic:
    return parse_text(text, filename)[0]


def parse_text(text: str, filename: str) -> tuple[cst.Module | Diagnostic, bool]:
    """The module (or LF900) and whether it is the text's own: False when it
    was parsed with its indentation's tabs expanded (its code is not the
    file's, so none of its fixes may be written)."""
    # input nested deeper than libcst's native parser survives is refused
    # first (the parser would take the whole process down with it)
    refusal = parse_guard.check(text)
    if refusal is not None:
        return syntax_diagnostic(
            filename, f"cannot parse: {refusal.message}", refusal.row, refusal.column
        ), True
    try:
        return parse_guard.call_with_big_stack(cst.parse_module, text), True
    except cst.ParserSyntaxError as exc:
        # CPython's parser gives better messages and positions; ask it only
        # when libcst already failed
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text)
        except SyntaxError as py_exc:
            return syntax_diagnostic(
                filename,
                f"cannot parse: {py_exc.msg}{_syntax_hint(py_exc)}",
                py_exc.lineno or 1,
                py_exc.offset or 1,
            ), True
        except (ValueError, RecursionError, MemoryError):
            pass
        else:
            retried = _parse_tabs_expanded(text)
            if retried is not None:
                return retried, False
        return syntax_diagnostic(
            filename, _parse_error_message(exc), exc.editor_line, exc.editor_column
        ), True
    except RecursionError:
        return syntax_diagnostic(filename, "cannot parse: expression nested too deeply", 1, 1), True
    except Exception as exc:  # the native parser can raise other errors
        return syntax_diagnostic(filename, f"cannot parse: {exc}", 1, 1), True


def _without_ipython_lines(text: str, filename: str, error: Diagnostic) -> cst.Module | None:
    """The module of a ``.py`` file whose syntax error is an IPython line
    (``%matplotlib inline``, ``!pip install ...`` of an exported notebook),
    parsed with every such line masked as a notebook cell's are; None when
    the error is something else or the masked text does not parse either."""
    if not filename.endswith(".py"):
        return None
    from lossflint.ipython_lines import is_ipython_line, mask_ipython

    lines = text.split("\n")
    row = error.location.row
    if not 0 < row <= len(lines) or not is_ipython_line(lines[row - 1]):
        return None
    masked = mask_ipython(text, {})
    if masked is None:
        return None
    parsed, own = parse_text(masked, filename)
    return parsed if isinstance(parsed, cst.Module) and own else None


#: the keyword argument ``async=`` and what stands before it
def _recovered_old_syntax(text: str, filename: str, error: Diagnostic) -> cst.Module | None:
    """The module of a file written for an older Python, parsed with its old
    syntax rewritten where CPython stops, one form after another (a file may
    hold both): a Python 2 ``print x`` statement written ``print(x)`` (rows
    hold; the code ran on Python 2, and its training code says the same
    there: DanQ and the capsule-network tutorials, audits s156/s159), and
    ``async`` used as a name before Python 3.7 (PyTorch 0.3's
    ``.cuda(async=True)``, a parameter ``def forward(self, x, async=True)``:
    geomapnet, audit s234) renamed ``_sync`` (the same width: positions
    hold). None when the error is something else or the rewritten text does
    not parse either."""
    current = text
    for _ in range(_MAX_REWRITES):
        rewritten = _rewritten_at_error(current, error)
        if rewritten is None or rewritten == current:
            return None
        parsed, own = parse_text(rewritten, filename)
        if isinstance(parsed, cst.Module):
            return parsed if own else None
        current, error = rewritten, parsed
    return None


#: old-syntax rewrites tried one after another on a file
_MAX_REWRITES = 3


def _rewritten_at_error(text: str, error: Diagnostic) -> str | None:
    from lossflint.ipython_lines import call_prints, prints_called_at_error

    row = error.location.row
    lines = text.split("\n")
    line = lines[row - 1] if 0 < row <= len(lines) else ""
    if _ASYNC_NAME.search(line):
        return _ASYNC_NAME.sub("_sync", text)
    rewritten = prints_called_at_error(text, row, {})
    if rewritten is None and _PY2_EXCEPT.match(line):
        # ``except Exception, ex:`` (which libcst reads) where CPython stops,
        # then ``print Exception, ":", ex`` (captcha-break, audit s163)
        rewritten = call_prints(text, {})
    return rewritten


#: ``async`` as a name (a keyword argument, a parameter, a value), not the
#: ``async def`` / ``async for`` / ``async with`` of Python 3.5 on
_ASYNC_NAME = re.compile(r"(?<![\w.])async(?!\s+(?:def|for|with)\b)(?=\s*[=,)])|(?<==)async\b")


#: ``except Exception, msg:``: Python 2's form, which libcst reads as Python
#: 3.14's unparenthesised ``except A, B:`` (whose names are classes, not a
#: lower-case variable)
_PY2_EXCEPT = re.compile(r"^([ \t]*except[ \t]+)[\w.]+[ \t]*,[ \t]*[a-z_][a-z0-9_]*[ \t]*:", re.M)


def _python2_except(text: str, module: cst.Module, filename: str) -> Diagnostic | None:
    """LF900 at Python 2's ``except Exception, msg:``: a syntax error before
    Python 3.14, and there a handler of two exception classes, ``msg`` being
    none (the code was never run on Python 3). libcst reads the file, so its
    other findings are reported too."""
    if "except" not in text:
        return None
    found = _PY2_EXCEPT.search(text)
    if found is None or not any(_python2_handler(h) for h in nodes_in(module, cst.ExceptHandler)):
        return None
    row = text.count("\n", 0, found.start()) + 1
    column = len(found.group(1)) + 1
    return syntax_diagnostic(
        filename,
        "Python 2 syntax: `except X, e:` is a syntax error before Python 3.14 "
        "(multiple exception types must be parenthesized) and catches `e` as a "
        "class after it; write `except X as e:`",
        row,
        column,
    )


def _python2_handler(handler: cst.CSTNode) -> bool:
    if not isinstance(handler, cst.ExceptHandler) or handler.name is not None:
        return False
    kind = handler.type
    if not isinstance(kind, cst.Tuple) or kind.lpar or len(kind.elements) != 2:
        return False
    last = kind.elements[1].value
    return isinstance(last, cst.Name) and last.value[:1].islower()


_INDENT = re.compile(r"^[ \t\f]*\t[ \t\f]*", re.M)


def _parse_tabs_expanded(text: str) -> cst.Module | None:
    """A text CPython accepts but libcst's tokenizer refuses, most often an
    indentation mixing spaces and tabs (a space and a tab, then nine spaces) that CPython
    reads with tab stops of 8: parsed again with those tabs expanded. Lines
    stay where they are; columns move on the lines that had tabs."""
    if "\t" not in text:
        return None
    expanded = _INDENT.sub(lambda m: m.group(0).expandtabs(8), text)
    try:
        module = parse_guard.call_with_big_stack(cst.parse_module, expanded)
    except Exception:
        return None
    return module


def lint_source(
    text: str,
    path: str | Path = "<string>",
    ruleset: RuleSet | None = None,
    ignored: list[str] | None = None,
) -> list[Diagnostic]:
    """Lint Python source text and return its diagnostics, sorted."""
    result = lint_text(text, str(path), ruleset or RuleSet.default(), ignored or [])
    if result.errors:
        raise RuntimeError(str(result.errors[0]))
    return result.diagnostics


def lint_text(
    text: str,
    filename: str,
    ruleset: RuleSet,
    ignored: list[str],
    module: cst.Module | None = None,
) -> LintResult:
    """Findings of ``text``; ``module``: its tree, when the caller has it
    (the language server reuses the unchanged statements of a buffer)."""
    result = LintResult()
    if file_is_exempt(text):
        return result
    own_text = True
    if module is not None:
        parsed: cst.Module | Diagnostic = module
    else:
        parsed, own_text = parse_text(text, filename)
    if isinstance(parsed, Diagnostic):
        recovered = _without_ipython_lines(text, filename, parsed) if module is None else None
        if recovered is not None:
            hint = " (an IPython line: the file runs only in IPython; the rest is checked)"
            parsed = replace(parsed, message=parsed.message + hint)
        elif module is None:
            recovered = _recovered_old_syntax(text, filename, parsed)
            if recovered is not None:
                parsed = replace(parsed, message=parsed.message + "; the rest is checked")
        if ruleset.report_syntax and not _is_ignored("LF900", ignored):
            result.diagnostics.append(parsed)
        if recovered is None:
            return result
        # a notebook exported as a script (``%matplotlib inline`` left in):
        # LF900 at the magic, the rest read with its IPython lines masked,
        # no fix written (the tree is not the file's text)
        parsed, own_text = recovered, False
    # a text parsed here is the module's source (positions are cheaper with it)
    source = text if module is None and own_text else None
    module = parsed
    try:
        model = SemanticModel(module, filename, source=source)
    except RecursionError:
        if ruleset.report_syntax:
            result.diagnostics.append(
                syntax_diagnostic(filename, "cannot analyse: nesting too deep", 1, 1)
            )
        return result
    resolver = _Resolver(model, filename)
    for rule in ruleset.rules:
        if _is_ignored(rule.code, ignored):
            continue
        try:
            for finding in rule.check(model):
                if unreachable(model, finding.node):
                    continue  # ``if False:`` / the ``elif`` of ``if True:``
                if rule.about_its_value and dead_store(model, finding.node):
                    continue  # a value overwritten before any read: its NaN goes nowhere
                diagnostic = resolver.diagnostic(rule, finding)
                if not own_text and diagnostic.fix is not None:
                    diagnostic = replace(diagnostic, fix=None)
                result.diagnostics.append(diagnostic)
        except RecursionError:
            continue  # pathological nesting: stay silent rather than guess
        except Exception as exc:
            if _from_recursion(exc):
                continue  # libcst turns a RecursionError into a KeyError
            result.errors.append(InternalError(rule.code, filename, describe_exception(exc)))
    if ruleset.report_syntax and not _is_ignored("LF900", ignored):
        # the rest of a Python 2 file libcst reads is analysed all the same
        older = _python2_except(text, module, filename)
        if older is not None:
            # the parse error CPython gave at that line, if any, says less
            same = [
                d
                for d in result.diagnostics
                if d.code == "LF900" and d.location.row == older.location.row
            ]
            if same:
                result.diagnostics.remove(same[0])
                older = replace(older, message=older.message + "; the rest is checked")
            result.diagnostics.append(older)
    result.diagnostics = _apply_noqa(text, filename, result.diagnostics, ruleset, ignored)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def describe_exception(exc: BaseException) -> str:
    """``Type: message (file:line)``, whatever the exception: the message of
    one holding a deeply nested node cannot always be formed (its ``repr``
    recurses), and is cut short when it is long."""
    try:
        text = str(exc)
    except Exception:  # RecursionError from the repr of a deep tree, mostly
        text = "(message cannot be shown)"
    if len(text) > 300:
        text = text[:300] + "..."
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {text}{where}"


def _from_recursion(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling a RecursionError."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, RecursionError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _is_ignored(code: str, ignored: list[str]) -> bool:
    return any(code.startswith(prefix) for prefix in ignored)


def _apply_noqa(
    text: str, filename: str, diagnostics: list[Diagnostic], ruleset: RuleSet, ignored: list[str]
) -> list[Diagnostic]:
    directives = parse_noqa(text)
    if not directives:
        return diagnostics
    kept = []
    for diag in diagnostics:
        rows: tuple[int, ...] = (diag.location.row,)
        if diag.statement_row is not None and diag.statement_row != diag.location.row:
            rows = (diag.location.row, diag.statement_row)
        if not is_suppressed(directives, diag.code, rows):
            kept.append(diag)
    if ruleset.report_unused_noqa and not _is_ignored("LF901", ignored):
        known = set(all_rules())
        active = set(ruleset.codes)
        for directive in directives.values():
            if directive.codes is None:
                continue
            unused = unused_codes(directive, active & known)
            if unused:
                loc = Location(directive.row, directive.column)
                kept.append(
                    Diagnostic(
                        code="LF901",
                        name="unused-noqa",
                        message=f"unused noqa directive: {', '.join(unused)}",
                        severity=Severity.INFO,
                        filename=filename,
                        location=loc,
                        end_location=loc,
                        statement_row=directive.row,
                    )
                )
    return kept


class _Resolver:
    """Turn node-based findings into position-based diagnostics."""

    def __init__(self, model: SemanticModel, filename: str) -> None:
        self.model = model
        self.filename = filename

    def _range(self, node: cst.CSTNode) -> tuple[Location, Location]:
        pos = self.model.position(node)
        return (
            Location(pos.start.line, pos.start.column + 1),
            Location(pos.end.line, pos.end.column + 1),
        )

    def diagnostic(self, rule: Rule, finding: Finding) -> Diagnostic:
        start, end = self._range(finding.node)
        statement = self.model.statement_of(finding.node)
        try:
            stmt_row = self.model.position(statement).start.line
        except KeyError:
            stmt_row = start.row
        fix = self._fix(finding.fix) if finding.fix is not None else None
        related = tuple(
            Related(r.message, *self._range(r.node))
            if isinstance(r, RelatedNode)
            else _related_site(r)
            for r in finding.related
        )
        model = self.model
        evidence = [
            statement,
            *(model.statement_of(r.node) for r in finding.related if isinstance(r, RelatedNode)),
        ]
        assumed = assumptions(model.module_scope, evidence, model.bindings, model.qualname)
        return Diagnostic(
            code=rule.code,
            name=rule.name,
            message=finding.message + assumption_note(assumed),
            severity=rule.severity,
            filename=self.filename,
            location=start,
            end_location=end,
            fix=fix,
            related=related,
            statement_row=stmt_row,
            assumed=tuple(assumed.items()),
            defers=finding.defers and bool(related),
        )

    def _fix(self, spec: FixSpec) -> Fix:
        edits: list[Edit] = []
        for edit in spec.edits:
            start, end = self._range(edit.old)
            if isinstance(edit.new, str):
                content = edit.new
            else:
                content = self.model.module.code_for_node(edit.new)
            edits.append(Edit(content, start, end))
        for imp in spec.imports:
            insert = self._import_edit(imp)
            if insert is not None:
                edits.append(insert)
        edits.sort(key=lambda e: (e.location, e.end_location))
        return Fix(spec.applicability, spec.message, tuple(edits))

    def _import_edit(self, imp: InsertImport) -> Edit | None:
        return import_edit(self.model, imp)


def _related_site(site: RelatedSite) -> Related:
    """A place in another project module, named as the run names files
    (relative to the working folder when the project is below it)."""
    from lossflint.project.context import current
    from lossflint.project.summary import split_place

    # a notebook caller's place names its cell (``churn.ipynb:cell 5``): the
    # file is the notebook, the line is the cell's
    file, cell = split_place(site.file)
    message = site.message if cell is None else f"{site.message} in cell {cell}"
    filename = file
    context = current()
    if context is not None:
        target = context.layout.root / file
        try:
            filename = Path(os.path.relpath(target)).as_posix()
        except ValueError:  # another drive
            filename = target.as_posix()
    at = Location(max(site.line, 1), max(site.column, 1))
    return Related(message, at, at, filename)
