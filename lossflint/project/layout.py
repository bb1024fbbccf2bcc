"""Where the project is and which of its files an import names.

The *root* is the nearest folder above the first path that holds
``pyproject.toml``, ``setup.cfg``, ``setup.py`` or ``.git``; without one it is
the common folder of the paths. Nothing outside the root is ever read: every
candidate file is resolved (symlinks followed) and dropped unless it lies
below the root.

An absolute import ``a.b.c`` is looked up, in order, in

1. the folder an importing *script* runs from: for a file inside a package
   (its folder holds ``__init__.py``), the parent of its top-most package,
   as Python finds it when the package is imported (after its own folder
   when it runs as a script: a ``__main__`` block, or a module-level loop of
   a file that trains); for a script, its own
   folder (``python train.py`` puts it first on ``sys.path``, so
   ``from model import Net`` finds the sibling) and then the folders above it
   up to the root (namespace packages, scripts run from the project root);
2. the root itself and ``<root>/src`` (the ``src/`` layout); when the root is
   itself a package (``check .`` inside ``pk/``, no marker above), a name under
   it (``pk.utils``) is found in the root (nothing above it is read);
3. around those, the folders the importing file itself puts on ``sys.path``
   (``sys.path.append("../toolbox")``, ``sys.path.insert(0, ...)`` first),
   read from its text by ``sys_path.search_edits``.

A standard-library name (``import logging``) is never a project module.
Relative imports go up from the importing file's folder. Lookups are memoised
per run: resolving is a handful of ``stat`` calls, never a directory walk.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lossflint.project.notebook_cells import code_cells
from lossflint.project.sys_path import NO_EDITS, SearchEdits, search_edits

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
#: how deep a dotted name may be (``a.b.c...``): more is not a real module
MAX_DOTTED_PARTS = 32

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def _real(path: Path | str) -> str | None:
    try:
        return os.path.realpath(path)
    except (OSError, RuntimeError, ValueError):
        return None


def marker_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` (symlinks resolved) that holds
    a root marker, if any."""
    real = _real(os.path.abspath(folder))
    if real is None:
        return None
    start = Path(real)
    for candidate in (start, *start.parents):
        for marker in ROOT_MARKERS:
            try:
                if os.path.lexists(candidate / marker):
                    return candidate
            except (OSError, ValueError):
                continue
    return None


def find_root(paths: list[Path]) -> Path:
    """The project root for a run over ``paths`` (absolute, symlinks resolved)."""
    folders: list[str] = []
    for path in paths:
        real = _real(os.path.abspath(path))
        if real is None:
            continue
        folders.append(real if os.path.isdir(real) else os.path.dirname(real))
    if not folders:
        return Path(os.path.realpath(os.getcwd()))
    first = Path(folders[0])
    found = marker_root(first)
    if found is not None:
        return found
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # different drives
        return first


@dataclass(frozen=True)
class Module:
    """A project module: its real file, and its name relative to the root
    (``models/net.py``), which is how summaries and evidence refer to it."""

    path: Path
    rel: str

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


class Layout:
    """The project root and the resolution of imports to project modules."""

    def __init__(self, root: Path) -> None:
        real = _real(root)
        self.root = Path(real) if real is not None else Path(os.path.abspath(root))
        self._root_text = str(self.root)
        #: the project's Python texts, read once per process when a lint needs
        #: the callers of its functions (``callers.ProjectTexts``)
        self.texts: object | None = None
        src = self.root / "src"
        self._base_roots: tuple[Path, ...] = (self.root,)
        if src.is_dir() and not (src / "__init__.py").is_file():
            self._base_roots = (self.root, src)
        self._modules: dict[tuple[Path, str], Module | Path | None] = {}
        self._search: dict[Path, tuple[Path, ...]] = {}
        self._file_search: dict[str, tuple[Path, ...]] = {}
        self._is_package_dir: dict[Path, bool] = {}

    @classmethod
    def for_paths(cls, paths: list[Path]) -> Layout:
        return cls(find_root(paths))

    # --- what is inside ----------------------------------------------------

    def contains(self, path: Path | str) -> bool:
        """Whether ``path`` (symlinks resolved) is the root or below it."""
        real = _real(path)
        if real is None:
            return False
        return real == self._root_text or real.startswith(self._root_text + os.sep)

    def module_for_file(self, path: Path | str) -> Module | None:
        """The project module a file is (None when it lies outside the root)."""
        real = _real(os.path.abspath(path))
        if real is None or not real.startswith(self._root_text + os.sep):
            return None
        rel = Path(real).relative_to(self.root).as_posix()
        return Module(Path(real), rel)

    # --- absolute imports --------------------------------------------------

    def resolve(self, dotted: str, importer: Path | str | None = None) -> Module | None:
        """The project module ``import dotted`` names from ``importer``'s file
        (a module or a package's ``__init__.py``), or None."""
        found = self.resolve_any(dotted, importer)
        return found if isinstance(found, Module) else None

    def resolve_any(self, dotted: str, importer: Path | str | None = None) -> Module | Path | None:
        """Like :meth:`resolve`; a namespace package (a folder without
        ``__init__.py``) is returned as its folder."""
        parts = dotted.split(".")
        if (
            not dotted
            or len(parts) > MAX_DOTTED_PARTS
            or not all(p.isidentifier() for p in parts)
            or parts[0] in _STDLIB
        ):
            return None
        for base in self.search_path(importer):
            key = (base, dotted)
            if key not in self._modules:
                self._modules[key] = self._find(base, parts)
            found = self._modules[key]
            if found is not None:
                return found
        return self._inside_root_package(parts)

    def _inside_root_package(self, parts: list[str]) -> Module | Path | None:
        """``pk.utils`` when the root is the package ``pk`` itself (``check .``
        inside it, no marker above): the module is ``<root>/utils.py``, found
        without looking outside the root."""
        chain = self._root_packages
        if not chain or len(parts) < len(chain) or parts[: len(chain)] != chain:
            return None
        rest = parts[len(chain) :]
        if not rest:
            return self._inside_file(self.root / "__init__.py")
        key = (self.root, "^" + ".".join(rest))
        if key not in self._modules:
            self._modules[key] = self._find(self.root, rest)
        return self._modules[key]

    @cached_property
    def _root_packages(self) -> list[str]:
        """The dotted name of the root when it is a package (``["pk"]``, or
        ``["pk", "sub"]`` inside a package ``pk``): only ``__init__.py``s are
        looked at above it, nothing is read."""
        names: list[str] = []
        folder = self.root
        while folder.parent != folder and self._package_dir(folder):
            names.append(folder.name)
            folder = folder.parent
        names.reverse()
        return names if all(n.isidentifier() for n in names) else []

    def search_path(self, importer: Path | str | None) -> tuple[Path, ...]:
        """Folders an absolute import from ``importer`` is looked up in."""
        if importer is None:
            return self._base_roots
        file = os.path.abspath(importer)
        found = self._file_search.get(file)
        if found is None:
            found = self._folder_search(Path(file).parent)
            data = _file_bytes(file)
            folder = Path(file).parent
            if self._package_dir(folder) and folder not in found and _runs_as_script(data):
                # a package's file run as a script (``python train_image.py``
                # in thuml/CDAN's ``pytorch/``) has its own folder first on
                # sys.path: ``from model import Net`` is its sibling's, even
                # when the project root holds another ``model.py`` (astnn's
                # ``clone/train.py``, audit s239)
                found = (folder, *found)
            edits = _file_edits(file, data)
            if edits is not NO_EDITS:
                front = [f for f in map(self._added_folder, edits.front) if f is not None]
                back = [f for f in map(self._added_folder, edits.back) if f is not None]
                found = tuple(dict.fromkeys([*front, *found, *back]))
            self._file_search[file] = found
        return found

    def _added_folder(self, folder: str) -> Path | None:
        real = _real(folder)
        if real is None or not self.contains(real):
            return None
        try:
            return Path(real) if os.path.isdir(real) else None
        except (OSError, ValueError):
            return None

    def _folder_search(self, folder: Path) -> tuple[Path, ...]:
        cached = self._search.get(folder)
        if cached is not None:
            return cached
        order: list[Path] = []
        real = _real(folder)
        here = Path(real) if real is not None else folder
        if self.contains(here):
            if self._package_dir(here):
                top = here
                while top != self.root and self._package_dir(top.parent):
                    top = top.parent
                if top != self.root:
                    order.append(top.parent)
            else:
                current = here
                while True:
                    order.append(current)
                    if current == self.root or current.parent == current:
                        break
                    current = current.parent
        for base in self._base_roots:
            if base not in order:
                order.append(base)
        result = tuple(order)
        self._search[folder] = result
        return result

    def _package_dir(self, folder: Path) -> bool:
        found = self._is_package_dir.get(folder)
        if found is None:
            try:
                found = (folder / "__init__.py").is_file()
            except OSError:
                found = False
            self._is_package_dir[folder] = found
        return found

    def _find(self, base: Path, parts: list[str]) -> Module | Path | None:
        target = base.joinpath(*parts)
        # CPython's order: a regular package, then a module, then a namespace folder
        for candidate in (target / "__init__.py", target.with_name(parts[-1] + ".py")):
            module = self._inside_file(candidate)
            if module is not None:
                return module
        try:
            if target.is_dir() and self.contains(target):
                return Path(os.path.realpath(target))
        except OSError:
            return None
        return None

    def _inside_file(self, candidate: Path) -> Module | None:
        try:
            if not candidate.is_file():
                return None
        except (OSError, ValueError):
            return None
        return self.module_for_file(candidate)

    # --- relative imports ----------------------------------------------------

    def resolve_relative(self, importer: Path | str, level: int, dotted: str) -> Module | None:
        """``from <level dots><dotted> import ...`` in ``importer``."""
        found = self.resolve_relative_any(importer, level, dotted)
        return found if isinstance(found, Module) else None

    def resolve_relative_any(
        self, importer: Path | str, level: int, dotted: str
    ) -> Module | Path | None:
        if level < 1 or level > MAX_DOTTED_PARTS:
            return None
        folder = Path(os.path.abspath(importer)).parent
        for _ in range(level - 1):
            folder = folder.parent
        # looked up first: resolving symlinks to check the folder is inside
        # the root cost a realpath per import evaluated
        key = (folder, "." + dotted)
        if key not in self._modules:
            self._modules[key] = self._find_relative(folder, dotted)
        return self._modules[key]

    def _find_relative(self, folder: Path, dotted: str) -> Module | Path | None:
        if not self.contains(folder):
            return None
        if not dotted:
            init = self._inside_file(folder / "__init__.py")
            if init is not None:
                return init
            return Path(os.path.realpath(folder))
        parts = dotted.split(".")
        if len(parts) > MAX_DOTTED_PARTS or not all(p.isidentifier() for p in parts):
            return None
        return self._find(folder, parts)

    def submodule(self, package: Module | Path, name: str) -> Module | Path | None:
        """``from package import name`` when ``name`` is a module of the package."""
        folder = package.path.parent if isinstance(package, Module) else package
        if isinstance(package, Module) and not package.is_package:
            return None
        if not name.isidentifier():
            return None
        key = (folder, "." + name)
        if key not in self._modules:
            self._modules[key] = self._find(folder, [name])
        return self._modules[key]


#: a file larger than this is no script that edits its search path
_MAX_SCANNED = 4_000_000
#: ``import _init_paths`` at the top of a script: a sibling module run for the
#: ``sys.path`` edits it makes (human-pose-estimation.pytorch, Detectron)
_PLAIN_IMPORT = re.compile(rb"^import[ \t]+(\w+)[ \t]*(?:#.*)?$", re.MULTILINE)


def _runs_as_script(data: bytes | None) -> bool:
    """The file's bytes hold a ``if __name__ == "__main__":`` block, or a
    module-level loop of a file that trains (``for epoch in range(n):`` with
    ``loss.backward()``: astnn's ``clone/train.py``, audit s239)."""
    if data is None:
        return False
    if b"__main__" in data and b"__name__" in data:
        return True
    return (b".backward(" in data or b".fit(" in data) and _TOP_LEVEL_LOOP.search(data) is not None


#: a loop at the start of a line: a script's own loop, not a function's
_TOP_LEVEL_LOOP = re.compile(rb"^(for|while) [^\n]*:", re.M)


def _file_bytes(file: str) -> bytes | None:
    """The file's bytes, when it is small enough to scan."""
    try:
        if os.path.getsize(file) > _MAX_SCANNED:
            return None
        with open(file, "rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def _imported_edits(file: str, data: bytes) -> SearchEdits:
    """The ``sys.path`` edits of the sibling modules a script imports at its
    top level by a plain ``import name`` (their ``__file__`` is theirs)."""
    folder = os.path.dirname(file)
    front: list[str] = []
    back: list[str] = []
    for match in _PLAIN_IMPORT.finditer(data):
        sibling = os.path.join(folder, match.group(1).decode("ascii", "replace") + ".py")
        if sibling == file or not os.path.isfile(sibling):
            continue
        try:
            if os.path.getsize(sibling) > _MAX_SCANNED:
                continue
            with open(sibling, "rb") as handle:
                text = handle.read()
        except (OSError, ValueError):
            continue
        if b"sys.path" in text:
            found = search_edits([text.decode("utf-8", errors="replace")], sibling)
            front.extend(found.front)
            back.extend(found.back)
    if not front and not back:
        return NO_EDITS
    return SearchEdits(tuple(dict.fromkeys(front)), tuple(dict.fromkeys(back)))


def _file_edits(file: str, data: bytes | None) -> SearchEdits:
    """The ``sys.path`` edits of the file at ``file``, of bytes ``data`` (a
    notebook's code cells one after the other)."""
    if data is None:
        return NO_EDITS
    if b"sys.path" not in data:
        return _imported_edits(file, data) if file.endswith(".py") else NO_EDITS
    if file.endswith(".ipynb"):
        cells = code_cells(data)
        if cells is None:
            return NO_EDITS
        return search_edits(cells, file)
    return search_edits([data.decode("utf-8", errors="replace")], file)
