"""A module's names read from its syntax (``project/exports.py``): the same
answers as its full summary, without computing it (issue 14 item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint.project.digests import EXPORTS_DIGEST
from lossflint.project.driver import ProjectSession
from lossflint.project.exports import FULL
from lossflint.project.layout import Layout
from lossflint.project.store import SummaryStore
from lossflint.project.summary import SAlias, SClass, SFunction, SModule


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


#: every way a module-level name can be bound, next to the plain ones
TRICKY = """\
import os
import pkg.helpers
import pkg.helpers as helpers_alias
from . import helpers
from .helpers import build, Missing
from .helpers import *  # may bind anything not bound here
from torch import nn

try:
    from .fast import kernel
except ImportError:
    kernel = None

if os.environ.get("X"):
    class Hidden:
        pass


class Net(nn.Module):
    pass


@register
class Decorated:
    pass


def make():
    global rebound
    rebound = 1


def rebound():
    pass


async def fetch():
    pass


def twice():
    pass


twice = wrap(twice)
assigned = Net()
for looped in range(3):
    pass
with open("f") as handle:
    pass
[walrus := 1 for _ in range(2)]
data = {}
match data:
    case {"k": captured, **rest}:
        pass
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "",
            "pkg/helpers.py": "def build():\n    return 1\n\n\nclass Other:\n    pass\n",
            "pkg/fast.py": "def kernel():\n    pass\n",
            "pkg/mod.py": TRICKY,
        },
    )
    return tmp_path


def test_exports_agree_with_the_full_summary(project: Path) -> None:
    layout = Layout(project)
    module = layout.resolve("pkg.mod", project / "x.py")
    assert module is not None
    store = SummaryStore(layout)
    exports = store.exports(module)
    assert store.computed == []  # syntax only
    entry = store.get(module)
    assert entry is not None and entry.summary.parsed
    names = entry.summary.names
    answered = 0
    for name in set(names) | set(exports.values) | set(exports.full) | {"nowhere", "Other"}:
        found = exports.lookup(name)
        if found is FULL:
            continue
        answered += 1
        assert found == names.get(name), name
    assert answered >= 6
    # the plain ones are answered from syntax, with the summary's values
    assert exports.lookup("Net") == SClass("pkg/mod.py", "Net")
    assert exports.lookup("Decorated") == SClass("pkg/mod.py", "Decorated")
    assert exports.lookup("fetch") == SFunction("pkg/mod.py", "fetch")
    assert exports.lookup("helpers") == SModule("pkg/helpers.py")
    assert exports.lookup("build") == SAlias("pkg/helpers.py", "build")
    assert exports.lookup("os") is None  # not the project's
    # bound twice, through global, by an assignment, in a branch, or maybe by
    # the star import: only the summary knows
    for name in ("kernel", "rebound", "twice", "assigned", "Hidden", "looped", "handle"):
        assert exports.lookup(name) is FULL, name
    for name in ("walrus", "captured", "rest", "Other", "nowhere"):
        assert exports.lookup(name) is FULL, name


def test_without_a_star_import_an_unbound_name_is_not_there(project: Path) -> None:
    write(project, {"pkg/plain.py": "from .helpers import build\n\n\nclass A:\n    pass\n"})
    layout = Layout(project)
    module = layout.resolve("pkg.plain", project / "x.py")
    assert module is not None
    exports = SummaryStore(layout).exports(module)
    assert exports.lookup("nowhere") is None
    assert exports.lookup("A") == SClass("pkg/plain.py", "A")


@pytest.mark.parametrize("text", ["def broken(:\n", "x = 1\n\0\n", "\tdef f():\n"])
def test_a_module_that_does_not_read_is_left_to_its_summary(project: Path, text: str) -> None:
    write(project, {"pkg/bad.py": text})
    layout = Layout(project)
    module = layout.resolve("pkg.bad", project / "x.py")
    assert module is not None
    assert SummaryStore(layout).exports(module).lookup("broken") is FULL


def test_importing_a_class_computes_no_summary_until_it_is_used(project: Path) -> None:
    write(
        project,
        {
            "models/__init__.py": "from .net import Net\nfrom .zoo import *\n",
            "models/net.py": "from torch import nn\n\n\nclass Net(nn.Module):\n    pass\n",
            "models/zoo.py": "def build():\n    pass\n",
        },
    )
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        assert ctx.import_name("models", 0, "Net") == SClass("models/net.py", "Net")
        assert ctx.import_name("models.net", 0, "Net") == SClass("models/net.py", "Net")
        assert session.store.computed == []
        assert ctx.used["models/__init__.py"].startswith(EXPORTS_DIGEST)
        # a name only the star import can bind needs the package's summary
        assert ctx.import_name("models", 0, "build") == SFunction("models/zoo.py", "build")
        assert "models/__init__.py" in session.store.computed
        assert not ctx.used["models/__init__.py"].startswith(EXPORTS_DIGEST)


def test_a_result_that_used_exports_is_checked_by_them(project: Path) -> None:
    write(
        project,
        {"models/__init__.py": "from .net import Net\n", "models/net.py": "class Net:\n    pass\n"},
    )
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        ctx.import_name("models", 0, "Net")
    deps = session.deps(ctx)
    assert deps is not None and deps["models/__init__.py"].startswith(EXPORTS_DIGEST)
    # a comment changes the bytes, not the names: still valid, nothing computed
    write(project, {"models/__init__.py": "from .net import Net  # the model\n"})
    again = ProjectSession.for_files([project / "train.py"])
    assert again.still_valid(deps) and again.store.computed == []
    # the package now exports another class under that name
    write(
        project,
        {"models/__init__.py": "from .net import Net as Base\n\n\nclass Net(Base):\n    pass\n"},
    )
    assert not ProjectSession.for_files([project / "train.py"]).still_valid(deps)


# --- literal constants (cross-file learning rates) -----------------------------------

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def _lint(root: Path) -> list[str]:
    from lossflint.cache import ResultCache
    from lossflint.config import Settings
    from lossflint.parallel import run_files

    cache = ResultCache(root / ".lossflint_cache", "test")
    result = run_files([root / "train.py"], Settings(root=root), jobs=1, cache=cache)
    assert not result.errors
    return [f"{d.location.row}:{d.location.column} {d.code}" for d in result.diagnostics]


def test_a_cached_result_follows_the_constant_it_read(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "config_constants", root)
    assert _lint(root) == ["9:51 LF307", "10:46 LF307", "11:49 LF307"]
    base = root / "configs" / "base.py"
    base.write_text(base.read_text().replace('"lr": 0.2', '"lr": 3e-4'))
    assert _lint(root) == ["10:46 LF307", "11:49 LF307"]
    # a comment changes the bytes, not the constants: the result is served
    base.write_text(base.read_text() + "# tuned\n")
    assert _lint(root) == ["10:46 LF307", "11:49 LF307"]


def test_constants_are_literals_bound_once_and_never_changed(project: Path) -> None:
    write(
        project,
        {
            "pkg/conf.py": (
                "import os\n"
                "LR = 0.5\n"
                "NEG = -2\n"
                "CFG = {'optim': {'lr': 0.3}, 'name': 'x', 'steps': (1, 2)}\n"
                "ENV = {'lr': float(os.environ['LR'])}\n"
                "MERGED = {**CFG, 'lr': 1}\n"
                "GROWN = {'lr': 1}\n"
                "GROWN.update(lr=2)\n"
                "TWICE = 1\n"
                "TWICE = 2\n"
                "if os.environ:\n"
                "    NESTED = 3\n"
                "LOCAL = {'lr': 1}\n"
                "SHARED = {'lr': 1}\n"
                "def reset():\n"
                "    LOCAL = {}\n"  # the function's own LOCAL, not the module's
                "    LOCAL['lr'] = 5\n"
                "    SHARED['lr'] = 2\n"
            ),
        },
    )
    layout = Layout(project)
    module = layout.resolve("pkg.conf", project / "x.py")
    assert module is not None
    constants = SummaryStore(layout).exports(module).constants
    assert constants["LR"].value == 0.5 and constants["LR"].line == 2
    assert constants["NEG"].value == -2
    assert constants["CFG"].value["optim"].value["lr"].value == 0.3
    assert set(constants) == {"LR", "NEG", "CFG", "LOCAL"}


def test_a_constant_no_star_import_can_rebind_needs_no_summary(project: Path) -> None:
    write(
        project,
        {
            "lib/__init__.py": (
                '__version__ = "1.2"\nNAME = "lib"\nfrom .dummies import *\nfrom .more import *\n'
            ),
            "lib/dummies.py": "class Dummy:\n    pass\n",
            "lib/more.py": "__all__ = ['helper']\ndef helper():\n    pass\n",
        },
    )
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        # a star import binds no private name (no ``__all__`` lists it)
        # nor a public one its module does not bind
        assert ctx.import_name("lib", 0, "__version__") is None
        assert ctx.import_name("lib", 0, "NAME") is None
        assert session.store.computed == []
    # a star import whose ``__all__`` lists it may rebind it: the summary says
    write(project, {"lib/more.py": "__all__ = ['__version__']\n__version__ = 3\n"})
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        ctx.import_name("lib", 0, "__version__")
        assert "lib/__init__.py" in session.store.computed
    # so may one that binds a public name without ``__all__``
    write(project, {"lib/more.py": "NAME = 'other'\n"})
    session = ProjectSession.for_files([project / "train.py"])
    with session.linting(project / "train.py") as ctx:
        assert ctx is not None
        ctx.import_name("lib", 0, "NAME")
        assert "lib/__init__.py" in session.store.computed
