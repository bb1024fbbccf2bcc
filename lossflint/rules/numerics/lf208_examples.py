"""LF208 examples: the VALID ones (eps that float16 keeps, float32 models,
bfloat16), a model converted to float16 before its device move or by Lightning Fabric's
"16-true" precision (rasbt/LLM-finetuning-scripts, audit R69); kept apart so the rule module stays
small."""

from __future__ import annotations

from lossflint.examples import Invalid

MOVED_INVALID = [
    # a focal loss's pt picked by torch.where from float16 probabilities and
    # 1 - probs (hanokalure's spam classifier, audit s195)
    Invalid(
        """
        import torch
        from torch.cuda.amp import autocast

        fc = torch.nn.Linear(16, 1).cuda()
        with autocast():
            probs = torch.sigmoid(fc(x))
            pt = torch.where(y == 1, probs, 1 - probs)
            loss = (-(1 - pt) ** 2 * torch.log(pt + 1e-8)).mean()  # error: LF208 at `1e-8`
        """
    ),
    # Lightning Fabric's "16-true" precision converts the model in setup()
    # (rasbt/LLM-finetuning-scripts, audit R69)
    Invalid(
        """
        import torch
        from lightning import Fabric

        fabric = Fabric(accelerator="cuda", devices=1, precision="16-true")
        model = Net()
        optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)  # error: LF208
        model, optimizer = fabric.setup(model, optimizer)
        """
    ),
    # ``.half().cuda()``: the move keeps the float16 model
    Invalid(
        """
        import torch

        model = Net()
        model = model.half().cuda()
        optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)  # error: LF208
        """
    ),
]

VALID = [
    # picked between a float16 tensor and a float32 one: float32
    """
    import torch
    from torch.cuda.amp import autocast

    fc = torch.nn.Linear(16, 1).cuda()
    with autocast():
        probs = torch.sigmoid(fc(x))
        pt = torch.where(y == 1, probs, prior.float())
        loss = torch.log(pt + 1e-8).mean()
    """,
    # "16-mixed" keeps float32 weights (autocast and a scaler)
    """
    import torch
    from lightning import Fabric

    fabric = Fabric(accelerator="cuda", devices=1, precision="16-mixed")
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)
    model, optimizer = fabric.setup(model, optimizer)
    """,
    # cast back to float32, or reduced (autocast runs sums and norms in float32)
    """
    import torch

    def step(model, x):
        with torch.cuda.amp.autocast():
            out = model(x)
            a = out.float() + 1e-8
            b = out / (out.norm(dim=1, keepdim=True) + 1e-10)
        return a, b
    """,
    # a same-file function is not a model
    """
    import torch

    def make_net(x):
        return x * 2.0

    with torch.autocast("cuda", dtype=torch.float16):
        y = make_net(x) + 1e-8
    """,
    # float32 tensors
    """
    import torch
    x = torch.randn(8)
    y = x / (x.abs() + 1e-8)
    """,
    # an eps float16 can hold
    """
    import torch
    x = torch.randn(8).half()
    y = x / (x.abs() + 1e-4)
    """,
    # softmax and sum run in float32 under autocast
    """
    import torch
    net = torch.nn.Linear(4, 2)
    with torch.autocast("cuda", dtype=torch.float16):
        out = net(x)
        lp = torch.log(out.softmax(-1) + 1e-8)
        n = out / (out.sum() + 1e-8)
    """,
    # bfloat16 autocast keeps float32's range
    """
    import torch
    net = torch.nn.Linear(4, 2)
    with torch.autocast("cpu"):
        out = net(x)
        p = out.clamp(min=1e-10)
    """,
    # Adam over a float32 model, or with a representable eps
    """
    import torch
    model = torch.nn.Linear(4, 2)
    opt = torch.optim.Adam(model.parameters())
    """,
    """
    import torch
    model = torch.nn.Linear(4, 2).half()
    opt = torch.optim.Adam(model.parameters(), eps=1e-4)
    """,
    # Python floats
    """
    eps = 1e-8
    y = 1.0 + 1e-8
    """,
    # the half tensor is converted back first
    """
    import torch
    x = torch.randn(8).half()
    y = x.float() + 1e-8
    """,
]

# a Hugging Face model loaded in float16 and trained as it is
# (zphang/minimal-llama, audit s190); wrapped in float32 adapters (peft), the
# adapters are what the optimiser updates
_LOADED_HALF = """
import torch
import torch.nn.functional as F
import transformers
{imports}


def main(model_path, dataloader):
    model = transformers.AutoModelForCausalLM.from_pretrained(model_path, torch_dtype=torch.float16)
    {wrap}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4){marker}
    for input_ids, labels in dataloader:
        logits = model(input_ids).logits
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1))
        loss.backward()
        opt.step()
        opt.zero_grad()
"""

MOVED_INVALID.append(
    Invalid(
        _LOADED_HALF.format(imports="", wrap="model = model.to('cuda')", marker="  # error: LF208")
    )
)
VALID.append(
    _LOADED_HALF.format(
        imports="from peft import LoraConfig, get_peft_model",
        wrap="model = get_peft_model(model, LoraConfig(r=8))",
        marker="",
    )
)

# the trainable parameters picked by a same-file helper (DALLE-pytorch's
# get_trainable_params, audit s213)
_TRAINABLE = """
import torch
from torch.optim import Adam


def get_trainable_params(model):
    return [params for params in model.parameters() if params.requires_grad]


dalle = DALLE(vae=vae, **dalle_params)
if args.fp16:
    dalle = dalle.half()
opt = Adam(get_trainable_params(dalle), lr=3e-4{eps}){marker}
"""

MOVED_INVALID.append(Invalid(_TRAINABLE.format(eps="", marker="  # error: LF208")))
VALID.append(_TRAINABLE.format(eps=", eps=1e-4", marker=""))
