#!/usr/bin/env python3
"""Where the language server's worker spends a lint after a one-character edit.

    python benchmarks/lsp_phases.py                 # this checkout
    PYTHONPATH=/tmp/old python benchmarks/lsp_phases.py   # an archive of older code

The benchmark's generated 1,000-line training script (``lsp_bench.py``) is
linted once, then ``--edits`` times with one digit of an ``nn.Dropout(0.1)``
changed (a different function body each time), in process, as the worker
does it: the reparse keeps the unchanged statements, and whatever the
worker's ``Runner`` switches on (shared statement positions and walks, C
node checks) is on. Prints the median CPU milliseconds of each phase: the
reparse, the model's walk, value kinds, data flow, loops, then the rules
with the other analyses they build. Run before/after pairs in the same
minute on a shared machine and compare ratios. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsp_bench import generate  # noqa: E402

from lossflint.analysis.data_flow import data_facts  # noqa: E402
from lossflint.analysis.kinds import kinds_of  # noqa: E402
from lossflint.analysis.loops import loops  # noqa: E402
from lossflint.analysis.model import SemanticModel  # noqa: E402
from lossflint.linter import RuleSet  # noqa: E402
from lossflint.lsp.jobs import Runner  # noqa: E402
from lossflint.lsp.reparse import Reparser  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=30)
    args = parser.parse_args()
    Runner()  # what the worker switches on when it starts
    text = generate(args.lines)
    lines = text.split("\n")
    rows = [i for i, s in enumerate(lines) if "nn.Dropout(0.1)" in s]
    reparser = Reparser()
    rules = RuleSet.default()
    first = reparser.parse(text)
    if first is not None:
        SemanticModel(first, "train.py")  # what the first version leaves kept
    phases: dict[str, list[float]] = {
        k: [] for k in ("reparse", "walk", "kinds", "data flow", "loops", "rules", "total")
    }
    for n in range(args.edits):
        edited = list(lines)
        row = rows[n % len(rows)]
        edited[row] = edited[row].replace("0.1", f"0.{2 + n % 7}")
        version = "\n".join(edited)
        t0 = time.process_time()
        module = reparser.parse(version)
        if module is None:
            continue
        t1 = time.process_time()
        model = SemanticModel(module, "train.py")
        t2 = time.process_time()
        kinds_of(model)
        t3 = time.process_time()
        data_facts(model)
        t4 = time.process_time()
        loops(model)
        t5 = time.process_time()
        for rule in rules.rules:
            try:
                list(rule.check(model))
            except Exception:  # a rule's bug is not this script's business
                pass
        t6 = time.process_time()
        times = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t6 - t0)
        for name, seconds in zip(phases, times, strict=True):
            phases[name].append(seconds * 1000)
    print(
        " | ".join(
            f"{name} {statistics.median(values):.1f} ms"
            for name, values in phases.items()
            if values
        )
    )


if __name__ == "__main__":
    main()
