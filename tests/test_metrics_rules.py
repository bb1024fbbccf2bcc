"""LF5xx decisions that the rule examples do not show: which rules run by default."""

from __future__ import annotations

from pathlib import Path

from lossflint.linter import RuleSet

F1_MACRO = "from sklearn.metrics import f1_score\nf1 = f1_score(y, p, average='macro')\n"


def test_lf503_runs_by_default() -> None:
    # the catalogue lists it among the default rules (severity info); only
    # LF901 is opt-in
    assert "LF503" in RuleSet.default().codes


def test_lf503_reports_and_can_be_ignored(run_cli, tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(F1_MACRO)
    code, out, _ = run_cli("check", "--isolated", "--no-cache", "m.py", cwd=tmp_path)
    assert code == 1
    assert out.startswith("m.py:2:6: LF503 `f1_score` without `zero_division`")
    code, out, _ = run_cli(
        "check", "--isolated", "--no-cache", "--ignore", "LF503", "m.py", cwd=tmp_path
    )
    assert (code, out) == (0, "")


def test_lf503_names_the_sample_for_the_samples_average(run_cli, tmp_path: Path) -> None:
    """``average="samples"`` scores each sample's labels: the 0/0 is a
    sample's, not a class's (audit R80, lonePatient's multi-label metrics)."""
    (tmp_path / "m.py").write_text(
        "from sklearn.metrics import fbeta_score, f1_score\n"
        "a = fbeta_score(y, p, beta=2, average='samples')\n"
        "b = f1_score(y, p, average='macro')\n"
    )
    _, out, _ = run_cli("check", "--isolated", "--no-cache", "m.py", cwd=tmp_path)
    first, second = out.splitlines()[:2]
    assert "a sample with no predicted (or true) labels makes it 0/0" in first
    assert "a class with no predicted (or true) samples makes it 0/0" in second
