"""Where other project files take the linted module's instances, by the names
they are kept under.

tacotron2's ``TacotronSTFT`` keeps an ``STFT`` module as ``self.stft_fn``;
``tools.py`` hands ``_stft.stft_fn`` to ``griffin_lim``, which only calls its
``transform`` and ``inverse``. A file naming the attribute reaches the
instance, but when every mention there only asks it for something that does
not run it, or hands it to a project function that never runs that parameter
(``FunctionSummary.unrun``), the ``forward`` of ``STFT`` still has no caller
out of sight (``GradientFacts._instance_calls``)."""

from __future__ import annotations

import ast
import re

from lossflint.analysis.unrun_params import RUNS_MODULE
from lossflint.project.callers import loading_files
from lossflint.project.context import ProjectContext, current
from lossflint.project.layout import Module
from lossflint.project.summary import ModuleSummary, SFunction

#: loading files read at most: past it, the instances are out of sight
_MAX_FILES = 8


def holders_stay_unrun(holders: set[str]) -> bool:
    """Every project file that may load the module being linted and names one
    of ``holders`` (attributes or names an instance is kept in) only asks the
    instance for something that does not run it (``taco.stft_fn.transform(y)``,
    ``taco.stft_fn.n_fft``) or hands it to a project function that never runs
    it (``griffin_lim(spec, taco.stft_fn)``). False when unsure: a notebook, a
    file that does not parse, any other use."""
    context = current()
    files = loading_files()
    if context is None or files is None:
        return False
    words = [re.compile(rf"\b{re.escape(h)}\b") for h in holders]
    read = 0
    for path, text in files:
        if not any(w.search(text) for w in words):
            continue
        read += 1
        if read > _MAX_FILES or path.endswith(".ipynb"):
            return False
        if not _file_keeps_unrun(context, path, text, holders):
            return False
    return True


def _file_keeps_unrun(context: ProjectContext, path: str, text: str, holders: set[str]) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    parents: dict[ast.AST, ast.AST] = {}
    mentions: list[ast.Attribute | ast.Name] = []
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
        # a parameter named so is no mention: its uses are
        if (isinstance(node, ast.Attribute) and node.attr in holders) or (
            isinstance(node, ast.Name) and node.id in holders
        ):
            mentions.append(node)
    summary: ModuleSummary | None = None
    for mention in mentions:
        if isinstance(mention.ctx, (ast.Store, ast.Del)):
            continue  # another object's attribute set, or a name bound here
        parent = parents.get(mention)
        if isinstance(parent, ast.Attribute) and parent.value is mention:
            if parent.attr in RUNS_MODULE:
                return False
            continue  # ``taco.stft_fn.transform(y)``, ``taco.stft_fn.n_fft``
        if isinstance(parent, ast.Expr):
            continue
        if isinstance(parent, ast.keyword):
            call, keyword = parents.get(parent), parent.arg
            position = -1
        elif isinstance(parent, ast.Call) and mention in parent.args:
            call, keyword = parent, None
            position = parent.args.index(mention)
            if any(isinstance(a, ast.Starred) for a in parent.args[: position + 1]):
                return False
        else:
            return False
        if not isinstance(call, ast.Call) or keyword is None and position < 0:
            return False
        if summary is None:
            summary = _summary_of(context, path)
            if summary is None:
                return False
        if not _callee_never_runs(context, summary, call, position, keyword):
            return False
    return True


def _summary_of(context: ProjectContext, path: str) -> ModuleSummary | None:
    module = context.layout.module_for_file(path)
    return context.summary(module.rel) if isinstance(module, Module) else None


def _callee_never_runs(
    context: ProjectContext,
    summary: ModuleSummary,
    call: ast.Call,
    position: int,
    keyword: str | None,
) -> bool:
    """``call`` is of one project function of another module (every record
    the caller's summary keeps under that name agrees), whose parameter at
    ``position`` (or named ``keyword``) it never runs."""
    func = call.func
    written = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if written is None:
        return False
    records = [r for r in summary.calls if r.name.rsplit(".", 1)[-1] == written]
    targets = {(r.file, r.name) for r in records}
    if not records or any(r.opaque for r in records) or len(targets) != 1:
        return False
    file, name = targets.pop()
    if "." in name:
        return False  # a method: ``self`` shifts the positions
    callee = context.function_summary(SFunction(file, name))
    if callee is None:
        return False
    if keyword is None:
        if position >= len(callee.params):
            return False
        keyword = callee.params[position]
    return keyword in callee.unrun
