"""Each file is linted with its own config, as ruff finds it (issue 17 item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint.config import ConfigError, SettingsResolver, find_config

LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"
SOFT_BUG = "import torch.nn.functional as F\np = F.softmax(x)\n"
BOTH = LOG_BUG + SOFT_BUG.split("\n", 1)[0] + "\n" + SOFT_BUG.split("\n", 1)[1]


def codes(out: str) -> list[str]:
    return [f"{line.split(':')[0]} {line.split()[1]}" for line in out.splitlines()]


@pytest.fixture
def two(tmp_path: Path) -> Path:
    """a/ ignores LF2 in its lossflint.toml; b/ has no config."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "t.py").write_text(LOG_BUG)
    (tmp_path / "a" / "lossflint.toml").write_text('ignore = ["LF2"]\n')
    return tmp_path


@pytest.mark.parametrize(
    "order", [("a", "b"), ("b", "a"), ("a/t.py", "b/t.py"), ("b/t.py", "a/t.py")]
)
@pytest.mark.parametrize("cache", [(), ("--no-cache",)])
def test_order_of_paths_does_not_matter(run_cli, two: Path, order, cache):
    code, out, _ = run_cli("check", *cache, *order, cwd=two)
    assert (code, codes(out)) == (1, ["b/t.py LF201"])


def test_one_folder_precedence(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.lossflint]\n")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    (tmp_path / "lossflint.toml").write_text("")
    assert find_config(tmp_path) == tmp_path / "lossflint.toml"
    (tmp_path / ".lossflint.toml").write_text("")
    assert find_config(tmp_path / "x.py") == tmp_path / ".lossflint.toml"


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path):
    (tmp_path / "lossflint.toml").write_text('select = ["LF110"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(tmp_path / "sub" / "t.py") == tmp_path / "lossflint.toml"


def test_nearest_config_wins_without_merging(run_cli, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossflint]\nignore = ["LF110"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".lossflint.toml").write_text('select = ["LF110"]\n')
    (tmp_path / "top.py").write_text(BOTH)
    (tmp_path / "sub" / "low.py").write_text(BOTH)
    _, out, _ = run_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert codes(out) == ["sub/low.py LF110", "top.py LF201"]
    _, out, _ = run_cli("check", "--no-cache", "sub/low.py", "top.py", cwd=tmp_path)
    assert codes(out) == ["sub/low.py LF110", "top.py LF201"]


def test_patterns_are_relative_to_their_own_config(run_cli, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.lossflint]\n")
    sub = tmp_path / "sub"
    for folder in ("gen", "legacy"):
        (sub / folder).mkdir(parents=True)
        (sub / folder / "x.py").write_text(LOG_BUG)
    (sub / "lossflint.toml").write_text(
        'extend-exclude = ["legacy"]\n[per-file-ignores]\n"gen/*" = ["LF201"]\n'
    )
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "x.py").write_text(LOG_BUG)
    code, out, _ = run_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert (code, codes(out)) == (1, ["gen/x.py LF201"])
    # from inside the sub-project: the same
    _, out, _ = run_cli("check", "--no-cache", ".", cwd=sub)
    assert out == ""


def test_cache_key_holds_each_files_settings(run_cli, two: Path):
    assert codes(run_cli("check", "a", "b", cwd=two)[1]) == ["b/t.py LF201"]
    (two / "a" / "lossflint.toml").write_text('select = ["LF2"]\n')
    assert codes(run_cli("check", "b", "a", cwd=two)[1]) == ["a/t.py LF201", "b/t.py LF201"]
    (two / "a" / "lossflint.toml").write_text('ignore = ["LF2"]\n')
    assert codes(run_cli("check", "a", "b", cwd=two)[1]) == ["b/t.py LF201"]


def test_isolated_ignores_every_config(run_cli, two: Path):
    _, out, _ = run_cli("check", "--isolated", "--no-cache", "a", "b", cwd=two)
    assert codes(out) == ["a/t.py LF201", "b/t.py LF201"]


def test_explicit_config_applies_to_every_file(run_cli, two: Path, tmp_path_factory):
    other = tmp_path_factory.mktemp("cfg")
    (other / "pyproject.toml").write_text('[tool.lossflint]\nignore = ["LF2"]\n')
    (other / "lossflint.toml").write_text('select = ["LF110"]\n')
    for config in ("pyproject.toml", "lossflint.toml"):
        code, out, _ = run_cli("check", "--config", str(other / config), "a", "b", cwd=two)
        assert (code, out) == (0, "")


def test_command_line_selection_applies_to_every_config(run_cli, two: Path):
    _, out, _ = run_cli("check", "--no-cache", "--select", "LF201", "a", "b", cwd=two)
    # a's ignore = ["LF2"] is less specific than --select LF201
    assert codes(out) == ["a/t.py LF201", "b/t.py LF201"]


def test_settings_object_shared_per_config(two: Path):
    resolver = SettingsResolver()
    first = resolver.for_path(two / "a" / "t.py")
    assert resolver.for_path(two / "a") is first
    assert resolver.for_path(two / "b" / "t.py") is not first


# --- bad config: one line, exit 2 ---------------------------------------------------


def test_config_that_is_a_folder(run_cli, two: Path):
    code, out, err = run_cli("check", "--config", "a", "b", cwd=two)
    assert (code, out) == (2, "")
    assert err == "lossflint: error: config file a is a folder, not a file\n"


def test_unknown_key_in_lossflint_toml(run_cli, two: Path):
    (two / "a" / "lossflint.toml").write_text('ignored = ["LF2"]\n')
    code, out, err = run_cli("check", "b", "a", cwd=two)
    assert (code, out) == (2, "")
    assert err.startswith("lossflint: error: unknown key 'ignored' in ")
    assert err.endswith("lossflint.toml (did you mean 'ignore'?)\n")
    assert err.count("\n") == 1


def test_pyproject_table_in_lossflint_toml_is_explained(run_cli, two: Path):
    (two / "a" / "lossflint.toml").write_text('[tool.lossflint]\nignore = ["LF2"]\n')
    code, _, err = run_cli("check", "a", cwd=two)
    assert code == 2 and err.count("\n") == 1
    assert "outside pyproject.toml the settings are top-level keys" in err


def test_broken_sub_config_is_an_error_even_after_a_good_one(tmp_path: Path):
    (tmp_path / "lossflint.toml").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lossflint.toml").write_text("select = [\n")
    resolver = SettingsResolver()
    resolver.for_path(tmp_path / "x.py")
    with pytest.raises(ConfigError, match="cannot parse"):
        resolver.for_path(tmp_path / "sub" / "x.py")
