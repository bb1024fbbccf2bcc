"""lossflint: a static analyzer for machine-learning training code."""

from __future__ import annotations

__version__ = "0.1.0"

from lossflint.api import lint_paths, lint_source  # noqa: E402
from lossflint.config import ConfigError  # noqa: E402
from lossflint.diagnostics import Diagnostic  # noqa: E402

__all__ = ["ConfigError", "Diagnostic", "__version__", "lint_paths", "lint_source"]
