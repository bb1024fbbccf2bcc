"""Who calls a module's functions from elsewhere in the project.

``losses.py`` defines ``nll_from_probs(p, y)``; only its callers know whether
``p`` holds probabilities. When ``losses.py`` is linted, the files that may
call it are found by the reverse of the import graph, cheaply and bounded:

1. the project's Python files and notebooks are listed once per run (or
   language-server job), their texts read once per process while unchanged (no more than
   ``MAX_FILES``, no bigger than ``MAX_FILE_BYTES`` each, ``MAX_TOTAL_BYTES`` in
   all: a bigger project gets no answer, so nothing is pinned; a notebook bigger
   than that is mostly outputs: its code cells are what is read);
2. a file is a candidate only if its text names the module (its stem, or a
   relative import);
3. a candidate's imports are scanned with ``ast`` (``imports.scan_imports``,
   once per file and process), and only a file that imports the module and
   names the function (a substring test) has its summary read;
4. its summary lists its calls of other modules' functions with the values of
   their arguments (``summary.CallRecord``).

Every summary read is recorded in the context's ``used``, so a cached result
of ``losses.py`` is valid only while its callers' summaries hold: editing
``train.py`` changes ``losses.py``'s findings on the next run. A file that
*starts* calling the function without being a caller before is seen when
``losses.py`` is linted without a cached result (docs/project-analysis.md,
Limits).
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from lossflint.analysis import apis
from lossflint.project.code_words import code_text, code_words
from lossflint.project.context import ProjectContext, current
from lossflint.project.exports import parse_syntax
from lossflint.project.imports import ImportRef, project_modules, scan_imports
from lossflint.project.layout import Layout, Module
from lossflint.project.notebook_cells import code_cells
from lossflint.project.summary import (
    S_UNKNOWN,
    CallRecord,
    ClassSummary,
    SClass,
    SFunction,
    SInstance,
    SValue,
)

#: a project with more Python files (and notebooks) than this gets no call
#: sites from other files
MAX_FILES = 2000
#: directory entries looked at while listing the project (a data folder of
#: images must not make the listing slow)
MAX_ENTRIES = 50_000
MAX_FILE_BYTES = 1024 * 1024
#: a notebook bigger than MAX_FILE_BYTES (outputs) is read for its code cells up to this
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 32 * 1024 * 1024
#: importers of one module whose summaries are read; more: unknown (each may
#: cost a summary the run would not compute otherwise)
MAX_IMPORTERS = 8
#: files naming a method of the module without importing it whose summaries
#: are read to tell whose method they call (past it: out of sight)
MAX_STRANGERS = 16
#: notebooks are read too: one that names a function is a caller we do not
#: analyse, so that function's parameters stay unknown
_SUFFIXES = (".py", ".ipynb")
_SKIPPED_DIRS = frozenset(
    {"__pycache__", "node_modules", "site-packages", "venv", "env", "build", "dist"}
)


@dataclass
class ProjectTexts:
    """The project's Python files and their texts, listed once per layout (a
    CLI run, a language-server job); the texts and what each file imports are
    kept per process while the file's size and modification time hold."""

    root: str
    #: None: the project is too big to scan
    files: dict[str, str] | None
    #: notebooks over MAX_FILE_BYTES, whose text in ``files`` is their code cells
    cells_only: frozenset[str] = frozenset()
    #: class name → whether a file may subclass it (``subclassed``), without overlays
    subclassed: dict[str, bool] = field(default_factory=dict)
    #: a text search over every file (``constants.in_project_texts``) → its answer
    searches: dict[str, bool] = field(default_factory=dict)
    #: (path, pattern) → how often the pattern occurs in the file's listed text
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, path: str, text: str, pattern: str, code: bool = False) -> int:
        """``len(re.findall(pattern, text))`` (with ``code``, in a Python
        file's code only: ``code_words.py``), kept per file while ``text`` is
        the listed one (every module linted in a run asks about the same
        words of the same files: ``forward``, ``fit``)."""
        code = code and path.endswith(".py")
        if self.files is None or self.files.get(path) is not text:
            return len(re.findall(pattern, code_text(text) if code else text))
        key = (path, pattern + "\0code" if code else pattern)
        found = self.counts.get(key)
        if found is None:
            if code and not re.search(pattern, text):
                found = 0  # not even in the comments: no need to strip them
            else:
                found = len(re.findall(pattern, code_text(text) if code else text))
            self.counts[key] = found
        return found

    def imported(self, layout: Layout, path: str, text: str) -> frozenset[str]:
        """The project modules the file at ``path`` imports (its text is
        ``text``: the file's, or an editor's unsaved one, not kept)."""
        if self.files is None or self.files.get(path) is not text:
            return _imported(layout, path, text)
        key = (self.root, path)
        found = _IMPORTED.get(key)
        if found is None or found[0] is not text:
            found = _IMPORTED[key] = (text, _imported(layout, path, text))
        return found[1]


#: real path → (size, mtime_ns, text): files read once per process while unchanged
_TEXTS: dict[str, tuple[int, int, str]] = {}
#: (root, real path) → (the text it was found in, the project modules it imports)
_IMPORTED: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}


def _imported(layout: Layout, path: str, text: str) -> frozenset[str]:
    refs: list[ImportRef] = scan_imports(text)
    return frozenset(m.rel for m in project_modules(layout, Path(path), refs))


def project_texts(layout: Layout) -> ProjectTexts:
    cached = layout.texts
    if isinstance(cached, ProjectTexts):
        return cached
    found = _read_project(layout.root)
    texts = (
        ProjectTexts(str(layout.root), None)
        if found is None
        else ProjectTexts(str(layout.root), found[0], frozenset(found[1]))
    )
    layout.texts = texts
    return texts


def _read_project(root: Path) -> tuple[dict[str, str], set[str]] | None:
    """The project's texts by real path, and the notebooks read for their code
    cells only (bigger than MAX_FILE_BYTES)."""
    files: dict[str, str] = {}
    cells_only: set[str] = set()
    total = 0
    entries = 0
    todo = [str(root)]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(folder) as listing:
                items = list(listing)
        except OSError:
            continue
        entries += len(items)
        if entries > MAX_ENTRIES:
            return None
        for item in items:
            name = item.name
            try:
                if item.is_dir(follow_symlinks=False):
                    if not name.startswith(".") and name not in _SKIPPED_DIRS:
                        todo.append(item.path)
                    continue
                if not name.endswith(_SUFFIXES) or not item.is_file(follow_symlinks=False):
                    continue
                stat = item.stat(follow_symlinks=False)
            except OSError:
                continue
            if len(files) >= MAX_FILES:
                return None
            big = stat.st_size > MAX_FILE_BYTES
            # a big notebook is mostly outputs: its code cells are read; a big
            # module may call anything, unread: the project gets no answer
            if big and (not name.endswith(".ipynb") or stat.st_size > MAX_NOTEBOOK_BYTES):
                return None
            real = os.path.realpath(item.path)
            known = _TEXTS.get(real)
            if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
                text = known[2]
            else:
                try:
                    with open(item.path, "rb") as handle:
                        data = handle.read(MAX_NOTEBOOK_BYTES + 1 if big else MAX_FILE_BYTES + 1)
                except OSError:
                    continue
                found = _notebook_code(data) if big else data.decode("utf-8", "replace")
                if found is None:
                    return None
                text = found
                _TEXTS[real] = (stat.st_size, stat.st_mtime_ns, text)
            total += len(text) if big else stat.st_size
            if total > MAX_TOTAL_BYTES:
                return None
            files[real] = text
            if big:
                cells_only.add(real)
    return files, cells_only


def _notebook_code(data: bytes) -> str | None:
    """A notebook's code cells, one after the other; None when it cannot be
    read (only their text is wanted: does a cell name the function?)."""
    cells = code_cells(data)
    return "\n".join(cells) if cells is not None else None


def _text_of(context: ProjectContext, path: str, texts: ProjectTexts) -> str:
    """A file's text, unsaved editor text first."""
    overlays = getattr(context.store, "overlays", None)
    if isinstance(overlays, dict) and path in overlays:
        return str(overlays[path])
    return (texts.files or {}).get(path, "")


def _loads_module(code: str, stem: str) -> bool:
    """Whether a line of a notebook's code names the module where it may load
    it (an import, ``%run``, ``exec``: a guess that errs towards yes)."""
    return any(
        _names(line, stem) and re.search(r"\bimport\b|%run|%load|\bexec|\brun\b", line) is not None
        for line in code.splitlines()
    )


@functools.lru_cache(maxsize=1024)
def _word(name: str) -> re.Pattern[str]:
    # a notebook's raw JSON escapes line breaks: ``\\nv.fit(`` starts a line with ``v``
    return re.compile(rf"(?:(?<!\w)|(?<=\\[nrt])){re.escape(name)}(?!\w)")


def _names(text: str, name: str) -> bool:
    """Whether ``text`` has ``name`` as a word (not inside a longer name)."""
    return name in text and _word(name).search(text) is not None


def _names_any(text: str, names: list[str]) -> bool:
    return any(_names(text, name) for name in names)


_FROM_IMPORT = re.compile(r"(?m)^([ \t]*from[ \t]+)[\w.]+([ \t]+import\b)")


def _named_text(text: str) -> str:
    """What of ``text`` may name a function: its code (``code_text``), the
    module of each ``from <module> import`` blanked."""
    return _without_module_paths(code_text(text))


def _only_imported(text: str, names: list[str]) -> bool:
    """Every mention of ``names`` in ``text``'s code is in an import
    statement (``from utils.utils import L2``): imported, never used."""
    code = code_text(text)
    lines = [line for line in code.splitlines() if _names_any(line, names)]
    return bool(lines) and all(_IMPORT_LINE.match(line) and " as " not in line for line in lines)


#: a one-line import statement (``from m import a, b`` / ``import m``)
_IMPORT_LINE = re.compile(r"[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+[\w., \t]+$")


def _without_module_paths(text: str) -> str:
    """``text`` with the module of each ``from <module> import`` blanked:
    ``from train import Net`` names the module ``train``, not a function of
    it called ``train``."""
    return _FROM_IMPORT.sub(r"\1_\2", text) if "from" in text else text


def _searchable() -> tuple[ProjectContext, Layout, Module, ProjectTexts] | None:
    """The project around the module being linted, when its other files can
    be searched for callers (a project, the module in it, not too big)."""
    context = current()
    if context is None or context.rel is None:
        return None
    layout = context.layout
    me = layout.module_for_file(context.importer)
    if me is None:
        return None
    texts = project_texts(layout)
    if texts.files is None:
        return None
    return context, layout, me, texts


def external_calls(
    names: list[str], factories: Mapping[str, list[str]] | None = None
) -> dict[str, list[CallRecord]] | None:
    """For each of the named top-level functions of the module being linted,
    the calls other project files make of it (opaque records included);
    None when the project cannot be searched (none, too big). A package
    ``__init__`` that only re-exports a function (``from .losses import
    nll``) is no caller: the files importing the function from the package
    are searched too (``MAX_REEXPORTS`` deep). ``factories``: the module's
    factories handing a function out (``clip_bce`` → ``get_loss_func``): a
    file naming one calls the function through its results, as its summary
    records (``loss_func = get_loss_func(kind)`` then ``loss_func(out, y)``),
    or out of sight."""
    found = _searchable() if names else None
    if found is None:
        return None
    context, layout, me, texts = found
    myself = str(me.path)
    wanted = set(names)
    words = {name: [name, *(factories or {}).get(name, ())] for name in names}
    out: dict[str, list[CallRecord]] = {name: [] for name in names}
    paths = set(texts.files or ())
    overlays = getattr(context.store, "overlays", None)
    if isinstance(overlays, dict):
        paths |= {p for p in overlays if layout.contains(p) and p.endswith(_SUFFIXES)}
    #: the modules the functions can be imported from: this one, then re-exporters
    targets: list[tuple[Module, int]] = [(me, 0)]
    searched: set[str] = {myself}
    read = 0
    while targets:
        target, depth = targets.pop(0)
        stem = target.path.parent.name if target.is_package else target.path.stem
        importers: list[str] = []
        for path in sorted(paths - searched):
            text = _text_of(context, path, texts)
            if stem not in text and "from ." not in text:
                continue
            if path.endswith(".ipynb"):
                if not _names(text, stem):
                    continue  # ``v`` is in ``device``, not a word of it
                if path in texts.cells_only and not _loads_module(text, stem):
                    continue  # names the module otherwise (``!python convert.py --output losses.py``)
                searched.add(path)
                named = [name for name in wanted if _names_any(text, words[name])]
                loads = _notebook_loads(layout, path, text, target, path in texts.cells_only)
                if named and loads is None:
                    # runs the module (``%run``), or names it where its cells
                    # cannot be read: its calls are out of sight
                    for name in named:
                        out[name].append(CallRecord(me.rel, name, 0, 0, opaque=True))
                elif named and loads:
                    read += 1
                    for name, records in _notebook_calls(context, layout, me, path, named):
                        out[name].extend(records)
                continue
            if target.rel not in texts.imported(layout, path, text):
                continue
            if any(_names_any(_named_text(text), words[name]) for name in wanted):
                importers.append(path)
        read += len(importers)
        if read > MAX_IMPORTERS:
            # a helper of the whole project: reading every caller costs too
            # much, but those that name a function call it out of sight
            for path in importers:
                named_text = _named_text(_text_of(context, path, texts))
                for name in wanted:
                    if not out[name] and _names_any(named_text, words[name]):
                        out[name].append(CallRecord(me.rel, name, 0, 0, opaque=True))
            return out
        for path in importers:
            searched.add(path)
            caller = layout.module_for_file(path)
            summary = context.summary(caller.rel) if isinstance(caller, Module) else None
            if summary is None or not isinstance(caller, Module):
                return None  # a caller that cannot be read: its calls are unknown
            listed: set[str] = set()
            for record in _with_callers_pins(
                context, caller, [r for r in summary.calls if r.file == me.rel and r.name in wanted]
            ):
                out[record.name].append(record)
                listed.add(record.name)
            text = _text_of(context, path, texts)
            reexported = False
            for name in wanted - listed:
                if (
                    caller.is_package
                    and depth < MAX_REEXPORTS
                    and _reexports(context, summary.names.get(name), me, name)
                    and _only_reexported(text, name)
                ):
                    reexported = True
                    continue
                if not _names_any(_named_text(text), words[name]):
                    # ``compute_mae`` is not named by ``compute_mae_and_mse``, the
                    # function ``train`` not by ``from train import Net``, nor by a
                    # comment or a help string ("L2-loss" of irfanICMLL's options)
                    continue
                if _only_imported(text, words[name]):
                    # ``from utils.utils import L2`` and no other mention: no call
                    continue
                if _never_taken(text, stem, name):
                    # ``loss, rse, corr = model.evaluate(...)`` in LSTNet's main.py:
                    # its own variable, never the module's ``rse``
                    continue
                if _only_keras_metric(text, name):
                    # ``compile(metrics=[rmse])``, ``custom_objects={"rmse": rmse}``:
                    # Keras computes it outside the tape (mounalab's RNN.py)
                    out[name].append(CallRecord(me.rel, name, 0, 0, no_grad=True))
                    continue
                if _only_restored(text, name):
                    # ``LitModel.load_from_checkpoint(ckpt, cfg=cfg)``: the
                    # saved model was built by the training run's construction
                    continue
                # named but no call of it resolved (``from losses import *``, a
                # method of the same name, a comment): what it passes is unknown
                out[name].append(CallRecord(me.rel, name, 0, 0, opaque=True))
            if reexported:
                targets.append((caller, depth + 1))
    return out


def _with_callers_pins(
    context: ProjectContext, caller: Module, records: list[CallRecord]
) -> list[CallRecord]:
    """``records`` (``caller``'s calls of the module linted); where one passes
    a value the caller's own summary does not know, the same call as a lint
    of the caller sees it, its parameters pinned by its callers
    (``engine.py``'s ``silog_loss(pred, gt)``, ``pred`` from the model
    ``train.py`` hands the trainer)."""
    if not any(_passes_unknown(r) for r in records):
        return records
    pinned = context.pinned_calls(caller)
    if not pinned:
        return records
    # the same calls in the same order (positions are not always computed):
    # matched per callee, in order, when both list as many
    theirs = [r for r in pinned if r.file == records[0].file and not r.opaque]
    out: list[CallRecord] = []
    for name in dict.fromkeys(r.name for r in records):
        mine = [r for r in records if r.name == name]
        same = [r for r in theirs if r.name == name]
        if len(same) == len(mine) and not any(r.opaque for r in mine):
            out.extend(
                replace(t, line=m.line, column=m.column) for t, m in zip(same, mine, strict=True)
            )
        else:
            out.extend(mine)
    return out


def _passes_unknown(record: CallRecord) -> bool:
    return not record.opaque and any(
        value == S_UNKNOWN for value in (*record.args, *record.keywords.values())
    )


def _notebook_calls(
    context: ProjectContext, layout: Layout, me: Module, path: str, named: list[str]
) -> Iterator[tuple[str, list[CallRecord]]]:
    """A notebook's calls of the named functions of ``me``, as its summary
    (its cells read as one program) records them; a name it mentions with no
    call recorded (``%run``, a comment, a cell that does not parse) or a
    notebook that cannot be read gets an opaque record: out of sight."""
    caller = layout.module_for_file(path)
    summary = context.summary(caller.rel) if isinstance(caller, Module) else None
    for name in named:
        listed = (
            [r for r in summary.calls if r.file == me.rel and r.name == name]
            if summary is not None
            else []
        )
        yield name, listed or [CallRecord(me.rel, name, 0, 0, opaque=True)]


#: how many package ``__init__`` files re-exporting a function are followed
#: to their own importers
MAX_REEXPORTS = 3


def imported_elsewhere() -> bool | None:
    """Whether another project file may load the module being linted (an
    import of it, or a notebook line naming it where it may load it); None
    when the project cannot be searched. A script no file loads runs only as
    itself: what it does not train, nothing trains."""
    texts = _loading_texts()
    if texts is None:
        return None
    return next(texts, None) is not None


def imports_training(own: bool = True, limit: int = 64) -> bool | None:
    """Whether the module being linted (unless not ``own``), or a project
    module it imports (transitively, up to ``limit`` modules), has a word of
    training in its text (``apis.TRAINING_TEXT_MARKERS``); None when the
    project cannot be searched or is too wide to follow."""
    found = _searchable()
    if found is None:
        return None
    context, layout, me, texts = found
    todo = [str(me.path)]
    seen = set(todo)
    while todo:
        path = todo.pop()
        text = _text_of(context, path, texts)
        if path == str(me.path) and not text:
            return None  # the linted text is not on the record
        if (own or path != str(me.path)) and _has_training_text(text):
            return True
        for module in project_modules(layout, Path(path), scan_imports(text)):
            other = str(module.path)
            if other not in seen:
                if len(seen) >= limit:
                    return None
                seen.add(other)
                todo.append(other)
    return False


def _has_training_text(text: str) -> bool:
    for benign in apis.NOT_TRAINING_TEXT:
        if benign in text:
            text = text.replace(benign, "")
    return any(marker in text for marker in apis.TRAINING_TEXT_MARKERS)


def named_where_loaded(names: set[str]) -> bool | None:
    """Whether a project file that may load the module being linted names
    one of ``names`` as a word (a class, an attribute its instances are kept
    in); None when the project cannot be searched. No such file: the module's
    own file is the only place where they can be reached."""
    texts = _loading_texts()
    if texts is None:
        return None
    return any(any(_names(text, name) for name in names) for text in texts)


def named_unqualified_where_loaded(name: str) -> bool | None:
    """Like :func:`named_where_loaded` for one name, not counting
    ``other.Name`` (``transforms.Normalize`` names another module's class;
    ``resnet.Normalize``, with the linted module's own stem, counts, and so
    does ``nm.Normalize`` after ``import models.normalize as nm``)."""
    found = _searchable()
    texts = _loading_texts()
    if found is None or texts is None:
        return None
    me = found[2]
    stem = re.escape(me.path.parent.name if me.is_package else me.path.stem)
    aliasing = re.compile(rf"\b{stem}\s+as\s+(\w+)")
    for text in texts:
        if name not in text:
            continue
        # one fixed-width look-behind per prefix
        prefixes = "".join(
            rf"|(?<=\b{p}\.)" for p in [stem, *map(re.escape, aliasing.findall(text))]
        )
        pattern = rf"(?:(?<![\w.]){prefixes}){re.escape(name)}(?!\w)"
        if re.search(pattern, text) is not None:
            return True
    return False


def ships_package(name: str) -> bool:
    """The project vendors a package ``name``: ``<root>/<name>/__init__.py``
    or one folder down (Riashat's ``ConvNets/keras``, audit s235)."""
    context = current()
    if context is None:
        return False
    return _ships(str(context.layout.root), name)


@functools.lru_cache(maxsize=64)
def _ships(root: str, name: str) -> bool:
    if os.path.isfile(os.path.join(root, name, "__init__.py")):
        return True
    try:
        with os.scandir(root) as entries:
            folders = [e.path for e in entries if e.is_dir(follow_symlinks=False)][
                :_MAX_VENDOR_FOLDERS
            ]
    except OSError:
        return False
    return any(os.path.isfile(os.path.join(f, name, "__init__.py")) for f in folders)


#: top-level folders looked into for a vendored package
_MAX_VENDOR_FOLDERS = 200


def named_in_project(names: set[str]) -> bool | None:
    """Whether any other file of the project names one of ``names`` as a
    word (``IterableDataset``, ``streaming``); None when the project cannot
    be searched."""
    found = _searchable()
    if found is None:
        return None
    context, _, me, texts = found
    return any(
        any(_names(_text_of(context, path, texts), name) for name in names)
        for path in texts.files or ()
        if path != str(me.path)
    )


def _loading_texts() -> Iterator[str] | None:
    """The texts of the other project files that may load the module being
    linted (lazily: the first one answers :func:`imported_elsewhere`)."""
    files = loading_files()
    return None if files is None else (text for _, text in files)


def loading_files() -> Iterator[tuple[str, str]] | None:
    """The other project files that may load the module being linted, with
    their texts (lazily); None when the project cannot be searched."""
    found = _searchable()
    if found is None:
        return None
    context, layout, me, texts = found
    stem = me.path.parent.name if me.is_package else me.path.stem
    paths = set(texts.files or ())
    overlays = getattr(context.store, "overlays", None)
    if isinstance(overlays, dict):
        paths |= {p for p in overlays if layout.contains(p) and p.endswith(_SUFFIXES)}
    paths.discard(str(me.path))

    def loading() -> Iterator[tuple[str, str]]:
        for path in sorted(paths):
            text = _text_of(context, path, texts)
            if stem not in text and "from ." not in text:
                continue
            if path.endswith(".ipynb"):
                if _names(text, stem) and _loads_module(text, stem):
                    yield path, text
                continue
            if me.rel in texts.imported(layout, path, text):
                yield path, text

    return loading()


def _own_name_import(node: ast.ImportFrom, name: str) -> int | None:
    """How often ``node`` imports ``name`` under its own name; None when it
    imports it under another, or another thing as it."""
    found = 0
    for alias in node.names:
        if alias.name == name and alias.asname is None:
            found += 1
        elif alias.name == name or alias.asname == name:
            return None
    return found


def _words(text: str, name: str) -> int:
    return code_words(text, name)


def _never_taken(text: str, stem: str, name: str) -> bool:
    """``text`` (a module that imports the one named ``stem``) never takes
    ``name`` from it: no ``from ...stem import name`` (or ``*``) and no
    attribute ``.name``; False when it does not parse."""
    tree = parse_syntax(text)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == stem:
            if any(alias.name in (name, "*") for alias in node.names):
                return False
        elif isinstance(node, ast.ImportFrom) and not node.module:
            if any(alias.name in (name, "*", stem) for alias in node.names):
                return False  # ``from . import stem`` / relative names: not sure
        elif isinstance(node, ast.Attribute) and node.attr == name:
            return False
    return True


def _only_keras_metric(text: str, name: str) -> bool:
    """Every use of ``name`` in ``text`` is an item of a ``metrics=`` argument
    or a value of a ``custom_objects=`` dict (an import of it aside)."""
    tree = parse_syntax(text)
    if tree is None:
        return False
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and (
            node.arg in apis.KERAS_METRIC_KEYWORDS or node.arg == apis.KERAS_CUSTOM_OBJECTS
        ):
            value = node.value
            items = (
                value.elts
                if isinstance(value, (ast.List, ast.Tuple))
                else value.values
                if isinstance(value, ast.Dict)
                else [value]
            )
            allowed.update(id(item) for item in items if isinstance(item, ast.Name))
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
    return bool(uses) and all(id(n) in allowed for n in uses)


def _only_restored(text: str, name: str) -> bool:
    """``text`` names the class ``name`` only where it imports it under its
    own name and where it restores a saved instance of it
    (``apis.RESTORING_CLASS_METHODS``): it constructs none itself."""
    tree = parse_syntax(text)
    if tree is None:
        return False
    explained = restored = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported = _own_name_import(node, name)
            if imported is None:
                return False
            explained += imported
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in apis.RESTORING_CLASS_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            restored += 1
    return restored > 0 and _words(text, name) == explained + restored


def _only_reexported(text: str, name: str) -> bool:
    """The package ``__init__``'s text names ``name`` only where it imports
    it under its own name or lists it in ``__all__`` (or binds it through
    ``import *``): it passes the function on without calling it."""
    tree = parse_syntax(text)
    if tree is None:
        return False
    explained = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported = _own_name_import(node, name)
            if imported is None:
                return False  # imported under another name, or another thing as it
            explained += imported
        elif isinstance(node, ast.Constant) and node.value == name:
            explained += 1
        elif (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.Tuple, ast.List))
        ):
            # ``__all__ = (train_tgt, eval_tgt)``: the objects listed, by mistake
            # for their names, are still only listed (pytorch-adda)
            explained += sum(isinstance(e, ast.Name) and e.id == name for e in node.value.elts)
    return _words(text, name) == explained


def _reexports(context: ProjectContext, value: SValue | None, me: Module, name: str) -> bool:
    """``value`` (a name the importer binds) is the function ``name`` of ``me``."""
    if value is None:
        return False
    found = context.resolve(value)
    return isinstance(found, (SFunction, SClass)) and (found.file, found.name) == (me.rel, name)


#: ``class Name(`` — its bases follow, up to ``):`` (across lines)
_CLASS_OPEN = re.compile(r"\bclass\s+\w+\s*\(")
_BASES_END = re.compile(r"\)\s*:")
#: how far after ``class Name(`` the bases are looked for: bounded, so that a
#: text full of ``class X(`` with no ``):`` after them is not searched
#: quadratically; a longer list of bases is cut there (its start is read)
_BASES_WINDOW = 2000


def _bases_texts(text: str) -> Iterator[str]:
    """The text of each class statement's bases (cut at the window: more
    text read than the bases errs towards "subclassed", never less)."""
    for found in _CLASS_OPEN.finditer(text):
        window = text[found.end() : found.end() + _BASES_WINDOW]
        end = _BASES_END.search(window)
        yield window[: end.start()] if end is not None else window


def subclassed(name: str) -> bool | None:
    """Whether a project file may define a subclass of the class ``name``
    (its last dotted part): a class whose bases name it, or a file that
    imports it under another name (a base through that alias is not told from
    another use). None when the project cannot be searched: then an
    annotation ``model: Net`` is no evidence of what ``model`` holds."""
    context = current()
    if context is None:
        return None
    texts = project_texts(context.layout)
    if texts.files is None:
        return None
    short = name.rsplit(".", 1)[-1]
    overlays = getattr(context.store, "overlays", None)
    edited = isinstance(overlays, dict) and bool(overlays)
    if not edited and short in texts.subclassed:
        return texts.subclassed[short]
    word = re.compile(rf"\b{re.escape(short)}\b")
    aliased = re.compile(rf"\b{re.escape(short)}\s+as\s+\w+")
    paths = set(texts.files)
    if isinstance(overlays, dict):
        paths |= {p for p in overlays if context.layout.contains(p) and p.endswith(_SUFFIXES)}
    found = False
    for path in paths:
        text = _text_of(context, path, texts)
        if short not in text:
            continue
        if aliased.search(text) is not None or any(
            word.search(bases) for bases in _bases_texts(text)
        ):
            found = True
            break
    if not edited:
        texts.subclassed[short] = found
    return found


def external_subclasses(name: str) -> list[ClassSummary] | None:
    """The classes other project files derive from the top-level class
    ``name`` of the module being linted (``class Ganomaly(BaseModel)`` in
    ganomaly.py for basemodel.py's ``BaseModel``), as their summaries say;
    None when the project cannot be searched or a file deriving it cannot be
    read (an unreadable subclass may set anything)."""
    derived = subclassed(name)
    if derived is not True:
        return None if derived is None else []
    found = _searchable()
    if found is None:
        return None
    context, layout, me, texts = found
    strangers: dict[str, list[CallRecord]] = {name: []}
    importers = list(_files_naming(context, layout, me, texts, {name: name}, strangers))
    if strangers[name] or len(importers) > MAX_IMPORTERS:
        return None  # a file naming the class without importing it: out of sight
    out: list[ClassSummary] = []
    for path, _ in importers:
        caller = layout.module_for_file(path)
        summary = context.summary(caller.rel) if isinstance(caller, Module) else None
        if summary is None:
            return None
        for cls in summary.classes.values():
            for base in cls.bases:
                base = context.resolve(base)
                if isinstance(base, SClass) and (base.file, base.name) == (me.rel, name):
                    out.append(cls)
                    break
    return out


def external_method_calls(methods: list[str]) -> dict[str, list[CallRecord]] | None:
    """For each named method of a top-level class of the module being linted
    (``Trainer.fit``), the calls other project files make of it on an instance
    their analysis knows (``trainer.fit(loader)``); None when the project
    cannot be searched. An instance travels without an import (``def
    run(trainer): trainer.fit(x)`` in a file that never names ``engine``), so
    every file of the project whose text names the method (``fit``) is looked
    at: one that does not import the module, a notebook, or one naming it more
    often than its summary lists calls of a project method of that name gets
    an opaque record (whoever calls it there is out of sight)."""
    found = _searchable() if methods else None
    if found is None:
        return None
    context, layout, me, texts = found
    shorts = {method: method.rsplit(".", 1)[-1] for method in methods}
    out: dict[str, list[CallRecord]] = {method: [] for method in methods}
    strangers: list[tuple[str, list[str]]] = []
    importers = [
        path for path, _ in _files_naming(context, layout, me, texts, shorts, out, strangers)
    ]
    if len(importers) > MAX_IMPORTERS:
        return None
    # a script that does not import the module, naming the method only where
    # its own analysis resolves the call to another class (a sibling folder's
    # ``model.add_loss_op(...)`` on its own model): nothing of ours is called
    # there. Read only while the bound allows; past it, out of sight.
    strangers = [
        (path, named)
        for path, named in strangers
        if any(
            _mentions(texts, path, text, shorts[key])
            > _own_method_mentions(texts, path, text, shorts[key])
            for key in named
            for text in (_text_of(context, path, texts),)
        )
    ]
    if len(strangers) <= MAX_STRANGERS:
        readable = [path for path, _ in strangers]
    else:
        readable = []
        for _, named in strangers:
            for key in named:
                out[key].append(CallRecord(me.rel, key, 0, 0, opaque=True))
    for path in [*importers, *readable]:
        caller = layout.module_for_file(path)
        summary = context.summary(caller.rel) if isinstance(caller, Module) else None
        if summary is None:
            if path in readable:
                for method in shorts:
                    out[method].append(CallRecord(me.rel, method, 0, 0, opaque=True))
                continue
            return None
        text = _text_of(context, path, texts)
        for method, short in shorts.items():
            mentions = _mentions(texts, path, text, short)
            if path in readable:
                mentions -= _own_method_mentions(texts, path, text, short)
            if not mentions:
                continue
            listed = [r for r in summary.calls if r.name.rsplit(".", 1)[-1] == short]
            if mentions > len(listed) or any(r.opaque for r in listed):
                # a call on an instance the analysis does not know, the method
                # passed as a value, a mention in a comment: silence
                out[method].append(CallRecord(me.rel, method, 0, 0, opaque=True))
                continue
            out[method].extend(r for r in listed if r.file == me.rel and r.name == method)
    return out


def _mentions(texts: ProjectTexts, path: str, text: str, short: str) -> int:
    """How often the file names the method ``short``: as an attribute
    (``lossfn.cls_loss``), or in quotes (``getattr(obj, "cls_loss")``). A
    plain name is a variable of that spelling (``cls_loss =
    lossfn.cls_loss(y, p)``, DFace: audit s200), not the method."""
    word = re.escape(short)
    return texts.count(path, text, rf"\.\s*{word}\b", code=True) + texts.count(
        path, text, rf"['\"]{word}['\"]"
    )


def _own_method_mentions(texts: ProjectTexts, path: str, text: str, short: str) -> int:
    """In a file that defines a method ``short`` of its own (another class
    of the same shape: a sibling folder's model), its calls on ``self``:
    none of them is a call of ours."""
    word = re.escape(short)
    if not texts.count(path, text, rf"\bdef\s+{word}\b", code=True):
        return 0
    return texts.count(path, text, rf"\bself\s*\.\s*{word}\b", code=True)


def external_instance_calls(
    methods: Mapping[str, tuple[str, object]],
) -> dict[str, list[CallRecord]] | None:
    """For each ``Class.forward`` (or ``__call__``) of the module being
    linted, by its class's name, the calls other project files make through
    an instance (``crit = FocalLoss(); crit(out, y)``, recorded by their
    summaries; one whose instance may travel out of their sight is recorded
    opaque); None when the project cannot be searched. A file naming the
    class without importing this module (a notebook, a re-export), and a
    subclass anywhere, make its callers unknown."""
    found = _searchable() if methods else None
    if found is None:
        return None
    context, layout, me, texts = found
    out: dict[str, list[CallRecord]] = {method: [] for method in methods}
    classes = {method: cls for method, (cls, _) in methods.items()}
    for method, cls in classes.items():
        if subclassed(cls) is not False:
            out[method].append(CallRecord(me.rel, method, 0, 0, opaque=True))
    importers = list(_files_naming(context, layout, me, texts, classes, out))
    if len(importers) > MAX_IMPORTERS:
        return None
    for path, named in importers:
        caller = layout.module_for_file(path)
        summary = context.summary(caller.rel) if isinstance(caller, Module) else None
        if summary is None:
            return None
        for method in named:
            out[method].extend(r for r in summary.calls if r.file == me.rel and r.name == method)
            out[method].extend(
                _through_holders(context, layout, me, summary.calls, classes[method], method)
            )
    return out


#: modules an instance is handed through (``train.py`` → ``engine.py`` → ...)
MAX_HANDOFFS = 2


def _through_holders(
    context: ProjectContext,
    layout: Layout,
    me: Module,
    calls: tuple[CallRecord, ...],
    cls: str,
    method: str,
    depth: int = 0,
) -> Iterator[CallRecord]:
    """The calls of ``method`` that the modules an instance of ``cls`` is
    handed to make (``train_one_epoch(net, opt, crit, loader)`` of
    ``engine.py``, ``Trainer(loss=crit)``): that module's calls as a lint
    of it sees them, its parameters pinned by its callers (``crit`` is our
    instance there); an opaque record when they cannot be computed."""
    mine = SInstance(me.rel, cls)
    for record in calls:
        if record.opaque or record.file == me.rel:
            continue
        if not any(_holds(v, mine) for v in (*record.args, *record.keywords.values())):
            continue
        holder = layout.module_for_file(layout.root / record.file)
        pinned = (
            context.pinned_calls(holder) if holder is not None and depth < MAX_HANDOFFS else None
        )
        if pinned is None:
            yield CallRecord(me.rel, method, 0, 0, opaque=True)
            continue
        found = [r for r in pinned if r.file == me.rel and r.name == method]
        found.extend(_through_holders(context, layout, me, pinned, cls, method, depth + 1))
        # handed on and never seen called there (a parameter its callers do
        # not agree on, a helper of a fourth module): out of sight
        yield from found or [CallRecord(me.rel, method, 0, 0, opaque=True)]


def _holds(value: SValue, instance: SInstance) -> bool:
    return isinstance(value, SInstance) and (value.file, value.name) == (
        instance.file,
        instance.name,
    )


def _files_naming(
    context: ProjectContext,
    layout: Layout,
    me: Module,
    texts: ProjectTexts,
    words: Mapping[str, str],
    out: dict[str, list[CallRecord]],
    strangers: list[tuple[str, list[str]]] | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """The project files (other than ``me``) whose text names a word of
    ``words`` (key → the word: ``Trainer.fit`` → ``fit``), with the keys
    named, when they import ``me``; one that names a word without importing
    it (a notebook, an instance handed over) gets an opaque record in ``out``
    for each key it names: whoever calls there is out of sight. With
    ``strangers``, a Python file of the latter kind is put there instead, for
    the caller to read."""
    patterns = {word: rf"\b{re.escape(word)}\b" for word in set(words.values())}
    paths = set(texts.files or ())
    overlays = getattr(context.store, "overlays", None)
    if isinstance(overlays, dict):
        paths |= {p for p in overlays if layout.contains(p) and p.endswith(_SUFFIXES)}
    myself = str(me.path)
    for path in sorted(paths):
        if path == myself:
            continue
        text = _text_of(context, path, texts)
        named = [
            k
            for k, word in words.items()
            if word in text and texts.count(path, text, patterns[word]) > 0
        ]
        if not named:
            continue
        if path.endswith(".ipynb"):
            imports = _notebook_loads(layout, path, text, me, path in texts.cells_only) is True
        else:
            imports = me.rel in texts.imported(layout, path, text)
        if not imports:
            if strangers is not None and not path.endswith(".ipynb"):
                strangers.append((path, named))
                continue
            for key in named:
                out[key].append(CallRecord(me.rel, key, 0, 0, opaque=True))
            continue
        yield path, named


_RUNS_CODE = re.compile(r"%run|%load|\bexec|\brun\b")
_MAGIC_LINE = re.compile(r"^[ \t]*[%!?]")


def _notebook_loads(
    layout: Layout, path: str, text: str, me: Module, cells_only: bool
) -> bool | None:
    """True when the notebook's code imports ``me`` (its calls are read);
    False when it never loads it (the name is in its prose, its metadata, a
    copy's title); None when it runs it as code (``%run losses.py`` binds
    its names with no import the summary sees) or its cells cannot be read."""
    found = _notebook_scan(layout, path, text, cells_only)
    if found is None:
        return None
    imported, running = found
    stem = me.path.parent.name if me.is_package else me.path.stem
    if any(_names(line, stem) for line in running):
        return None
    return me.rel in imported


#: (root, notebook path) → (its text, what it imports, its lines that run code)
_NOTEBOOK_SCANS: dict[tuple[str, str], tuple[str, frozenset[str], tuple[str, ...]] | None] = {}


def _notebook_scan(
    layout: Layout, path: str, text: str, cells_only: bool
) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The project modules a notebook imports and the lines that may run
    code by name (``%run``, ``exec``), read once per process while its text
    holds; None when its cells cannot be read."""
    key = (str(layout.root), path)
    cached = _NOTEBOOK_SCANS.get(key)
    if cached is not None and cached[0] is text:
        return cached[1], cached[2]
    code = text if cells_only else _notebook_code(text.encode("utf-8", "surrogatepass"))
    if code is None:
        return None
    lines = code.splitlines()
    running = tuple(line for line in lines if _RUNS_CODE.search(_without_comment(line)))
    # IPython lines are no Python: a ``pass`` at their indentation, one for one
    # (blanked, ``if ...: !git clone ...`` would leave a block without a body
    # and no import of the cell would be read: eecs498's Colab cell, audit s165)
    masked = "\n".join(
        line[: len(line) - len(line.lstrip(" \t"))] + "pass" if _MAGIC_LINE.match(line) else line
        for line in lines
    )
    imported = _imported(layout, path, masked)
    _NOTEBOOK_SCANS[key] = (text, imported, running)
    return imported, running


def _without_comment(line: str) -> str:
    """The line less a comment (``# run the snippet in ...``: prose); a ``#``
    after a quote may be inside a string, so that line is kept whole."""
    head, sharp, _ = line.partition("#")
    return head if sharp and "'" not in head and '"' not in head else line


def attribute_set_in_loop_elsewhere(attr: str) -> bool:
    """Whether another file of the project assigns ``<x>.attr`` inside a loop
    (a setting switched between passes: ``for epoch in ...: trainer.decay =
    epoch >= 5``). False when none does or there is no project around the
    module; True when one does, a notebook writes it, or the project cannot be
    searched."""
    others = _other_texts()
    if others is None:
        return True
    write = re.compile(rf"\.\s*{re.escape(attr)}\s*(?:=(?!=)|[-+*/|&]=)")
    for path, text in others:
        if attr not in text or not write.search(text):
            continue
        if path.endswith(".ipynb"):
            return True  # cells run in any order: not read here
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return True
        for loop in ast.walk(tree):
            if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)) and any(
                isinstance(node, ast.Attribute)
                and node.attr == attr
                and isinstance(node.ctx, ast.Store)
                for node in ast.walk(loop)
            ):
                return True
    return False


def changed_elsewhere(name: str) -> bool:
    """Whether another file of the project may change the module-level dict
    ``name`` of the module being linted in place (``MODELS["x"] = X``,
    ``MODELS.update(...)``: a registry filled from outside). False when no
    other file's text does (or there is no project around the module); True
    when one does, or the project cannot be searched."""
    others = _other_texts()
    if others is None:
        return True
    word = re.escape(name)
    changes = re.compile(
        rf"\b{word}\s*\[[^\]\n]*\]\s*(?:=(?!=)|\|=)|\b{word}\s*\.\s*(?:update|setdefault|pop|clear)\s*\(|\b{word}\s*\|="
    )
    return any(name in text and changes.search(text) for _path, text in others)


def _other_texts() -> list[tuple[str, str]] | None:
    """(path, text) of the project's files other than the module being linted:
    none without a project around it; None when the project cannot be searched."""
    if current() is None:
        return []
    found = _searchable()
    if found is None:
        return None
    _context, _layout, me, texts = found
    myself = str(me.path)
    return [(path, text) for path, text in (texts.files or {}).items() if path != myself]
