# Excerpt of transformers-4.46.3 (transformers/models/zoedepth/modeling_zoedepth.py), Apache License 2.0.
# lossflint reported a false LF206 here (corpus check, issue 9); must stay silent.

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union
import torch
import torch.utils.checkpoint
from torch import nn
from ...activations import ACT2FN
from ...file_utils import (
    add_start_docstrings,
    add_start_docstrings_to_model_forward,
    replace_return_docstrings,
)
from ...modeling_outputs import DepthEstimatorOutput
from ...modeling_utils import PreTrainedModel
from ...utils import ModelOutput, logging
from ...utils.backbone_utils import load_backbone
from .configuration_zoedepth import ZoeDepthConfig


def forward(self, x):
    """
    Returns tensor of bin_width vectors (centers). One vector b for every pixel
    """
    x = self.conv1(x)
    x = self.act1(x)
    x = self.conv2(x)
    bin_centers = self.act2(x)

    if self.bin_centers_type == "normed":
        bin_centers = bin_centers + 1e-3
        bin_widths_normed = bin_centers / bin_centers.sum(dim=1, keepdim=True)
        # shape (batch_size, num_channels, height, width)
        bin_widths = (self.max_depth - self.min_depth) * bin_widths_normed
        # pad has the form (left, right, top, bottom, front, back)
        bin_widths = nn.functional.pad(bin_widths, (0, 0, 0, 0, 1, 0), mode="constant", value=self.min_depth)
        # shape (batch_size, num_channels, height, width)
        bin_edges = torch.cumsum(bin_widths, dim=1)

        bin_centers = 0.5 * (bin_edges[:, :-1, ...] + bin_edges[:, 1:, ...])
        return bin_widths_normed, bin_centers

    else:
        return bin_centers, bin_centers
