"""lossflint: a static analyzer for machine-learning training code.

The Python API (``lint_source``, ``lint_paths``, ``Diagnostic``, ``ConfigError``)
is loaded on first use (PEP 562): importing one module of the tool
(``lossflint.linter`` in a worker, ``lossflint.version``) runs this file first,
and it should not load the whole tool behind it.
"""

from __future__ import annotations

import os
import sys


def _drop_working_directory() -> None:
    """``python -m lossflint`` puts the working directory first on ``sys.path``:
    a linted repository's ``json.py`` or ``tokenize.py`` would be imported, and
    run, in place of the standard library's. While ``-m`` locates the package,
    ``sys.argv[0]`` is ``"-m"``; the tool's own modules are found through the
    package, so the entry is not needed."""
    if not sys.argv or sys.argv[0] != "-m" or sys.flags.safe_path:
        return
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        here = ""
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != here]


_drop_working_directory()

from typing import TYPE_CHECKING, Any  # noqa: E402

from lossflint.version import __version__  # noqa: E402

if TYPE_CHECKING:
    from lossflint.api import lint_paths, lint_source
    from lossflint.config import ConfigError
    from lossflint.diagnostics import Diagnostic

__all__ = ["ConfigError", "Diagnostic", "__version__", "lint_paths", "lint_source"]


def __getattr__(name: str) -> Any:
    if name in ("lint_paths", "lint_source"):
        from lossflint import api

        value = getattr(api, name)
    elif name == "ConfigError":
        from lossflint.config import ConfigError as value
    elif name == "Diagnostic":
        from lossflint.diagnostics import Diagnostic as value
    else:
        raise AttributeError(f"module 'lossflint' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
