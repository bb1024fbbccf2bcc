"""LF206 examples from the real-code audit of 2026-12-01: data standardised
before any model and weights written through ``.data`` get no gradient (silent),
next to twins where one flows or is unknown (reported); kept apart so the rule
module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.numerics.lf206_audit_s27_examples import S27_INVALID, S27_VALID
from lossflint.rules.numerics.lf206_comparison_examples import (
    COMPARISON_INVALID,
    COMPARISON_VALID,
)
from lossflint.rules.numerics.lf206_mask_form_examples import MASK_FORM_INVALID, MASK_FORM_VALID
from lossflint.rules.numerics.lf206_rollout_examples import ROLLOUT_INVALID, ROLLOUT_VALID
from lossflint.rules.numerics.lf206_union_examples import UNION_INVALID, UNION_VALID

AUDIT_INVALID = [
    *S27_INVALID,
    *ROLLOUT_INVALID,
    *COMPARISON_INVALID,
    *MASK_FORM_INVALID,
    *UNION_INVALID,
    # two classes' counts of three: a batch of the third class has neither
    Invalid(
        """
        import tensorflow as tf

        def weighted_bce(y_true, y_pred):
            pos_mask = tf.cast(tf.math.equal(y_true, 1), "float32")
            n_pos = tf.reduce_sum(pos_mask)
            neg_mask = tf.cast(tf.math.equal(y_true, 2), "float32")
            n_neg = tf.reduce_sum(neg_mask)
            w_pos = n_neg / (n_pos + n_neg)  # error: LF206 at `n_neg /`
            bce = tf.keras.losses.BinaryCrossentropy(reduction="none")
            return tf.reduce_mean(bce(y_true, y_pred) * pos_mask * w_pos)
        """
    ),
    # a soft Dice loss over the model's masks, one sample at a time: the items
    # of the zipped probabilities carry their gradient
    Invalid(
        """
        import torch

        def dice_loss(probs, targets):
            total = 0
            for p, t in zip(probs, targets, strict=True):
                union = p.sum() + t.sum()
                total = total + 1 - 2 * (p * t).sum() / union  # error: LF206 at `2 *`
            return total

        def train_step(model, x, y, opt):
            loss = dice_loss(torch.sigmoid(model(x)), y)
            loss.backward()
            opt.step()
        """
    ),
    # spectral convergence over the norm of a magnitude (abs output): x/0 for a
    # silent crop (held-out s17 p01; there the magnitude comes from engine.py)
    Invalid(
        """
        import torch

        def spectral_convergence(est_mag, ref_mag):
            num = torch.norm(ref_mag - est_mag, p="fro", dim=(-2, -1))
            return (num / torch.norm(ref_mag, p="fro", dim=(-2, -1))).mean()  # error: LF206 at `num /`

        def train_step(model, noisy, clean, opt):
            loss = spectral_convergence(stft(model(noisy)).abs(), stft(clean).abs())
            loss.backward()
            opt.step()
        """
    ),
    # a helper one caller gives NumPy data and another the model's output
    Invalid(
        """
        import numpy as np
        import torch
        def normalize(arr): return (arr - arr.mean()) / arr.std()  # error: LF206
        stats = normalize(np.random.rand(10))
        feats = normalize(model(x))
        """,
    ),
    # a masked mean over a 0/1 flag per sample (claims are rare: a batch
    # without one is 0/0) (H14 p06)
    Invalid(
        """
        import torch
        def masked_severity_loss(pred, target, has_claim):
            sq = (pred - target) ** 2 * has_claim
            return sq.sum() / has_claim.sum()  # error: LF206 at `sq.sum() / has_claim.sum()`
        """,
    ),
    # Tversky's weighted counts are 0 together on an empty mask (session-9 held-out)
    Invalid(
        """
        import torch

        def tversky(probs, target, alpha=0.3, beta=0.7):
            tp = (probs * target).sum()
            fp = (probs * (1 - target)).sum()
            fn = ((1 - probs) * target).sum()
            return 1.0 - tp / (tp + alpha * fp + beta * fn)  # error: LF206

        for x, y in loader:
            loss = tversky(torch.sigmoid(model(x)), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    ),
    # a standardisation that is not mapped over data: unknown, reported
    Invalid(
        """
        import torch
        standardise = lambda x: (x - x.mean()) / x.std()  # error: LF206 at `(x - x.mean()) /`
        """,
    ),
    # a model's output standardised: the gradient may flow
    Invalid(
        """
        import torch
        days = model(x).view(-1, 24, 8).transpose(1, 2)
        temp = days[:, 10, :]
        days[:, 10, :] = (days[:, 10, :] - torch.mean(temp)) / torch.std(temp)  # error: LF206 at `(days[:, 10, :] - torch.mean(temp)) /`
        """,
    ),
    # the same mask count as a graph value (not through .data)
    Invalid(
        """
        import torch
        def masked_weight_mean(conv):
            mask = (conv.weight.abs() <= 1.0).to(torch.float32)
            conv.weight.data *= mask / mask.sum()
            return (conv.weight * mask).sum() / mask.sum()  # error: LF206 at `(conv.weight * mask).sum() /`
        """,
    ),
    Invalid(
        """
        import torch
        def standardise(frames):
            signal = encoder(frames)
            signal = (signal - signal.mean()) / signal.std()  # error: LF206 at `(signal - signal.mean()) /`
            return signal
        """,
    ),
    # a relative L1 over the sum of the target's magnitude (abs output, the L1
    # norm): x/0 for an all-black crop (held-out s18 p01)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class RelativeL1(nn.Module):
            def forward(self, sr, hr):
                err = (sr - hr).abs().sum(dim=(1, 2, 3))
                return (err / hr.abs().sum(dim=(1, 2, 3))).mean()  # error: LF206 at `err /`
        """
    ),
    # a loss weighted by boundary pixels (abs output), normalised by their sum:
    # 0/0 for a tile without any boundary (held-out s18 p11, TF)
    Invalid(
        """
        import tensorflow as tf

        def boundary_bce(y_true, logits):
            edges = tf.abs(y_true - tf.nn.avg_pool2d(y_true, 3, 1, "SAME"))
            per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=logits)
            return tf.reduce_sum(edges * per_pixel) / tf.reduce_sum(edges)  # error: LF206 at `tf.reduce_sum(edges * per_pixel) /`

        @tf.function
        def train_step(model, opt, x, y):
            with tf.GradientTape() as tape:
                loss = boundary_bce(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
        """
    ),
]

AUDIT_VALID = [
    *S27_VALID,
    *ROLLOUT_VALID,
    *COMPARISON_VALID,
    *MASK_FORM_VALID,
    *UNION_VALID,
    # SimCLR's NT-Xent: the exponentials over complementary masks add up to
    # all off-diagonal pairs, never 0 (vturrisi/solo-learn, audit R64)
    """
    import torch
    import torch.nn.functional as F

    def simclr_loss_func(z, indexes, temperature=0.1):
        z = F.normalize(z, dim=-1)
        sim = torch.exp(torch.einsum("if, jf -> ij", z, z) / temperature)
        indexes = indexes.unsqueeze(0)
        pos_mask = indexes.t() == indexes
        pos_mask.fill_diagonal_(0)
        neg_mask = indexes.t() != indexes
        pos = torch.sum(sim * pos_mask, 1)
        neg = torch.sum(sim * neg_mask, 1)
        return -torch.mean(torch.log(pos.clamp_min(1e-12) / (pos + neg)))
    """,
    # a TensorFlow standardisation with an eps
    """
    import tensorflow as tf

    def normalize_repr(z):
        return (z - tf.reduce_mean(z, axis=0)) / (tf.math.reduce_std(z, axis=0) + 1e-5)
    """,
    # a frame's NumPy values standardised before they become a tensor
    # (Lightning-AI/dl-fundamentals logreg notebooks, audit R41)
    """
    import pandas as pd
    import torch

    df = pd.read_csv("data.csv")
    X_train = df[["x1", "x2"]].values
    X_train = (X_train - X_train.mean(axis=0)) / X_train.std(axis=0)
    X_t = df[["x1", "x2"]].values.T
    X_t = X_t / X_t.sum(axis=1)
    features = torch.tensor(X_train, dtype=torch.float32)
    """,
    # a weighted mean over sample weights (positive: never all zero)
    """
    import torch
    def weighted_loss(pred, target, weights):
        sq = (pred - target) ** 2 * weights
        return sq.sum() / weights.sum()
    """,
    # a pandas column standardised in .apply (d2l house prices)
    """
    import pandas as pd
    import torch
    df = pd.read_csv("train.csv")
    cols = df.dtypes[df.dtypes != "object"].index
    df[cols] = df[cols].apply(lambda x: (x - x.mean()) / x.std())
    """,
    # a data column read from a file, standardised before any model (dlwpt)
    """
    import numpy as np
    import torch
    data = torch.from_numpy(np.loadtxt("hour.csv", dtype=np.float32, delimiter=","))
    days = data.view(-1, 24, data.shape[1]).transpose(1, 2)
    temp = days[:, 10, :]
    days[:, 10, :] = (days[:, 10, :] - torch.mean(temp)) / torch.std(temp)
    """,
    # a constant kernel written through .data (dlwpt)
    """
    import torch
    def circle_kernel(conv, radius):
        a = torch.linspace(-1, 1, steps=2 * radius + 1) ** 2
        mask = ((a[None] + a[:, None]) <= 1.0).to(torch.float32)
        conv.weight.data *= mask / mask.sum()
    """,
    # a recorded signal z-scored with NumPy (read through the wave module)
    """
    import wave
    import numpy as np
    import torch
    def read_signal(path):
        spf = wave.open(path, "r")
        signal = spf.readframes(-1)
        signal = np.frombuffer(signal, "int16")
        signal = (signal - signal.mean()) / signal.std()
        return signal
    """,
    # a helper called in the file only with NumPy arrays, its result fed back
    # to it (dataflowr's digit recogniser notebook)
    """
    import numpy as np
    import torch
    from scipy.ndimage import correlate
    def normalize(arr): return (arr - arr.mean()) / arr.std()
    ims = np.random.rand(10, 28, 28)
    pooled = np.array([correlate(im, np.ones((3, 3))) for im in ims])
    filts = np.array([im.mean(axis=0) for im in [pooled]])
    filts = normalize(filts)
    """,
    # the same over a guarded magnitude, a clamped norm, an exp, or in an
    # evaluation without gradients
    """
    import torch

    def spectral_convergence(est_mag, ref_mag):
        return torch.norm(ref_mag - est_mag, p="fro") / torch.norm(ref_mag, p="fro")

    def sc_clamped(est_mag, ref_mag):
        return torch.norm(ref_mag - est_mag) / torch.norm(ref_mag).clamp_min(1e-8)

    def sc_exp(est, ref):
        return torch.norm(est - ref) / torch.norm(torch.exp(ref))

    @torch.no_grad()
    def sc_metric(est_mag, ref_mag):
        return torch.norm(ref_mag - est_mag) / torch.norm(ref_mag)

    def train_step(model, noisy, clean, opt):
        mag = torch.sqrt(torch.clamp(stft(clean).real ** 2 + stft(clean).imag ** 2, min=1e-7))
        est = model(noisy)
        loss = spectral_convergence(stft(est).abs(), mag) + sc_clamped(stft(est).abs(), stft(clean).abs())
        loss = loss + sc_exp(est, clean)
        loss.backward()
        opt.step()
        print(sc_metric(stft(est).abs(), stft(clean).abs()))
    """,
    # ... clamped; the magnitude normalised with no gradient (pruning scores);
    # a sum of weights of unknown kind
    """
    import torch
    import torch.nn as nn

    class RelativeL1(nn.Module):
        def forward(self, sr, hr):
            err = (sr - hr).abs().sum(dim=(1, 2, 3))
            return (err / hr.abs().sum(dim=(1, 2, 3)).clamp_min(1e-6)).mean()

    def saliency(model):
        with torch.no_grad():
            scores = [p.abs() / p.abs().sum() for p in model.parameters()]
        return scores
    """,
    """
    import torch
    import torch.nn as nn

    class Mixer(nn.Module):
        def forward(self, feats, weights):
            return (feats * weights).sum(1) / weights.sum(1)
    """,
    # an L1 normalisation of values that are never 0 (softmax weights, exp)
    """
    import torch
    import torch.nn as nn

    class Pool(nn.Module):
        def forward(self, scores, feats):
            w = torch.softmax(scores, -1).abs()
            e = torch.exp(feats).abs()
            return (w / w.sum(-1, keepdim=True)).sum() + (e / e.sum(-1, keepdim=True)).sum()
    """,
    # a NumPy Dice score after inference, per class (pytorch-3dunet, R45): the
    # zipped arrays were cast with ``astype``, which no tensor has
    """
    import numpy as np
    import torch

    def dice_score(pred, gt):
        pred = pred.astype("uint16")
        gt = gt.astype("uint16")
        per_class = []
        for c_pred, c_gt in zip(pred, gt, strict=True):
            intersection = np.logical_and(c_gt, c_pred).sum()
            union = c_gt.sum() + c_pred.sum()
            per_class.append(2 * intersection / union)
        return per_class
    """,
    # class-balancing weights over binary labels: the positives and negatives
    # of a batch together are the batch (manning_tf2_in_action, audit R49)
    """
    import tensorflow as tf

    def weighted_bce(y_true, y_pred):
        pos_mask = tf.cast(tf.math.equal(y_true, 1), "float32")
        n_pos = tf.reduce_sum(pos_mask)
        neg_mask = tf.cast(tf.math.equal(y_true, 0), "float32")
        n_neg = tf.reduce_sum(neg_mask)
        w_pos = n_neg / (n_pos + n_neg)
        w_neg = n_pos / (n_pos + n_neg)
        w_mask = pos_mask * w_pos + neg_mask * w_neg
        bce = tf.keras.losses.BinaryCrossentropy(reduction="none")
        return tf.reduce_mean(bce(y_true, y_pred) * w_mask)
    """,
    """
    import torch

    def balance(y, thr):
        above = (y > thr).float().sum()
        below = (y <= thr).float().sum()
        return above / (above + below)
    """,
    # a NumPy statistic printed while tokenising (karpathy/llama2.c, audit R50):
    # ``size`` read as an attribute is NumPy's element count
    """
    import numpy as np
    import torch

    def process_shard(texts, enc):
        all_tokens = []
        for text in texts:
            all_tokens.extend(enc.encode(text.strip(), bos=True, eos=False))
        all_tokens = np.array(all_tokens, dtype=np.uint16)
        avg_seq_len = all_tokens.size / ((all_tokens == 1).sum())
        print(f"average seqlen: {avg_seq_len:.2f}")
    """,
]
