"""``[tool.lossflint]`` configuration: loading, validation, rule selection."""

from __future__ import annotations

import difflib
import fnmatch
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lossflint.file_limits import DEFAULT_MAX_FILE_SIZE, parse_size
from lossflint.registry import Rule, all_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(Exception):
    """A problem the user must fix; printed as one line, exit code 2."""


LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
KNOWN_KEYS = frozenset(
    [*LIST_KEYS, "per-file-ignores", "respect-gitignore", "options", "cache-dir", "max-file-size"]
)

DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".ipynb_checkpoints",
    ".lossflint_cache",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    # macOS archive metadata (``__MACOSX/._train.py``): AppleDouble bytes, no
    # code (abhinavGupta16's DeepFashion repo, audit s233)
    "__MACOSX",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["LF"])
    select_is_default: bool = True
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    cache_dir: str = ".lossflint_cache"
    #: bytes; bigger files are skipped with a warning (0: no limit)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: folder the config was read from (globs are relative to it)
    root: Path = field(default_factory=Path.cwd)
    config_path: Path | None = None

    def enabled_codes(self) -> list[str]:
        """Codes of the rules that run, by prefix specificity (ruff-style)."""
        chosen = []
        explicit = [] if self.select_is_default else list(self.select)
        explicit += self.extend_select
        for code, rule in all_rules().items():
            best_sel = _longest_match(code, [*self.select, *self.extend_select])
            best_ign = _longest_match(code, self.ignore)
            if best_sel is None:
                continue
            if best_ign is not None and len(best_ign) >= len(best_sel):
                continue
            if not rule.default_enabled and _longest_match(code, explicit) is None:
                continue
            chosen.append(code)
        return chosen

    def ignored_for(self, path: Path) -> list[str]:
        """Codes/prefixes ``per-file-ignores`` removes for ``path``."""
        if not self.per_file_ignores:
            return []
        try:
            rel = path.resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, RuntimeError, OSError):
            rel = path.as_posix()
        codes: list[str] = []
        for pattern, pattern_codes in self.per_file_ignores.items():
            if fnmatch.fnmatch(rel, pattern) or (
                "/" not in pattern and fnmatch.fnmatch(path.name, pattern)
            ):
                codes.extend(pattern_codes)
        return codes

    def fingerprint(self) -> str:
        """A stable text of everything that changes lint results (for caching)."""
        return repr(
            (
                sorted(self.enabled_codes()),
                sorted((k, sorted(v)) for k, v in self.per_file_ignores.items()),
                sorted((k, sorted(v.items())) for k, v in self.options.items()),
            )
        )


def _longest_match(code: str, selectors: list[str]) -> str | None:
    best: str | None = None
    for selector in selectors:
        if selector == "ALL" or code.startswith(selector):
            norm = "" if selector == "ALL" else selector
            if best is None or len(norm) > len(best):
                best = norm
    return best


def override(
    select: list[str] | None,
    ignore: list[str],
    extend_select: list[str],
    max_file_size: int | None = None,
) -> Callable[[Settings], None]:
    """What a caller's own choices (the command line, the Python API) change in
    every configuration found: validated selectors, applied after the file's."""

    def adjust(settings: Settings) -> None:
        if select is not None:
            settings.select = list(select)
            settings.select_is_default = False
        settings.extend_select += extend_select
        settings.ignore += ignore
        if max_file_size is not None:
            settings.max_file_size = max_file_size

    return adjust


def validate_selectors(selectors: list[str], where: str) -> list[str]:
    codes = list(all_rules())
    out = []
    for raw in selectors:
        sel = raw.strip().upper()
        if not sel:
            continue
        if sel != "ALL" and not any(code.startswith(sel) for code in codes):
            raise ConfigError(f"unknown rule code or prefix {raw!r} in {where}")
        out.append(sel)
    return out


#: config files, in the order they win when one folder holds several
#: (``.lossflint.toml`` > ``lossflint.toml`` > ``pyproject.toml``, as ruff's
#: ``.ruff.toml`` > ``ruff.toml`` > ``pyproject.toml``)
CONFIG_NAMES = (".lossflint.toml", "lossflint.toml", "pyproject.toml")


def _start_folder(start: Path) -> Path:
    try:
        current = Path(os.path.realpath(start))
        if current.is_file() or not current.exists():
            current = current.parent
    except (OSError, ValueError):  # a folder we may not search, a NUL byte
        current = Path(os.path.abspath(start)).parent
    return current


def find_config(start: Path, warnings: list[str] | None = None) -> Path | None:
    """The config file of ``start`` (a file or a folder): the first folder
    from there upwards holding a ``.lossflint.toml``, a ``lossflint.toml`` or
    a ``pyproject.toml`` with a ``[tool.lossflint]`` table."""
    current = _start_folder(start)
    for folder in (current, *current.parents):
        found = config_in_folder(folder, warnings)
        if found is not None:
            return found
    return None


def config_in_folder(folder: Path, warnings: list[str] | None = None) -> Path | None:
    """The config file of ``folder`` itself, by :data:`CONFIG_NAMES` precedence.

    A ``pyproject.toml`` that cannot be read or parsed is an error only when
    it mentions lossflint (it may be our config, broken); anyone else's is
    skipped with a note in ``warnings``, as one without our table is.
    """
    for name in CONFIG_NAMES[:2]:
        candidate = folder / name
        try:
            if candidate.is_file():
                return candidate
        except OSError:
            continue
    candidate = folder / "pyproject.toml"
    try:
        if not candidate.is_file():
            return None
        raw = candidate.read_bytes()
    except OSError:
        return None
    ours = b"lossflint" in raw
    try:
        data = _parse_toml(raw, candidate)
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"'tool' must be a table in {candidate}")
    except ConfigError as exc:
        if ours:
            raise
        if warnings is not None:
            warnings.append(f"{exc}; skipped (it holds no lossflint settings)")
        return None
    return candidate if "lossflint" in tool else None


def _shown(path: Path) -> str:
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _parse_toml(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot parse {_shown(path)}: not UTF-8 (invalid byte 0x{raw[exc.start]:02x})"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot parse {_shown(path)}: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"cannot parse {_shown(path)}: nested too deeply") from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {_shown(path)}: {exc.strerror or exc}") from exc
    return _parse_toml(raw, path)


def explicit_config(raw: str) -> Path:
    """The file ``--config`` names: one line for a path that is missing or a folder."""
    path = Path(raw)
    try:
        if path.is_dir():
            raise ConfigError(f"config file {_shown(path)} is a folder, not a file")
        if not path.is_file():
            raise ConfigError(f"config file not found: {raw}")
    except (OSError, ValueError) as exc:
        raise ConfigError(f"config file {raw!r} cannot be used: {exc}") from exc
    return path


def load_settings(config_path: Path | None) -> Settings:
    """Settings from a config file (``pyproject.toml`` → ``[tool.lossflint]``,
    any other TOML file, ``lossflint.toml`` or ``.lossflint.toml``, → its top
    level), or defaults when there is none."""
    settings = Settings()
    if config_path is None:
        return settings
    if config_path.is_dir():
        raise ConfigError(f"config file {_shown(config_path)} is a folder, not a file")
    data = _read_toml(config_path)
    if config_path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"'tool' must be a table in {config_path}")
        table = tool.get("lossflint", {})
        where = f"[tool.lossflint] of {config_path}"
    else:
        table = data
        where = str(config_path)
        tool = data.get("tool")
        if isinstance(tool, dict) and "lossflint" in tool:
            raise ConfigError(
                f"[tool.lossflint] in {config_path}: outside pyproject.toml the settings "
                "are top-level keys (select = [...], not [tool.lossflint])"
            )
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.lossflint] must be a table in {config_path}")
    settings.root = config_path.parent
    settings.config_path = config_path
    apply_table(settings, table, where)
    return settings


def apply_table(settings: Settings, table: dict[str, Any], where: str) -> None:
    for key in table:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), sorted(KNOWN_KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown key {key!r} in {where}{hint}")
    for key in LIST_KEYS:
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{key!r} must be a list of strings in {where}")
    if "select" in table:
        settings.select = validate_selectors(table["select"], f"'select' of {where}")
        settings.select_is_default = False
    if "extend-select" in table:
        settings.extend_select = validate_selectors(
            table["extend-select"], f"'extend-select' of {where}"
        )
    if "ignore" in table:
        settings.ignore = validate_selectors(table["ignore"], f"'ignore' of {where}")
    if "exclude" in table:
        settings.exclude = list(table["exclude"])
    if "extend-exclude" in table:
        settings.extend_exclude = list(table["extend-exclude"])
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"'respect-gitignore' must be true or false in {where}")
        settings.respect_gitignore = table["respect-gitignore"]
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str):
            raise ConfigError(f"'cache-dir' must be a string in {where}")
        if "\0" in table["cache-dir"] or not table["cache-dir"]:
            raise ConfigError(f"'cache-dir' must be a non-empty path without NUL in {where}")
        settings.cache_dir = table["cache-dir"]
    if "max-file-size" in table:
        try:
            settings.max_file_size = parse_size(table["max-file-size"])
        except ValueError as exc:
            raise ConfigError(f"'max-file-size' {exc} in {where}") from exc
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"'per-file-ignores' must be a table in {where}")
        for pattern, codes in pfi.items():
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise ConfigError(
                    f"'per-file-ignores' entry {pattern!r} must be a list of codes in {where}"
                )
            settings.per_file_ignores[pattern] = validate_selectors(
                codes, f"'per-file-ignores' of {where}"
            )
    if "options" in table:
        _apply_options(settings, table["options"], where)


def _apply_options(settings: Settings, options: Any, where: str) -> None:
    if not isinstance(options, dict):
        raise ConfigError(f"'options' must be a table in {where}")
    rules = all_rules()
    for code, values in options.items():
        rule: type[Rule] | None = rules.get(code.upper())
        if rule is None:
            raise ConfigError(f"unknown rule code {code!r} in [options] of {where}")
        if not isinstance(values, dict):
            raise ConfigError(f"options of {code} must be a table in {where}")
        for key, value in values.items():
            spec = rule.options.get(key)
            if spec is None:
                known = ", ".join(sorted(rule.options)) or "none"
                raise ConfigError(f"unknown option {key!r} for {code} in {where} (known: {known})")
            expected = spec.type
            ok = isinstance(value, expected) and not (
                expected is not bool and isinstance(value, bool)
            )
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value, ok = float(value), True
            if not ok:
                raise ConfigError(
                    f"option {key!r} of {code} must be {expected.__name__} in {where}"
                )
            settings.options.setdefault(code.upper(), {})[key] = value


def resolve_settings(
    paths: list[str],
    config: str | None,
    isolated: bool,
    warnings: list[str] | None = None,
) -> Settings:
    """The settings of the first of ``paths`` (the current folder if none);
    ``warnings`` collects pyproject files of others that were skipped
    because they cannot be parsed."""
    resolver = SettingsResolver(config, isolated, warnings=warnings)
    return resolver.for_path(Path(paths[0]) if paths else Path(os.getcwd()))


class SettingsResolver:
    """The settings of each file, as ruff finds them: the nearest config file
    above it (:func:`find_config`), so ``check a b`` and ``check b a`` agree
    and a pre-commit batch gets each file's own config. ``--config`` and
    ``--isolated`` give every file the same settings.

    Each config file is read once; ``adjust`` (the command line's
    ``--select``/``--ignore``/...) is applied to every settings object
    handed out. The same object comes back for files of one config, so
    callers can group files by it.
    """

    def __init__(
        self,
        config: str | None = None,
        isolated: bool = False,
        adjust: Callable[[Settings], None] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self._adjust = adjust
        self.warnings = warnings if warnings is not None else []
        self._folders: dict[Path, Path | None] = {}
        #: unresolved folder of a file -> its config (for_path(is_file=True))
        self._by_folder: dict[str, Path | None] = {}
        self._loaded: dict[Path | None, Settings] = {}
        self._fixed: Settings | None = None
        if isolated:
            self._fixed = self._finish(Settings())
        elif config is not None:
            self._fixed = self._finish(load_settings(explicit_config(config)))

    @classmethod
    def with_settings(cls, settings: Settings) -> SettingsResolver:
        """Every file gets ``settings`` (used as given)."""
        resolver = cls()
        resolver._fixed = settings
        return resolver

    def _finish(self, settings: Settings) -> Settings:
        if self._adjust is not None:
            self._adjust(settings)
        return settings

    def config_for(self, path: Path) -> Path | None:
        """The config file that governs ``path`` (None: defaults)."""
        current = _start_folder(path)
        visited: list[Path] = []
        found: Path | None = None
        for folder in (current, *current.parents):
            if folder in self._folders:
                found = self._folders[folder]
                break
            visited.append(folder)
            found = config_in_folder(folder, self.warnings)
            if found is not None:
                break
        for folder in visited:
            self._folders[folder] = found
        return found

    def for_path(self, path: Path, is_file: bool = False) -> Settings:
        """The settings of ``path``; ``is_file`` (known by the caller, e.g.
        discovery) saves resolving each file: its folder's answer is reused."""
        if self._fixed is not None:
            return self._fixed
        if is_file:
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in self._by_folder:
                self._by_folder[folder] = self.config_for(Path(folder))
            config = self._by_folder[folder]
        else:
            config = self.config_for(path)
        if config not in self._loaded:
            self._loaded[config] = self._finish(load_settings(config))
        return self._loaded[config]

    def loaded(self) -> list[Settings]:
        """Every settings object handed out so far."""
        if self._fixed is not None:
            return [self._fixed]
        return list(self._loaded.values())
