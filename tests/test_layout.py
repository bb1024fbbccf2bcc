"""The package layout holds: framework names live in ``analysis/apis``, and no
module imports itself back through others."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lossflint.analysis import apis
from lossflint.analysis.apis import ecosystem, keras, numpy, torch

PACKAGE = Path(__file__).resolve().parent.parent / "lossflint"
ANALYSIS = PACKAGE / "analysis"
CATALOGUE = ANALYSIS / "apis"

FRAMEWORK_NAME = re.compile(
    r"(torch|tensorflow|tf|keras|numpy|np|sklearn|lightning|pytorch_lightning|accelerate"
    r"|transformers|ignite)(\.\w+)+"
)


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def framework_names(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant that is a framework dotted name,
    docstrings left out."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and FRAMEWORK_NAME.fullmatch(node.value)
    ]


def test_framework_names_are_found_outside_docstrings() -> None:
    source = '"""torch.nn.Module in a docstring."""\nX = {"torch.softmax", "softmax", "tf.x."}\n'
    assert framework_names(source) == [(2, "torch.softmax")]


def test_no_framework_name_in_analysis_outside_the_catalogue() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
        for path in sorted(ANALYSIS.rglob("*.py"))
        if CATALOGUE not in path.parents
        for line, text in framework_names(path.read_text(encoding="utf-8"))
    ]
    assert not found, "framework names belong in lossflint/analysis/apis:\n" + "\n".join(found)


def test_a_table_several_frameworks_have_is_joined_in_the_catalogue() -> None:
    """``torch.SUM`` and ``keras.SUM`` are parts: ``apis.SUM`` must hold both
    (a star import would otherwise keep only the last one)."""
    modules = (torch, keras, numpy, ecosystem)
    lost = []
    for module in modules:
        for name, part in vars(module).items():
            if not name.isupper() or not isinstance(part, frozenset):
                continue
            joined = getattr(apis, name)
            if not part <= set(joined):
                lost.append(f"{module.__name__}.{name}")
    assert not lost, "not joined in apis/__init__: " + ", ".join(lost)


# --- import cycles ---------------------------------------------------------------------

#: cycles tolerated while they are untangled; a cycle must fit inside one of these
#: sets. None is left: the whole package is checked.
ALLOWED_CYCLES: list[frozenset[str]] = []


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """module → the package modules it imports, counting every ``import`` and
    ``from ... import`` in it: inside functions and ``if TYPE_CHECKING:`` too."""
    paths = {_module_name(path, root): path for path in sorted(root.rglob("*.py"))}

    def known(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(known(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in paths else known(base))
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan,
    iterative: no recursion limit to meet)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    work: list[tuple[str, Iterator[str]]] = []

    def enter(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        work.append((node, iter(sorted(graph.get(node, ())))))

    for start in graph:
        if start in order:
            continue
        enter(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in order:
                    enter(successor)
                    break
                if successor in on_stack:
                    low[node] = min(low[node], order[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == order[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def test_cycles_are_found_through_imports_inside_functions(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from pkg.sub.c import g\n")
    (package / "sub" / "c.py").write_text("from ..a import x\nimport pkg.d\n")
    (package / "d.py").write_text("")
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.sub.b"}
    assert graph["pkg.sub.c"] == {"pkg.a", "pkg.d"}
    assert cycles(graph) == [{"pkg.a", "pkg.sub.b", "pkg.sub.c"}]


@pytest.fixture(scope="module")
def package_cycles() -> list[set[str]]:
    return cycles(import_graph(PACKAGE))


def test_no_import_cycle_in_analysis(package_cycles: list[set[str]]) -> None:
    touching = [
        sorted(c) for c in package_cycles if any(m.startswith("lossflint.analysis") for m in c)
    ]
    assert not touching, f"import cycles through lossflint.analysis: {touching}"


def test_no_import_cycle_but_the_allowed_ones(package_cycles: list[set[str]]) -> None:
    unexpected = [
        sorted(c) for c in package_cycles if not any(c <= allowed for allowed in ALLOWED_CYCLES)
    ]
    assert not unexpected, f"import cycles: {unexpected}"


RULES_PACKAGE = PACKAGE / "rules"
#: class attributes that are documentation or examples: framework names are welcome there
_DOC_ATTRIBUTES = frozenset(
    {
        "what",
        "why",
        "example",
        "fix_safety",
        "summary",
        "use_instead",
        "references",
        "VALID",
        "INVALID",
    }
)


def rule_code_framework_names(source: str) -> list[tuple[int, str]]:
    """Framework dotted names in a rule module's code: docstrings, docs and
    examples (the attributes above) left out."""
    tree = ast.parse(source)
    docs: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else []
                )
                if any(isinstance(t, ast.Name) and t.id in _DOC_ATTRIBUTES for t in targets):
                    docs.update(id(inner) for inner in ast.walk(statement))
    return [
        (line, text)
        for line, text in framework_names(source)
        if not _inside(tree, docs, line, text)
    ]


def _inside(tree: ast.Module, docs: set[int], line: int, text: str) -> bool:
    return any(
        isinstance(node, ast.Constant) and node.value == text and node.lineno == line
        for node in ast.walk(tree)
        if id(node) in docs
    )


def test_rule_scan_skips_docs_and_examples() -> None:
    source = (
        "class R:\n"
        '    what = "see torch.nn.KLDivLoss"\n'
        '    VALID = ["torch.log"]\n'
        "    def check(self):\n"
        '        return "torch.nn.KLDivLoss"\n'
    )
    assert rule_code_framework_names(source) == [(5, "torch.nn.KLDivLoss")]


def test_no_framework_name_in_rule_code() -> None:
    """Rules ask the catalogue (``apis.NAME``); a name spelled in a rule module
    escapes every alias and import style the analysis handles."""
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
        for path in sorted(RULES_PACKAGE.rglob("*.py"))
        for line, text in rule_code_framework_names(path.read_text(encoding="utf-8"))
    ]
    assert not found, "framework names belong in lossflint/analysis/apis:\n" + "\n".join(found)


def test_one_rule_per_module_and_small_modules() -> None:
    from lossflint.registry import all_rules

    modules: dict[str, list[str]] = {}
    for code, rule in all_rules().items():
        modules.setdefault(rule.__module__, []).append(code)
    crowded = {m: codes for m, codes in modules.items() if len(codes) > 1}
    assert not crowded, crowded
    for module, (code,) in modules.items():
        assert module.rsplit(".", 1)[-1].startswith(code.lower() + "_"), (module, code)
    big = [
        f"{path.relative_to(PACKAGE.parent)} ({n} lines)"
        for path in sorted(RULES_PACKAGE.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert not big, big
