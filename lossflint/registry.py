"""Rule base class and the registry that discovers every rule.

A rule is one class: its code, name, severity, documentation, its own VALID and
INVALID examples (run automatically by the test suite), and ``check``, which
reads the semantic model and yields findings. Rules never see files, output or
configuration other than their own options.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from lossflint.diagnostics import Finding, Severity
from lossflint.examples import dedent

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


@dataclass(frozen=True)
class Invalid:
    """Legacy form of an INVALID example (escaped source, bare position); rules
    move to :class:`lossflint.examples.Invalid` (markers in the source).

    The rule must fire exactly once, at ``line``:``column`` (1-based).
    """

    source: str
    line: int
    column: int
    fixed: str | None = None


@dataclass(frozen=True)
class Option:
    """A rule option settable under ``[tool.lossflint.options.LFxxx]``."""

    default: Any
    type: type
    help: str


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    #: one line: what the finding says, used in listings
    summary: ClassVar[str]
    what: ClassVar[str]
    why: ClassVar[str]
    example: ClassVar[str]
    #: "safe", "unsafe" or "none", and a sentence on what the fix does
    fix_kind: ClassVar[str] = "none"
    fix_safety: ClassVar[str] = "There is no automatic fix."
    #: frameworks/words a file must mention for the rule to possibly fire
    #: (used by the pre-filter); empty means "always run"
    needs: ClassVar[tuple[str, ...]] = ()
    #: a short corrected program the rule is silent on (the docs' "Use instead")
    use_instead: ClassVar[str] = ""
    #: (title, URL) of the framework documentation of the APIs involved
    references: ClassVar[tuple[tuple[str, str], ...]] = ()
    default_enabled: ClassVar[bool] = True
    #: the finding is about the value its node computes (a log, a root): one
    #: assigned and bound again before any read (a dead store) is not reported
    about_its_value: ClassVar[bool] = False
    options: ClassVar[dict[str, Option]] = {}
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[Any]] = []  # lossflint.examples.Invalid (or the legacy Invalid)

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        merged = {k: o.default for k, o in self.options.items()}
        merged.update(options or {})
        self.opts = merged

    def check(self, model: SemanticModel) -> Iterator[Finding]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def docs_markdown(cls) -> str:
        fix = {"safe": "Safe", "unsafe": "Unsafe", "none": "None"}[cls.fix_kind]
        lines = [
            f"# {cls.code} {cls.name}",
            "",
            f"*Severity*: {cls.severity.value} · *Fix*: {fix.lower()}"
            + ("" if cls.default_enabled else " · *off by default*"),
            "",
            "## What it does",
            "",
            cls.what.strip(),
            "",
            "## Why is this bad?",
            "",
            cls.why.strip(),
            "",
            "## Example",
            "",
            "```python",
            dedent(cls.example).rstrip("\n"),
            "```",
        ]
        if cls.use_instead:
            lines += [
                "",
                "## Use instead",
                "",
                "```python",
                dedent(cls.use_instead).rstrip("\n"),
                "```",
            ]
        lines += [
            "",
            "## Fix safety",
            "",
            cls.fix_safety.strip(),
        ]
        if cls.options:
            lines += ["", "## Options", ""]
            for key, opt in cls.options.items():
                lines.append(f"- `{key}` (default `{opt.default!r}`): {opt.help}")
            lines += [
                "",
                "Set them in `pyproject.toml`:",
                "",
                "```toml",
                f"[tool.lossflint.options.{cls.code}]",
                *(f"{k} = {_toml_value(o.default)}" for k, o in cls.options.items()),
                "```",
            ]
        if cls.references:
            lines += ["", "## References", ""]
            lines += [f"- [{title}]({url})" for title, url in cls.references]
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


_REGISTRY: dict[str, type[Rule]] | None = None


def all_rules() -> dict[str, type[Rule]]:
    """Every rule class by code, sorted; discovered from ``lossflint.rules``."""
    global _REGISTRY
    if _REGISTRY is None:
        import lossflint.rules as pkg

        found: dict[str, type[Rule]] = {}
        infos = pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg.__name__}.")
        for info in sorted(infos, key=lambda i: i.name):
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if (
                    isinstance(obj, type)
                    and issubclass(obj, Rule)
                    and obj is not Rule
                    and getattr(obj, "code", None)
                    and obj.__module__ == module.__name__
                ):
                    if obj.code in found:
                        raise RuntimeError(f"duplicate rule code {obj.code}")
                    found[obj.code] = obj
        _REGISTRY = dict(sorted(found.items()))
    return _REGISTRY


#: codes the linter itself emits (not produced by a Rule's ``check``)
META_CODES = ("LF900", "LF901")
