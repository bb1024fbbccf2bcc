"""LF603 examples found by the held-out measurements (H11): module-level code
read in order, as a notebook runs its cells."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a notebook's cells as one program: train, evaluate, then (later) eval()
_NOTEBOOK = """
import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(30):
    model.train()
    optimizer.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(model(X_train).squeeze(1), y_train)
    loss.backward()
    optimizer.step()
{before}with torch.no_grad():
    val_probs = torch.sigmoid(model(X_val).squeeze(1)){marker}
print("val acc", ((val_probs > 0.5).float() == y_val).float().mean().item())
model.eval()
with torch.no_grad():
    test_probs = torch.sigmoid(model(X_test).squeeze(1))
"""

AUDIT_INVALID = [
    # the validation cell runs before the cell that calls eval() (H11 p09)
    Invalid(_NOTEBOOK.format(before="", marker="  # error: LF603 at `model(X_val)`")),
]

AUDIT_VALID = [
    # ... and its twin that switches to eval mode first
    _NOTEBOOK.format(before="model.eval()\n", marker=""),
    # a shape check of the fresh model before any training, eval() later
    """
    import torch
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.3), nn.Linear(64, 2))
    with torch.no_grad():
        out = model(torch.randn(4, 20))
    print(out.shape, (out.argmax(1) == 0).float().mean())
    opt = torch.optim.Adam(model.parameters())
    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    """,
]
