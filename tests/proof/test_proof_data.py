"""The data and evaluation bugs of LF601-LF605 misbehave for real (torch on the CPU,
scikit-learn), and their corrected versions do not.

Each case is one source text: lossflint must flag it where the reporting
conventions say (and stay silent on the fix), and running it must show the harm
the rule promises.
"""

from __future__ import annotations

from typing import Any

from lossflint.linter import RuleSet, lint_text
from tests.proof.conftest import require

torch = require("torch")


def findings(source: str, code: str) -> list[tuple[int, int]]:
    result = lint_text(source, "proof.py", RuleSet([code]), [])
    assert not result.errors, result.errors
    return [(d.location.row, d.location.column) for d in result.diagnostics if d.code == code]


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "proof.py", "exec"), namespace)
    return namespace


def test_lf601_a_scaler_fitted_before_the_split_carries_test_statistics() -> None:
    require("sklearn")
    buggy = (
        "import numpy as np\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "rng = np.random.default_rng(0)\n"
        "X = np.concatenate([rng.normal(0, 1, (80, 3)), rng.normal(5, 1, (20, 3))])\n"
        "y = np.arange(100) % 2\n"
        "scaler = StandardScaler()\n"
        "X_scaled = scaler.fit_transform(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(\n"
        "    X_scaled, y, test_size=0.2, shuffle=False)\n"
        "train_mean = scaler.mean_\n"
    )
    fixed = (
        "import numpy as np\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "rng = np.random.default_rng(0)\n"
        "X = np.concatenate([rng.normal(0, 1, (80, 3)), rng.normal(5, 1, (20, 3))])\n"
        "y = np.arange(100) % 2\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, shuffle=False)\n"
        "scaler = StandardScaler()\n"
        "X_train = scaler.fit_transform(X_train)\n"
        "X_test = scaler.transform(X_test)\n"
        "train_mean = scaler.mean_\n"
    )
    assert findings(buggy, "LF601") == [(8, 12)]
    assert findings(fixed, "LF601") == []
    leaked, clean = run(buggy), run(fixed)
    # the statistics the training data was scaled with include the test rows
    # (mean ~1 instead of ~0): the training set was shifted by what the test set holds
    assert abs(clean["train_mean"]).max() < 0.5
    assert (leaked["train_mean"] > 0.5).all()
    assert not np_close(leaked["X_train"], clean["X_train"])


def np_close(a: Any, b: Any) -> bool:
    import numpy as np

    return bool(np.allclose(a, b))


def test_lf602_an_unshuffled_loader_yields_batches_in_data_set_order() -> None:
    buggy = (
        "import torch\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "torch.manual_seed(0)\n"
        "x = torch.randn(64, 4)\n"
        "y = torch.arange(64) // 32  # sorted by class, as files grouped per label are\n"
        "model = torch.nn.Linear(4, 2)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "loader = DataLoader(TensorDataset(x, y), batch_size=8)\n"
        "classes_per_batch = []\n"
        "for xb, yb in loader:\n"
        "    classes_per_batch.append(len(set(yb.tolist())))\n"
        "    opt.zero_grad()\n"
        "    torch.nn.functional.cross_entropy(model(xb), yb).backward()\n"
        "    opt.step()\n"
    )
    fixed = buggy.replace("batch_size=8)", "batch_size=8, shuffle=True)")
    assert findings(buggy, "LF602") == [(8, 10)]
    assert findings(fixed, "LF602") == []
    # every batch holds one class; shuffled, most batches mix both
    assert run(buggy)["classes_per_batch"] == [1] * 8
    assert sum(n == 2 for n in run(fixed)["classes_per_batch"]) >= 6


def test_lf603_dropout_left_on_changes_the_metric_between_runs() -> None:
    buggy = (
        "import torch\n"
        "import torch.nn as nn\n"
        "torch.manual_seed(0)\n"
        "model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 3))\n"
        "x_test = torch.randn(256, 10)\n"
        "y_test = torch.randint(0, 3, (256,))\n"
        "def evaluate():\n"
        "    with torch.no_grad():\n"
        "        return (model(x_test).argmax(1) == y_test).float().mean().item()\n"
        "first, second = evaluate(), evaluate()\n"
    )
    fixed = buggy.replace("def evaluate():\n", "def evaluate():\n    model.eval()\n")
    assert findings(buggy, "LF603") == [(9, 17)]
    assert findings(fixed, "LF603") == []
    noisy = run(buggy)
    assert noisy["first"] != noisy["second"]
    steady = run(fixed)
    assert steady["first"] == steady["second"]


def test_lf604_swapped_arguments_raise_or_compute_another_loss() -> None:
    buggy = (
        "import torch\n"
        "import torch.nn.functional as F\n"
        "torch.manual_seed(0)\n"
        "model = torch.nn.Linear(5, 3)\n"
        "x = torch.randn(8, 5)\n"
        "target = torch.randint(0, 3, (8,))\n"
        "loss = F.cross_entropy(target, model(x))\n"
    )
    fixed = buggy.replace("F.cross_entropy(target, model(x))", "F.cross_entropy(model(x), target)")
    assert findings(buggy, "LF604") == [(7, 8)]
    assert findings(fixed, "LF604") == []
    try:
        run(buggy)
    except RuntimeError:
        pass  # integer "scores" and float "labels": cross_entropy refuses them
    else:  # pragma: no cover - a torch that accepts it must at least differ
        raise AssertionError("swapped cross_entropy ran")
    assert run(fixed)["loss"].item() > 0
    # with float labels it runs, and computes another loss than the intended one
    binary = (
        "import torch\n"
        "import torch.nn.functional as F\n"
        "torch.manual_seed(0)\n"
        "model = torch.nn.Linear(5, 1)\n"
        "x = torch.randn(8, 5)\n"
        "labels = torch.randint(0, 2, (8, 1)).float()\n"
        "out = model(x)\n"
        "swapped = F.binary_cross_entropy_with_logits(labels.long().float(), out)\n"
        "right = F.binary_cross_entropy_with_logits(out, labels)\n"
    )
    assert findings(binary, "LF604") == [(8, 11)]
    values = run(binary)
    assert abs(values["swapped"].item() - values["right"].item()) > 0.1


def test_lf605_softmax_over_dim_0_normalises_the_batch_not_the_classes() -> None:
    buggy = (
        "import torch\n"
        "import torch.nn.functional as F\n"
        "torch.manual_seed(0)\n"
        "model = torch.nn.Linear(6, 4)\n"
        "x = torch.randn(16, 6)\n"
        "probs = F.softmax(model(x), dim=0)\n"
        "pred = probs.argmax(1)\n"
        "rows, cols = probs.sum(1), probs.sum(0)\n"
        "alone = F.softmax(model(x[:1]), dim=0)\n"
    )
    fixed = buggy.replace("dim=0)\npred", "dim=1)\npred")
    assert findings(buggy, "LF605") == [(6, 9)]
    assert findings(fixed, "LF605") == []
    bad = run(buggy)
    ones = torch.ones(4)
    assert torch.allclose(bad["cols"], ones)  # each class sums to 1 over the batch
    assert not torch.allclose(bad["rows"], torch.ones(16))  # the samples do not
    # a sample's "probabilities" depend on the rest of the batch
    assert torch.allclose(bad["alone"], torch.ones(1, 4))
    good = run(fixed)
    assert torch.allclose(good["rows"], torch.ones(16))
