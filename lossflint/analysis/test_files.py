"""Which files are unit tests: they build optimisers with arbitrary settings
and loaders over fixed noise on purpose (LF307, LF602 stay silent there)."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.walk import memo_of, nodes_in
from lossflint.project import callers

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: frameworks whose import says a file holds tests
_TEST_FRAMEWORKS = ("pytest", "unittest", "nose", "hypothesis", "absl.testing")


def is_test_module(model: ModuleIndex) -> bool:
    """A unit test by its path (``is_test_path``); a file named so outside a
    tests folder only when it shows tests too (a ``test_`` function, a
    ``Test`` class, a test framework imported): TCN's ``music_test.py`` is
    its training script."""
    path = str(getattr(model, "path", ""))
    if not is_test_path(path):
        return _test_support(path)
    parts = PurePath(path.replace("\\", "/")).parts
    if any(folder in ("tests", "test") for folder in parts[:-1]):
        return True
    if parts and parts[-1] == "conftest.py":
        return True
    called = {
        site.node.func.value if isinstance(site.node.func, cst.Name) else site.node.func.attr.value
        for site in model.calls
        if isinstance(site.node.func, (cst.Name, cst.Attribute))
    }
    for node in nodes_in(model.module, cst.FunctionDef, cst.ClassDef, memo=memo_of(model)):
        name = node.name.value  # type: ignore[attr-defined]
        if isinstance(node, cst.FunctionDef) and name.startswith("test") and name not in called:
            # also a method of a TestCase class; not ``test_epoch(model, loader)``
            # that the file's own training loop calls (MOGONET's train_test.py, audit s223)
            return True
        if isinstance(node, cst.ClassDef) and (name.startswith("Test") or name.endswith("Test")):
            return True
    return any(
        binding.kind == "import" and (binding.qualname or "").split(".", 1)[0] in _TEST_FRAMEWORKS
        for bindings in model.module_scope.bindings.values()
        for binding in bindings
    )


def _test_support(path: str) -> bool:
    """A module named for tests (``common_test_utils.py``, ``testing.py``)
    that only test files of the project load: the helpers of a test suite,
    building models and optimisers that never train (tensorflow/privacy,
    audit s228)."""
    stem = PurePath(path.replace("\\", "/")).stem.lower()
    if "test" not in stem:
        return False
    try:
        files = callers.loading_files()
        loaders = [loader for loader, _ in files] if files is not None else []
    except (OSError, ValueError, RecursionError):
        return False
    return bool(loaders) and all(is_test_path(loader) for loader in loaders)


def is_test_path(path: str) -> bool:
    """``tests/…``, ``test/…``, ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    parts = PurePath(path.replace("\\", "/")).parts
    if not parts:
        return False
    *folders, name = parts
    if any(folder in ("tests", "test") for folder in folders):
        return True
    return name.endswith(".py") and (
        name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    )
