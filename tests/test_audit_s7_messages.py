"""Session-7 audit: the numerics rules' fix text is spelt in the file's
framework (a TensorFlow file was told ``torch.finfo`` / ``clamp_min``)."""

from __future__ import annotations

from lossflint.linter import RuleSet, lint_text

LF2 = ["LF201", "LF202", "LF203", "LF204", "LF205", "LF206", "LF207", "LF208", "LF209"]


def _messages(source: str) -> dict[str, str]:
    found = lint_text(source, "t.py", RuleSet(LF2), []).diagnostics
    return {d.code: d.message for d in found}


def test_lf202_in_tensorflow_suggests_tf_maximum():
    # repro/06 of the audit (ageron/handson-ml ch15)
    source = (
        "import tensorflow as tf\n"
        "def kl_divergence(p, q):\n"
        "    return p * tf.log(p / q) + (1 - p) * tf.log((1 - p) / (1 - q))\n"
        "h = tf.reduce_mean(tf.layers.dense(X, 300, activation=tf.nn.sigmoid), axis=0)\n"
        "loss = tf.reduce_sum(kl_divergence(target, h))\n"
        "op = tf.train.AdamOptimizer(0.01).minimize(loss)\n"
    )
    message = _messages(source)["LF202"]
    assert "`tf.maximum(x, 1e-7)`" in message
    assert "torch" not in message and "clamp_min" not in message


def test_lf202_in_torch_keeps_the_torch_spelling():
    source = "import torch\n\ndef f(x):\n    h = torch.relu(x)\n    return torch.log(h)\n"
    assert "`.clamp_min(torch.finfo(x.dtype).eps)`" in _messages(source)["LF202"]


def test_lf206_in_tensorflow_suggests_tf_maximum():
    source = (
        "import tensorflow as tf\n\n"
        "def masked_mean(loss, mask):\n"
        "    return tf.reduce_sum(loss * mask) / tf.reduce_sum(mask)\n\n"
        "def train_step(x, y, mask):\n"
        "    with tf.GradientTape() as tape:\n"
        "        l = masked_mean(tf.square(model(x) - y), mask)\n"
        "    g = tape.gradient(l, model.trainable_variables)\n"
    )
    message = _messages(source)["LF206"]
    assert "`tf.maximum(x, eps)`" in message
    assert "clamp_min" not in message


def test_lf206_in_torch_keeps_clamp_min():
    source = (
        "import torch\n"
        "def f(hits, labels, c):\n"
        "    return hits / (labels == c).sum()\n"
        "loss = f(a, b, 1)\nloss.backward()\n"
    )
    message = _messages(source).get("LF206", "")
    assert "`.clamp_min(eps)`" in message


def test_lf201_in_tensorflow_names_log_sigmoid():
    source = "import tensorflow as tf\np = tf.sigmoid(x)\nloss = -tf.reduce_mean(tf.log(1 - p))\n"
    message = _messages(source)["LF201"]
    assert message.endswith("use log_sigmoid(-x)")


def test_lf110_names_a_misspelt_dim_keyword() -> None:
    # torchxrayvision's attention_map.py: F.softmax(x, dims=-1) raises TypeError (audit R94)
    text = "import torch.nn.functional as F\np = F.softmax(x, dims=-1)\n"
    found = lint_text(text, "example.py", RuleSet(["LF110"]), []).diagnostics
    assert [d.code for d in found] == ["LF110"]
    assert "given `dims=`" in found[0].message
    assert found[0].fix is None  # adding dim= beside dims= would still raise


def test_lf203_on_guarded_sigmoid_suggests_the_sigmoid_loss():
    # audit s142 (qianguih/voxelnet): a one-term BCE on tf.sigmoid output was
    # told to use the softmax cross-entropy
    source = (
        "import tensorflow as tf\n\n"
        "EPS = 1e-6\n"
        "p_pos = tf.sigmoid(p_map)\n"
        "cls_pos_loss = (-pos_equal_one * tf.log(p_pos + EPS)) / pos_equal_one_sum\n"
        "loss = tf.reduce_sum(cls_pos_loss)\n"
    )
    message = _messages(source)["LF203"]
    assert "`tf.nn.sigmoid_cross_entropy_with_logits`" in message
    assert "softmax_cross_entropy" not in message


def test_lf302_of_an_fp16_accelerator_kept_on_self_names_its_clip():
    # audit s140 (LLM-RLHF-Tuning): the Accelerator is an attribute, its
    # precision a choice that includes fp16
    source = (
        "import torch\n"
        "from accelerate import Accelerator\n\n"
        "class Trainer:\n"
        "    def __init__(self, model, optimizer, fp16):\n"
        "        self.accelerator = Accelerator(mixed_precision='fp16' if fp16 else None)\n"
        "        self.model, self.optimizer = self.accelerator.prepare(model, optimizer)\n\n"
        "    def train(self, loader):\n"
        "        for batch in loader:\n"
        "            loss = self.model(batch).mean()\n"
        "            self.accelerator.backward(loss)\n"
        "            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)\n"
        "            self.optimizer.step()\n"
        "            self.optimizer.zero_grad()\n"
    )
    found = lint_text(source, "t.py", RuleSet(["LF302"]), []).diagnostics
    assert [d.location.row for d in found] == [13]
    assert "`accelerator.clip_grad_norm_`" in found[0].message
