"""Torch modules that are fixed transforms of their input.

wespeaker's ``SpectralFeaturesTF`` registers its STFT kernels as buffers and
holds no parameter or layer: its ``forward`` turns the batch's waveform into
features, and a gradient reaches its ``sqrt(re ** 2 + im ** 2)`` only if a
caller feeds it something that requires one. When no caller is seen (it is
picked from a registry and attached with ``add_module``, audit s196), nothing
says one does: unknown, not a gradient path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.mode_free_models import is_torch_module
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def fixed_transform(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """``cls`` is a torch module that registers buffers and, as far as its
    own code shows, holds no parameter and no submodule: no layer of
    ``torch.nn``, no ``nn.Parameter``, no ``register_parameter`` /
    ``add_module``, no class it constructs onto ``self``."""
    if not is_torch_module(model, cls):
        return False
    memo = memo_of(model)
    buffers = False
    for call in nodes_in(cls.body, cst.Call, memo=memo):
        assert isinstance(call, cst.Call)
        func = call.func
        if isinstance(func, cst.Attribute) and dotted_text(func.value) == "self":
            method = func.attr.value
            if method == "register_buffer":
                buffers = True
            elif method in ("register_parameter", "add_module", "register_module"):
                return False
            continue
        qualname = model.qualname(func) or ""
        if qualname in apis.torch.FRESH_LEAVES:
            return False
        if qualname.startswith(apis.TORCH_NN_PREFIX) and not qualname.startswith(
            apis.TORCH_NN_FUNCTION_PREFIXES
        ):
            return False
        if not qualname.startswith(apis.ARRAY_LIBRARY_PREFIXES):
            name = dotted_text(func) or ""
            if name.rsplit(".", 1)[-1][:1].isupper():
                return False  # a class of its own or of another library: maybe a layer
    return buffers
