"""Jupyter notebooks: code cells linted as one program, findings per cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossflint.linter import RuleSet
from lossflint.notebook import lint_notebook, mask_ipython
from lossflint.registry import all_rules
from tests.conftest import FIXTURES

NB = FIXTURES / "notebook_training.ipynb"
SELECT = ("--select", "LF110,LF201,LF900")


def notebook(*cells: tuple[str, str], **extra: object) -> str:
    """JSON text of a notebook with (cell_type, source) cells, as Jupyter writes it."""
    nb = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True)}
            | ({"execution_count": None, "outputs": []} if kind == "code" else {})
            for kind, src in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
        **extra,
    }
    return json.dumps(nb, indent=1) + "\n"


def lint(text: str) -> list[tuple[int | None, int, int, str]]:
    result = lint_notebook(text.encode(), "nb.ipynb", RuleSet.default(), [])
    assert not result.errors
    return [(d.cell, d.location.row, d.location.column, d.code) for d in result.diagnostics]


def test_fixture_concise(run_cli):
    code, out, err = run_cli("check", *SELECT, "fixtures/notebook_training.ipynb")
    assert code == 1
    assert out.splitlines() == [
        "fixtures/notebook_training.ipynb:cell 2:10:24: LF110 `Softmax` without `dim`: the axis "
        "is guessed from the input's rank (dim 0 for 1-D/3-D inputs); pass `dim=` explicitly",
        "fixtures/notebook_training.ipynb:cell 8:1:9: LF900 cannot parse: invalid syntax",
        # the value flows cell 2 (model) -> cell 4 (instance) -> cell 7 (probs) -> cell 9
        "fixtures/notebook_training.ipynb:cell 9:2:20: LF201 log of softmax output underflows to "
        "log(0) = -inf (it comes from nn.Softmax at cell 2, line 10 in Net.__init__); "
        "use log_softmax",
    ]


@pytest.mark.skipif("LF101" not in all_rules(), reason="LF101 not implemented yet")
def test_fixture_model_in_cell_2_trained_in_cell_5(run_cli):
    code, out, _ = run_cli("check", "--select", "LF101", "fixtures/notebook_training.ipynb")
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines()] == [
        "fixtures/notebook_training.ipynb:cell 5:5:12"
    ]
    assert "cell 2, line 10" in out


def test_fixture_json_has_cell_field(run_cli):
    _, out, _ = run_cli("check", *SELECT, "--output-format", "json", str(NB))
    data = json.loads(out)
    assert [(d["cell"], d["location"], d["end_location"], d["code"]) for d in data] == [
        (2, {"row": 10, "column": 24}, {"row": 10, "column": 36}, "LF110"),
        (8, {"row": 1, "column": 9}, {"row": 1, "column": 9}, "LF900"),
        (9, {"row": 2, "column": 20}, {"row": 2, "column": 36}, "LF201"),
    ]
    # the fix's edit is in cell coordinates too
    assert data[0]["fix"]["edits"] == [
        {
            "content": "nn.Softmax(dim=-1)",
            "location": {"row": 10, "column": 24},
            "end_location": {"row": 10, "column": 36},
        }
    ]


def test_fixture_full_shows_the_cell_source(run_cli):
    _, out, _ = run_cli("check", *SELECT, "--output-format", "full", str(NB))
    assert "10 |         self.softmax = nn.Softmax()\n" in out
    assert "2 | penalty = (probs * torch.log(probs)).sum(1).mean()\n" in out


def test_folder_discovery_includes_notebooks(run_cli, tmp_path: Path):
    (tmp_path / "a.ipynb").write_text(
        notebook(("code", "import torch\np = torch.log(torch.softmax(x, 1))"))
    )
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text(
        notebook(("code", "import torch\np = torch.log(torch.softmax(x, 1))"))
    )
    code, out, _ = run_cli("check", ".", cwd=tmp_path)
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines()] == ["a.ipynb:cell 1:2:5"]


def test_cells_count_markdown_and_dataflow_crosses_cells():
    text = notebook(
        ("markdown", "# title"),
        ("code", "import torch"),
        ("raw", "raw text"),
        ("code", "probs = torch.softmax(x, dim=1)\n"),
        ("markdown", "more"),
        ("code", "\n\nlp = torch.log(probs)"),
    )
    assert lint(text) == [(6, 3, 6, "LF201")]


def test_magics_are_masked_and_lines_keep_their_numbers():
    text = notebook(
        (
            "code",
            "%load_ext autoreload\n"
            "!pip install torch\n"
            "files = !ls\n"
            "t = %timeit -o f()\n"
            "import torch\n"
            "torch.log?\n"
            "??torch.softmax\n"
            "?? Dense\n"
            "torch.exp ?\n"
            "%config InlineBackend.figure_format = \\\n"
            "    'retina'\n"
            "if True:\n"
            "    %time y = 1\n"
            "p = torch.log(torch.softmax(x, 1))",
        ),
    )
    assert lint(text) == [(1, 14, 5, "LF201")]


def test_percent_continuation_is_not_a_magic():
    # "% x" continuing a bracketed expression is Python's modulo, not a magic
    text = notebook(
        (
            "code",
            'msg = ("%d items"\n       % n)\nimport torch\np = torch.log(torch.softmax(x, 1))',
        ),
    )
    assert lint(text) == [(1, 4, 5, "LF201")]


def test_several_percent_continuations_in_one_cell():
    # black's layout of %-formatting puts the operator first, once per print
    text = notebook(
        (
            "code",
            "%matplotlib inline\n"
            "for i in range(3):\n"
            "    print(\n        'epoch %d'\n        % (i,)\n    )\n"
            "    print(\n        'loss %f'\n        % (0.5,)\n    )\n"
            "import torch\np = torch.log(torch.softmax(x, 1))",
        ),
    )
    assert lint(text) == [(1, 12, 5, "LF201")]


def test_cell_magic_cell_is_skipped():
    text = notebook(
        ("code", "%%bash\necho $((1 + 2))\nfor x in *; do echo $x; done"),
        ("code", "import torch\np = torch.log(torch.softmax(x, 1))"),
    )
    assert lint(text) == [(2, 2, 5, "LF201")]


@pytest.mark.parametrize(
    "magic",
    [
        "%%bash",
        "%%sh",
        "%%writefile train.py",
        "%%html",
        "%%javascript",
        "%%latex",
        "%%markdown",
        "%%script python3",
        "%%python3",
        "%%cython",
        "%%someextension --flag",
    ],
)
def test_non_python_cell_magics_skip_the_whole_cell(magic: str):
    # the body would be LF201 as Python, and the last line does not parse:
    # neither a finding nor LF900 comes out of a cell that is not Python
    text = notebook(
        ("code", "import torch"),
        ("code", f"{magic}\np = torch.log(torch.softmax(x, 1))\n<b>not python</b>\n"),
    )
    assert lint(text) == []


@pytest.mark.parametrize(
    "magic", ["%%time", "%%timeit -n 1 -r 1 setup()", "%%capture out", "%%prun -s cumulative"]
)
def test_python_cell_magics_are_analysed(magic: str):
    text = notebook(
        ("code", "import torch"),
        ("code", f"\n{magic}\n%matplotlib inline\np = torch.log(torch.softmax(x, 1))\n"),
    )
    assert lint(text) == [(2, 4, 5, "LF201")]


def test_python_cell_magic_body_joins_the_dataflow():
    text = notebook(
        ("code", "%%time\nimport torch\nprobs = torch.softmax(x, 1)"),
        ("code", "lp = torch.log(probs)"),
    )
    assert lint(text) == [(2, 1, 6, "LF201")]


def test_bare_install_commands_are_masked_not_lf900():
    text = notebook(
        (
            "code",
            "pip install -q torch torchvision\n"
            "pip3 install --upgrade transformers\n"
            "conda install -c conda-forge -y lightgbm\n"
            "mamba install numpy\n"
            "apt-get -qq install -y graphviz\n"
            "apt install ffmpeg\n"
            "cd /content/repo\n"
            "import torch\n"
            "p = torch.log(torch.softmax(x, 1))",
        ),
    )
    assert lint(text) == [(1, 9, 5, "LF201")]


def test_ipython_shell_aliases_and_wildcard_search_are_masked_not_lf900():
    # IPython's default aliases run without ``!``; ``torch.*Tensor?`` is %psearch
    text = notebook(
        ("code", "ls ./data/train/\ncat README.md\nmkdir -p out\nrm -rf out/tmp"),
        ("code", "torch.*Tensor?"),
        ("code", "import torch\np = torch.log(torch.softmax(x, 1))"),
    )
    assert lint(text) == [(3, 2, 5, "LF201")]


def test_shell_aliases_with_a_quoted_argument_are_masked_not_lf900():
    # Colab's ``cd 'Colab Notebooks'``: a folder name with a space, quoted (audit R95)
    text = notebook(
        ("code", "cd 'Colab Notebooks'\nls \"My Drive/data\""),
        ("code", "import torch\np = torch.log(torch.softmax(x, 1))"),
    )
    assert lint(text) == [(2, 2, 5, "LF201")]


def test_python_lines_starting_with_an_alias_name_stay_python():
    text = notebook(
        (
            "code",
            "import torch\nls = torch.softmax(x, 1)\ncat = [ls]\nls in cat\nls - torch.log(ls)",
        ),
    )
    assert lint(text) == [(1, 5, 6, "LF201")]


def test_python_lines_starting_with_a_command_name_stay_python():
    # ``pip = ...``, ``pip - x``, ``pip in x``: assignments and operators, not commands
    text = notebook(
        (
            "code",
            "import torch\n"
            "pip = torch.softmax(x, 1)\n"
            "conda = 2\n"
            "pip in names\n"
            "pip - torch.log(pip)",
        ),
    )
    assert lint(text) == [(1, 5, 7, "LF201")]


def test_unparsable_cell_gets_lf900_and_the_rest_continue():
    text = notebook(
        ("code", "import torch"),
        ("code", "x = = 1"),
        ("code", "p = torch.log(torch.softmax(x, 1))"),
    )
    assert lint(text) == [(2, 1, 5, "LF900"), (3, 1, 5, "LF201")]


def test_noqa_in_a_cell():
    text = notebook(
        ("code", "import torch"),
        (
            "code",
            "p = torch.log(torch.softmax(x, 1))  # noqa: LF201\nq = torch.log(torch.softmax(x, 1))",
        ),
    )
    assert lint(text) == [(2, 2, 5, "LF201")]


def test_related_location_in_another_cell_names_it():
    result = lint_notebook(
        (FIXTURES / "notebook_training.ipynb").read_bytes(), "nb.ipynb", RuleSet.default(), []
    )
    cross = [d for d in result.diagnostics if d.related]
    for d in cross:
        for rel in d.related:
            assert rel.message.endswith(" in cell 2")
            assert rel.location.row == 10


def test_invalid_json_is_lf900(run_cli, tmp_path: Path):
    (tmp_path / "bad.ipynb").write_text('{"cells": [\n  {"cell_type": "code",,}\n]}\n')
    code, out, _ = run_cli("check", "bad.ipynb", cwd=tmp_path)
    assert code == 1
    assert out == (
        "bad.ipynb:2:24: LF900 cannot read notebook: invalid JSON: "
        "Expecting property name enclosed in double quotes\n"
    )


def test_json_without_cells_is_lf900(tmp_path: Path):
    result = lint_notebook(b'{"nbformat": 4}', "x.ipynb", RuleSet.default(), [])
    assert [d.message for d in result.diagnostics] == [
        "cannot read notebook: no 'cells' list at the top level"
    ]


def test_empty_and_string_sources():
    nb = {
        "cells": [
            {"cell_type": "code", "source": ""},
            {"cell_type": "code", "source": "import torch\np = torch.log(torch.softmax(x, 1))"},
        ],
        "nbformat": 4,
    }
    assert lint(json.dumps(nb)) == [(2, 2, 5, "LF201")]


def test_mask_ipython_is_line_for_line():
    masks: dict[int, str] = {}
    src = "a = 1\n  !ls\nb?\n"
    masked = mask_ipython(src, masks)
    assert masked is not None
    assert masked.count("\n") == src.count("\n")
    assert masked.splitlines()[0] == "a = 1"
    assert masked.splitlines()[1].startswith("  pass")
    assert sorted(masks.values()) == ["  !ls", "b?"]
    assert mask_ipython("\n%%writefile x.py\nprint(1)\n", {}) is None
    timed = mask_ipython("%%time\nprint(1)\n", {})
    assert timed is not None and timed.splitlines()[1] == "print(1)"


# --- --fix -------------------------------------------------------------------

FIXABLE = "import torch\n%time lp = 1\nlp = torch.log(torch.softmax(x, dim=1))"
FIXED = "import torch\n%time lp = 1\nlp = torch.log_softmax(x, dim=1)"


def fix(data: bytes, unsafe: bool = False):  # type: ignore[no-untyped-def]
    pytest.importorskip("lossflint.fixer")
    from lossflint.fixer import fix_notebook

    return fix_notebook(data, "nb.ipynb", RuleSet.default(), [], unsafe)


def rich_notebook(source: object, indent: int = 1) -> str:
    """A notebook with outputs, metadata and non-ASCII text, in nbformat's layout."""
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {"tags": ["intro"]},
                "source": ["# Entraînement ✓"],
            },
            {
                "cell_type": "code",
                "execution_count": 3,
                "metadata": {"scrolled": True},
                "outputs": [
                    {"name": "stdout", "output_type": "stream", "text": ["1.0 – done\n"]},
                    {
                        "data": {"image/png": "iVBORw0KGgo=\n", "text/plain": ["<Figure>"]},
                        "metadata": {"needs_background": "light"},
                        "output_type": "display_data",
                    },
                ],
                "source": source,
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": [],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3"}, "language_info": {"version": "3.11"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=indent, ensure_ascii=False) + "\n"


def test_fix_writes_back_into_the_right_cell_only():
    before = rich_notebook(FIXABLE.splitlines(keepends=True))
    result = fix(before.encode())
    assert result.applied == 1
    assert result.failed == [] and result.remaining == []
    # exactly the fixed line differs: outputs, metadata, layout are untouched
    assert result.data.decode() == before.replace(
        '"lp = torch.log(torch.softmax(x, dim=1))"', '"lp = torch.log_softmax(x, dim=1)"'
    )
    assert json.loads(result.data)["cells"][1]["source"] == FIXED.splitlines(keepends=True)


def test_fix_keeps_string_sources_indent_and_crlf():
    before = rich_notebook(FIXABLE, indent=2).replace("\n", "\r\n")
    result = fix(before.encode())
    assert result.applied == 1
    after = result.data.decode()
    assert after == before.replace(json.dumps(FIXABLE)[1:-1], json.dumps(FIXED)[1:-1])


def test_fix_across_cells_uses_the_whole_program():
    text = notebook(
        ("code", "import torch"),
        ("markdown", "text"),
        ("code", "probs = torch.softmax(x, dim=1)\n!ls"),
        ("code", "lp = torch.log(torch.softmax(x, dim=1))\nprint(lp)"),
    )
    result = fix(text.encode())
    cells = json.loads(result.data)["cells"]
    assert ["".join(c["source"]) for c in cells] == [
        "import torch",
        "text",
        "probs = torch.softmax(x, dim=1)\n!ls",
        "lp = torch.log_softmax(x, dim=1)\nprint(lp)",
    ]


def test_nothing_to_fix_is_byte_identical(run_cli, tmp_path: Path):
    pytest.importorskip("lossflint.fixer")
    odd = rich_notebook(["%matplotlib inline\n", "import torch\n", "x = 1  # ok"], indent=4)
    (tmp_path / "odd.ipynb").write_text(odd)
    fixture = tmp_path / "fixture.ipynb"
    fixture.write_bytes(NB.read_bytes())
    code, out, err = run_cli("check", "--fix", "--select", "LF201,LF900", ".", cwd=tmp_path)
    assert code == 1, err
    assert (tmp_path / "odd.ipynb").read_text() == odd
    assert fixture.read_bytes() == NB.read_bytes()  # LF201/LF900 here have no fix


def test_fix_of_the_fixture_through_the_cli(run_cli, tmp_path: Path):
    pytest.importorskip("lossflint.fixer")
    target = tmp_path / "nb.ipynb"
    target.write_bytes(NB.read_bytes())
    code, out, err = run_cli(
        "check", "--fix", "--unsafe-fixes", "--select", "LF110,LF201", "nb.ipynb", cwd=tmp_path
    )
    assert code == 1, err
    assert out.splitlines() == [
        "nb.ipynb:cell 9:2:20: LF201 log of softmax output underflows to log(0) = -inf "
        "(it comes from nn.Softmax at cell 2, line 10 in Net.__init__); use log_softmax"
    ]
    assert target.read_text() == NB.read_text().replace(
        '"        self.softmax = nn.Softmax()\\n"', '"        self.softmax = nn.Softmax(dim=-1)\\n"'
    )


def test_fix_refuses_a_layout_it_cannot_reproduce():
    compact = json.dumps(json.loads(notebook(("code", FIXABLE))), separators=(",", ":"))
    result = fix(compact.encode())
    assert result.data == compact.encode()
    assert result.applied == 0
    assert result.failed == [
        "nb.ipynb: fixes not written: the notebook's JSON layout could not be reproduced"
    ]
    assert [d.code for d in result.remaining] == ["LF201"]


def test_fix_of_invalid_json_reports_lf900():
    result = fix(b"{not json")
    assert result.data == b"{not json" and result.applied == 0
    assert [d.code for d in result.remaining] == ["LF900"]


def test_notebook_of_another_language_is_skipped():
    r_nb = notebook(
        ("code", "library(torch)\nx <- torch_randn(3)"),
        metadata={"kernelspec": {"language": "R", "name": "ir"}},
    )
    assert lint(r_nb) == []
    py_nb = notebook(
        ("code", "import torch\np = torch.log(torch.softmax(x, 1))"),
        metadata={"kernelspec": {"language": "python", "name": "python3"}},
    )
    assert lint(py_nb) == [(1, 2, 5, "LF201")]


@pytest.mark.parametrize(
    "spec, skipped",
    [
        # Colab's Swift notebooks name only the kernel
        ({"name": "swift", "display_name": "Swift"}, True),
        ({"name": "julia-1.9", "display_name": "Julia 1.9.3"}, True),
        ({"display_name": "R"}, True),
        # a Python kernel may be named anything: only another language's name skips
        ({"name": "tf2", "display_name": "TensorFlow 2"}, False),
        ({"name": "rapids-23", "display_name": "rapids"}, False),
        ({"name": "conda-env-torch-py", "display_name": "Python [conda env:torch]"}, False),
    ],
)
def test_a_kernel_named_for_another_language_is_skipped(spec: dict[str, str], skipped: bool):
    text = notebook(
        ("code", "import torch\np = torch.log(torch.softmax(x, 1))"),
        metadata={"kernelspec": spec},
    )
    assert lint(text) == ([] if skipped else [(1, 2, 5, "LF201")])


def test_a_cell_magic_under_comment_lines_skips_the_cell():
    # Colab runs ``%%bash`` under a comment; not a syntax error of Python
    text = notebook(
        ("code", "import torch"),
        ("code", "# get the data\n\n%%bash\nwget -q https://x/y.zip && unzip y.zip\n"),
        ("code", "# timing\n%%time\np = torch.log(torch.softmax(x, 1))\n"),
    )
    assert lint(text) == [(3, 3, 5, "LF201")]


def test_cells_tagged_with_another_language_are_skipped():
    nb = json.loads(
        notebook(
            ("code", "import torch"),
            ("code", "SELECT * FROM t WHERE x = 1"),
            ("code", "p = torch.log(torch.softmax(x, 1))"),
        )
    )
    nb["cells"][1]["metadata"] = {"vscode": {"languageId": "sql"}}
    nb["cells"][2]["metadata"] = {"vscode": {"languageId": "python"}}
    assert lint(json.dumps(nb)) == [(3, 1, 5, "LF201")]


def test_indented_cell_magic_line_does_not_indent_the_body() -> None:
    """Regression (mrdbourke time-series notebook): a cell starting with
    ' %%time' runs in IPython; it is analysed, not reported as LF900."""
    import json

    from lossflint.linter import RuleSet
    from lossflint.notebook import lint_notebook

    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": " %%time\n\nimport torch\nlp = torch.log(torch.softmax(x, dim=1))\n",
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    result = lint_notebook(json.dumps(nb).encode(), "nb.ipynb", RuleSet.default(), [])
    assert [d.code for d in result.diagnostics] == ["LF201"]


def test_a_cell_magic_line_inside_a_block_is_a_line_magic_there() -> None:
    """Regression (TF-Agents' ``try:`` / ``  %%time`` / ``except: pass``, audit
    R49): below the cell's first line, ``%%time`` keeps its block's indentation."""
    from lossflint.linter import RuleSet
    from lossflint.notebook import lint_notebook

    source = (
        "try:\n  %%time\n  import torch\n  lp = torch.log(torch.softmax(x, 1))\nexcept:\n  pass\n"
    )
    result = lint_notebook(_one_cell_notebook(source), "nb.ipynb", RuleSet.default(), [])
    assert [d.code for d in result.diagnostics] == ["LF201"]


def _one_cell_notebook(source: str) -> bytes:
    import json

    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": "import torch\n",
                "outputs": [],
                "execution_count": None,
            },
            {
                "cell_type": "code",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb).encode()


def test_cell_indented_as_a_whole_runs_like_ipython() -> None:
    """Regression (rasbt ch02/ch13, mrdbourke): IPython removes a cell's
    leading indentation (' def f(x):' ...); such a cell is analysed, with
    findings at the columns of the cell as written."""
    from lossflint.linter import RuleSet
    from lossflint.notebook import lint_notebook

    source = " z = model(x)\n lp = torch.log(torch.softmax(z, dim=1))\n"
    result = lint_notebook(_one_cell_notebook(source), "nb.ipynb", RuleSet.default(), [])
    found = [(d.code, d.cell, d.location.row, d.location.column) for d in result.diagnostics]
    assert found == [("LF201", 2, 2, 7)]


def test_fix_of_an_indented_cell_keeps_its_indentation(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nb.ipynb"
    path.write_bytes(
        _one_cell_notebook(" z = model(x)\n lp = torch.log(torch.softmax(z, dim=1))\n")
    )
    code, out, err = run_cli("check", "--fix", "--no-cache", "nb.ipynb", cwd=tmp_path)
    assert code == 0, err
    cell = "".join(json.loads(path.read_text())["cells"][1]["source"])
    assert cell.startswith(" z = model(x)\n lp = torch.")
    assert "log_softmax(z, dim=1)" in cell


def test_a_message_naming_several_lines_names_their_cells():
    """The same sigmoid output reaching three losses, one per cell: each
    message lists the others as cells and lines, not program lines."""
    model = (
        "import torch\nimport torch.nn.functional as F\n\n"
        "class LR(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = torch.nn.Linear(2, 1)\n\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.linear(x))\n\n"
        "model = LR()\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    )
    step = (
        "for epoch in range(3):\n"
        "    out = model(x)\n"
        "    loss = F.binary_cross_entropy(out, y)\n"
        "    opt.zero_grad()\n"
        "    loss.backward()\n"
        "    opt.step()\n"
    )
    text = notebook(
        ("code", model), ("code", step), ("markdown", "again"), ("code", step), ("code", step)
    )
    result = lint_notebook(text.encode(), "nb.ipynb", RuleSet.default(), [])
    found = {d.cell: d.message for d in result.diagnostics if d.code == "LF104"}
    assert set(found) == {2, 4, 5}
    assert found[2].endswith(
        "(output of the same layer also reaches the loss at cell 4, line 3; cell 5, line 3)"
    )
    assert found[5].endswith(
        "(output of the same layer also reaches the loss at cell 2, line 3; cell 4, line 3)"
    )
    assert "at cell 1, line 10 in LR.forward" in found[2]


def test_timed_statements_are_linted_in_place():
    """``%time train(...)`` runs its statement in the kernel (audit R44: the only
    call of a notebook's training function sat behind ``%time``)."""
    text = notebook(
        ("code", "import torch"),
        ("code", "%time p = torch.softmax(x, 1)\n%prun -s time f(p)\nlp = torch.log(p)"),
    )
    # the probabilities come from the timed statement
    assert lint(text) == [(2, 3, 6, "LF201")]
    masks: dict[int, str] = {}
    masked = mask_ipython("%time out = run(x)\n    %timeit run(x)\n%time -n 3 f()", masks)
    assert masked is not None
    lines = masked.split("\n")
    # the statement keeps its columns; options or a non-statement stay masked
    assert lines[0].startswith("if 1: out = run(x)")
    assert lines[1].startswith("    if 1:   run(x)")
    assert lines[2].strip().startswith("pass")


def test_timed_one_line_compound_statement_is_masked():
    """Regression (audit s118, MONAI bootcamp): ``%time for item in ds: print(item)``
    is valid IPython; ``if 1: for ...`` is not, so the line is masked (no LF900)."""
    text = notebook(
        ("code", "import torch"),
        (
            "code",
            "%time for item in ds: print(item)\n%timeit while f(): pass\n"
            "lp = torch.log(torch.softmax(x, 1))",
        ),
    )
    assert lint(text) == [(2, 3, 6, "LF201")]


def test_fix_keeps_a_timed_line_as_written():
    text = notebook(
        ("code", "import torch"),
        ("code", "lp = torch.log(torch.softmax(x, dim=1))\n%time train(lp)"),
    )
    result = fix(text.encode())
    assert result.applied == 1
    cell = "".join(json.loads(result.data)["cells"][1]["source"])
    assert cell == "lp = torch.log_softmax(x, dim=1)\n%time train(lp)"


_SOFTMAX_MODEL = (
    "class Net(torch.nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.softmax = torch.nn.Softmax()\n"
)


@pytest.mark.parametrize("magic", ["%matplotlib inline", "!pip install skorch", "%cd data"])
def test_a_magic_that_binds_nothing_keeps_the_snippet_reading(magic: str):
    # the Fraud Detection Handbook's notebooks (audit R73): no import of torch,
    # which the kernel has from elsewhere; `torch` is read by convention
    text = notebook(("code", magic + "\n"), ("code", _SOFTMAX_MODEL))
    assert lint(text) == [(2, 4, 24, "LF110")]


@pytest.mark.parametrize(
    "magic", ["%run shared_functions.py", "x = !ls", "%store -r torch", "%pylab inline"]
)
def test_a_magic_that_may_bind_names_blocks_the_snippet_reading(magic: str):
    text = notebook(("code", magic + "\n"), ("code", _SOFTMAX_MODEL))
    assert lint(text) == []


def test_inert_and_binding_masks_are_both_restored():
    masks: dict[int, str] = {}
    masked = mask_ipython("%matplotlib inline\n%run x.py\ny = 1", masks)
    assert masked == ("pass  # lossflint-inert-line-0\npass  # lossflint-masked-line-1\ny = 1")
    assert masks == {0: "%matplotlib inline", 1: "%run x.py"}


def test_a_python_2_cell_is_read_and_its_print_lines_are_kept_by_a_fix() -> None:
    """A cell of ``print x`` statements (the capsule-network tutorial, audit
    s159): LF900, and the cell's code still read; a fix in that cell writes
    the print lines back as they were."""
    text = notebook(
        ("code", "import torch"),
        ("code", "lp = torch.log(torch.softmax(x, dim=1))\nprint 'log-probs', lp\nprint"),
    )
    found = lint_notebook(text.encode(), "nb.ipynb", RuleSet.default(), []).diagnostics
    assert [(d.code, d.cell, d.location.row) for d in found] == [
        ("LF201", 2, 1),
        ("LF900", 2, 2),
    ]
    assert found[1].message.endswith("; the rest of the cell is checked")
    result = fix(text.encode(), unsafe=True)
    cells = json.loads(result.data)["cells"]
    assert "".join(cells[1]["source"]) == (
        "lp = torch.log_softmax(x, dim=1)\nprint 'log-probs', lp\nprint"
    )


def test_a_print_statement_continued_in_brackets_is_read_and_kept() -> None:
    """``print "acc:", sum(a ==\\n    b) / n`` spans two lines (the capsule-network
    tutorial's training cell, audit s159): read as one call, written back as it was."""
    text = notebook(
        ("code", "import torch"),
        (
            "code",
            "lp = torch.log(torch.softmax(x, dim=1))\n"
            'print "acc:", sum(a ==\n      b) / float(n)\nprint lp',
        ),
    )
    found = lint_notebook(text.encode(), "nb.ipynb", RuleSet.default(), []).diagnostics
    assert [(d.code, d.cell, d.location.row) for d in found] == [
        ("LF201", 2, 1),
        ("LF900", 2, 2),
    ]
    result = fix(text.encode(), unsafe=True)
    cells = json.loads(result.data)["cells"]
    assert "".join(cells[1]["source"]) == (
        'lp = torch.log_softmax(x, dim=1)\nprint "acc:", sum(a ==\n      b) / float(n)\nprint lp'
    )
