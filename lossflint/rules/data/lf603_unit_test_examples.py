"""LF603 examples of notebooks' unit tests (the Coursera GAN course's
``test_gen_block`` and ``test_gen_reasonable``, aladdinpersson/Courses,
audit s162). A test that builds a block and runs it measures no trained
model: its asserts even rely on batch norm in train mode. A test handing
the loss helper a ``torch.zeros_like`` of its own runs no model, whatever
the training loop hands it. Loading weights into the block it builds makes
the run an evaluation again, and a helper handed the trained model by the
test still runs it."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.data.lf603_method_examples import METHOD_INVALID, METHOD_VALID

_BLOCK = """
import torch
from torch import nn


def get_generator_block(input_dim, output_dim):
    return nn.Sequential(nn.Linear(input_dim, output_dim), nn.BatchNorm1d(output_dim), nn.ReLU())


def load_block(path):
    block = get_generator_block(25, 12)
    block.load_state_dict(torch.load(path))
    return block


def test_gen_block(in_features, out_features, num_test=1000):
    block = {build}
    assert len(block) == 3 and type(block[1]) == nn.BatchNorm1d
{load}    with torch.no_grad():
        test_output = block(torch.randn(num_test, in_features)){marker}
    assert tuple(test_output.shape) == (num_test, out_features)
    assert 0.55 < test_output.std() < 0.65


test_gen_block(25, 12)
"""

_HELPER = """
import torch
from torch import nn


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x):
        return self.bn(self.conv(x))


def get_gen_loss(gen, condition, lambda_recon):
    fakes = gen(condition)
    return lambda_recon * fakes.abs().mean()


gen = UNet()
gen_opt = torch.optim.Adam(gen.parameters(), lr=2e-4)


def test_gen_reasonable(num_images=10):
{local}    condition = torch.ones(num_images, 3, 10, 10)
    assert get_gen_loss(gen, condition, 0).sum() == 0{marker}


test_gen_reasonable()


def train(dataloader):
    for condition, real in dataloader:
        gen_opt.zero_grad()
        gen_loss = get_gen_loss(gen, condition, 200)
        gen_loss.backward()
        gen_opt.step()
"""

UNIT_TEST_INVALID = [
    *METHOD_INVALID,
    # a block loaded with trained weights by a helper is evaluated
    Invalid(_BLOCK.format(build='load_block("block.pt")', load="", marker="  # error: LF603")),
    Invalid(
        _BLOCK.format(
            build="get_generator_block(in_features, out_features)",
            load='    block.load_state_dict(torch.load("block.pt"))\n',
            marker="  # error: LF603",
        )
    ),
    Invalid(_HELPER.format(local="", marker="  # error: LF603")),
]

UNIT_TEST_VALID = [
    *METHOD_VALID,
    _BLOCK.format(build="get_generator_block(in_features, out_features)", load="", marker=""),
    _HELPER.format(local="    gen = torch.zeros_like\n", marker=""),
    _HELPER.format(local="    gen = lambda x: torch.zeros_like(x)\n", marker=""),
]
