"""Value kinds through Python lists (analysis/tensor_lists.py), method by method."""

from __future__ import annotations

import pytest

from lossflint.analysis.apis import Kind
from tests.test_kinds import HEADER, kind_at

P = "F.softmax(z, 1)"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # built and read
        (f"xs = [{P}]\nprobe(xs[0])", Kind.PROBS),
        (f"xs = []\nxs.append({P})\nprobe(xs[-1])", Kind.PROBS),
        (f"xs = []\nxs.insert(0, {P})\nprobe(xs[0])", Kind.PROBS),
        (f"xs = [{P}]\nxs.extend([{P}])\nprobe(xs[1])", Kind.PROBS),
        (f"xs = [{P}]\nxs = xs + [{P}]\nprobe(xs[1])", Kind.PROBS),
        (f"xs = [{P}]\nprobe(xs[1:][0])", Kind.PROBS),
        (f"xs = [{P}]\nprobe(xs.pop())", Kind.PROBS),
        (f"xs = [{P}]\nys = xs.copy()\nprobe(ys[0])", Kind.PROBS),
        (f"xs = [{P}]\nfor p in xs:\n    probe(p)", Kind.PROBS),
        (f"xs = [{P}]\nfor i, p in enumerate(xs):\n    probe(p)", Kind.PROBS),
        (f"xs = [{P} for _ in range(3)]\nprobe(xs[0])", Kind.PROBS),
        (f"xs = [{P}]\nprobe(torch.cat(xs))", Kind.PROBS),
        (f"xs = [{P}]\nprobe(torch.stack(xs, 1))", Kind.PROBS),
        (f"xs = [{P}]\nxs[0] = {P}\nprobe(xs[0])", Kind.PROBS),
        # what makes the list unknown
        ("xs = []\nprobe(xs[0])", Kind.UNKNOWN),
        (f"xs = [{P}]\nxs.append(z)\nprobe(xs[0])", Kind.UNKNOWN),
        (f"xs = [{P}]\nxs.append(F.log_softmax(z, 1))\nprobe(xs[0])", Kind.UNKNOWN),
        (f"xs = [{P}]\nxs[0] = z\nprobe(xs[0])", Kind.UNKNOWN),
        (f"xs = [{P}]\nxs.sort()\nprobe(xs[0])", Kind.UNKNOWN),
        (f"xs = [{P}, *other]\nprobe(xs[0])", Kind.UNKNOWN),
        (f"self.xs = [{P}]\nprobe(self.xs[0])", Kind.UNKNOWN),
        # the item appended last, whatever the others are (pix2pix-tensorflow)
        (f"xs = []\nxs.append(z.view(-1))\nxs.append({P})\nprobe(xs[-1])", Kind.PROBS),
        (f"xs = [{P}]\nxs.append(F.log_softmax(z, 1))\nprobe(xs[-1])", Kind.LOG_PROBS),
        (f"xs = []\nxs.append(z)\nxs.append({P})\nprobe(xs[0])", Kind.UNKNOWN),
        (f"xs = []\nxs.append(z)\nxs.append({P})\nprobe(xs[-2])", Kind.UNKNOWN),
        (f"xs = []\nxs.append({P})\nxs.append(z)\nprobe(xs[-1])", Kind.UNKNOWN),
        (f"xs = []\nxs.append(z)\nxs.append({P})\nxs.insert(3, z)\nprobe(xs[-1])", Kind.UNKNOWN),
        (f"xs = []\nxs.append(z)\nxs.append({P})\nxs.pop()\nprobe(xs[-1])", Kind.UNKNOWN),
        (f"xs = []\nxs.append(z)\nif c:\n    xs.append({P})\nprobe(xs[-1])", Kind.UNKNOWN),
        (f"xs = []\nxs.append(z)\nxs.append(z)\nxs.extend([{P}])\nprobe(xs[-1])", Kind.PROBS),
        (f"xs = []\nxs.append(z)\nxs.append({P})\nprobe(torch.cat(xs))", Kind.UNKNOWN),
    ],
)
def test_kind_through_a_list(body: str, expected: Kind) -> None:
    assert kind_at(HEADER + body) is expected
