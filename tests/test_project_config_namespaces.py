"""Settings namespaces a config module fills (``__C = EasyDict(); __C.LR = 1``):
which attributes are known, and what makes them unknown."""

from __future__ import annotations

import ast
import textwrap

from lossflint.project.config_namespaces import namespace_constants

MAKERS = {"edict": "easydict.EasyDict", "CN": "yacs.config.CfgNode"}


def _read(source: str) -> dict[str, object]:
    tree = ast.parse(textwrap.dedent(source))
    sites: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            sites.setdefault(node.id, []).append(node)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            sites.setdefault(node.name, []).append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                sites.setdefault(alias.asname or alias.name, []).append(node)
    found = namespace_constants(tree, sites, MAKERS)
    return {name: _plain(literal) for name, literal in found.items()}


def _plain(literal: object) -> object:
    value = literal.value  # type: ignore[attr-defined]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return tuple(_plain(v) for v in value) if isinstance(value, tuple) else value


def test_attributes_set_once_at_top_level_are_known_under_every_alias() -> None:
    found = _read(
        """
        __C = edict()
        cfg = __C
        __C.LR = 1e-5
        __C.START = -1
        __C.TRAIN = edict()
        __C.TRAIN.SHUFFLE = True
        __C.TRAIN.SIZES = (1, 2)
        print(__C.LR, cfg.TRAIN.SHUFFLE)
        """
    )
    expected = {"LR": 1e-5, "START": -1, "TRAIN": {"SHUFFLE": True, "SIZES": (1, 2)}}
    assert found == {"__C": expected, "cfg": expected}


def test_conditional_repeated_computed_and_augmented_settings_are_unknown() -> None:
    found = _read(
        """
        import os
        C = edict()
        C.KEEP = 1
        C.TWICE = 2.0
        C.TWICE = 1e-3
        if os.environ.get("X"):
            C.COND = 1.0
        C.SUM = 1 + C.KEEP
        C.NAME = "a"
        C.NAME += "b"
        C.A = C.B = 3
        C.OTHER.X = 1
        C.SUB = edict()
        C.SUB.Y = 2
        del C.SUB
        def later():
            C.LATE = 4
        C.LATE = 5
        """
    )
    assert found == {"C": {"KEEP": 1}}


def test_a_namespace_handed_on_or_changed_by_a_method_is_unknown_as_a_whole() -> None:
    for use in (
        "merge(y, C)",
        "C.merge_from_file(path)",
        "C.SUB.update(x)",
        "C.SUB['LR'] = 1",
        "other = [C]",
        "def get():\n    return C",
    ):
        assert _read(f"C = CN()\nC.SUB = CN()\nC.SUB.LR = 2.0\n{use}\n") == {}, use


def test_only_an_empty_namespace_made_by_a_known_maker_counts() -> None:
    assert _read("C = edict(lr=1)\nC.X = 1\n") == {}
    assert _read("C = dict()\nC.X = 1\n") == {}
    assert _read("C = edict()\nC = edict()\nC.X = 1\n") == {}
