"""LF205 examples from the real-code audit of 2026-12-01 (code where no
gradient flows, and the twins that still fire); kept apart so the rule module
stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_INVALID = [
    # a distillation loss whose teacher side is always detached where it is
    # called (RepDistiller's PKT, audit s17): only the student's root fires
    Invalid(
        """
        import torch
        import torch.nn as nn

        class PKT(nn.Module):
            def forward(self, f_s, f_t):
                s_norm = torch.sqrt(torch.sum(f_s ** 2, dim=1))  # error: LF205 at `torch.sqrt(`
                t_norm = torch.sqrt(torch.sum(f_t ** 2, dim=1))
                return ((f_s / (s_norm + 1e-7)) - (f_t / (t_norm + 1e-7))).pow(2).mean()

        crit = PKT().cuda()
        for x in loader:
            with torch.no_grad():
                t = teacher(x)
            loss = crit(student(x), t.detach()) + PKT()(student(x), t)
            loss.backward()
        """
    ),
    # its twin: one call passes the teacher's features with their gradient
    Invalid(
        """
        import torch
        import torch.nn as nn

        class PKT(nn.Module):
            def forward(self, f_s, f_t):
                s_norm = torch.sqrt(torch.sum(f_s ** 2, dim=1))  # error: LF205 at `torch.sqrt(`
                t_norm = torch.sqrt(torch.sum(f_t ** 2, dim=1))  # error: LF205 at `torch.sqrt(`
                return ((f_s / (s_norm + 1e-7)) - (f_t / (t_norm + 1e-7))).pow(2).mean()

        crit = PKT()
        for x in loader:
            loss = crit(student(x), teacher(x).detach()) + crit(student(x), teacher(x))
            loss.backward()
        """
    ),
    # and an instance handed to a function that calls it out of sight
    Invalid(
        """
        import torch
        import torch.nn as nn

        class PKT(nn.Module):
            def forward(self, f_s, f_t):
                t_norm = torch.sqrt(torch.sum(f_t ** 2, dim=1))  # error: LF205 at `torch.sqrt(`
                return (f_s - f_t / (t_norm + 1e-7)).pow(2).mean()

        crit = PKT()
        crit(student(x), teacher(x).detach())
        distill(student, teacher, crit)
        """
    ),
    # WGAN-GP's gradient penalty in a method: the gradients are differentiated
    # again (create_graph=True) through the returned penalty (session-9 held-out)
    Invalid(
        """
        import torch

        class WGANGP:
            def gradient_penalty(self, real, fake):
                alpha = torch.rand(real.size(0), 1, 1, 1)
                mix = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
                grads = torch.autograd.grad(self.D(mix).sum(), mix, create_graph=True)[0]
                norm = grads.flatten(1).pow(2).sum(dim=1).sqrt()  # error: LF205
                return ((norm - 1) ** 2).mean()

            def critic_step(self, real, fake):
                d_loss = self.D(fake).mean() - self.D(real).mean() + 10 * self.gradient_penalty(real, fake)
                self.opt_d.zero_grad()
                d_loss.backward()
                self.opt_d.step()
        """
    ),
    # tf.nn.l2_loss is half a sum of squares (hwalsuklee's EBGAN)
    Invalid(
        """
        import tensorflow as tf

        def recon(out, x):
            return tf.sqrt(2 * tf.nn.l2_loss(out - x))  # error: LF205 at `tf.sqrt(`
        """,
    ),
    # the STFT of a generated waveform: the gradient reaches the generator
    Invalid(
        """
        import torch
        wav, sr = generator(z)
        spec = torch.stft(wav[0], n_fft=1024, hop_length=512, return_complex=False)
        mag = torch.sqrt(torch.pow(spec[..., 0], 2) + torch.pow(spec[..., 1], 2))  # error: LF205 at `torch.sqrt(`
        """,
    ),
    # the same RMSE as the loss: differentiated
    Invalid(
        """
        import tensorflow as tf

        def rmse(y_true, y_pred):
            return tf.sqrt(tf.reduce_mean(tf.square(y_pred - y_true)))  # error: LF205 at `tf.sqrt(`

        model.compile(optimizer="adam", loss=rmse, metrics=[rmse, "mae"])
        """,
        fixed="""
        import tensorflow as tf

        def rmse(y_true, y_pred):
            return tf.sqrt(tf.reduce_mean(tf.square(y_pred - y_true)) + 1e-12)  # error: LF205 at `tf.sqrt(`

        model.compile(optimizer="adam", loss=rmse, metrics=[rmse, "mae"])
        """,
    ),
    # TF1 graph: the normalised embeddings feed the minimised loss
    Invalid(
        """
        import numpy as np
        import tensorflow as tf
        w = tf.Variable(tf.truncated_normal([v, d], stddev=1.0 / np.sqrt(d)))
        norm = tf.sqrt(tf.reduce_sum(tf.square(emb), 1, keepdims=True))  # error: LF205 at `tf.sqrt(`
        loss = tf.reduce_mean(tf.nn.nce_loss(w, b, labels, emb / norm, 64, v))
        train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
        np.save("emb.npy", w.eval())
        """,
        fixed="""
        import numpy as np
        import tensorflow as tf
        w = tf.Variable(tf.truncated_normal([v, d], stddev=1.0 / np.sqrt(d)))
        norm = tf.sqrt(tf.reduce_sum(tf.square(emb), 1, keepdims=True) + 1e-12)  # error: LF205 at `tf.sqrt(`
        loss = tf.reduce_mean(tf.nn.nce_loss(w, b, labels, emb / norm, 64, v))
        train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
        np.save("emb.npy", w.eval())
        """,
    ),
    # session 7: a functional comparison of a distance that is also the loss
    Invalid(
        """
        import torch

        def step(a, b, thr):
            dist = torch.sqrt(((a - b) ** 2).sum(1))  # error: LF205 at `torch.sqrt(`
            hits = torch.lt(dist, thr).float().mean()
            dist.mean().backward()
            return hits
        """,
    ),
    Invalid(
        """
        import tensorflow as tf

        def loss_and_hits(p, q, thr):
            dist = tf.sqrt(tf.reduce_sum(tf.square(p - q), axis=1))  # error: LF205 at `tf.sqrt(`
            hits = tf.reduce_mean(tf.cast(tf.math.less(dist, thr), tf.float32))
            return tf.reduce_mean(dist), hits
        """,
    ),
    # a trainable variable built from a random initial value is no constant:
    # the norm's gradient reaches it (a factory inside tf.Variable / nn.Parameter)
    Invalid(
        """
        import tensorflow as tf

        w = tf.Variable(tf.random.normal((10, 3)))
        opt = tf.keras.optimizers.SGD(0.01)
        for step in range(100):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.sqrt(tf.reduce_sum(tf.square(w), 1)))  # error: LF205 at `tf.sqrt(`
            opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        """,
    ),
    Invalid(
        """
        import torch

        w = torch.nn.Parameter(torch.randn(10, 3))
        opt = torch.optim.SGD([w], lr=0.01)
        for step in range(100):
            loss = torch.sqrt((w ** 2).sum(1)).mean()  # error: LF205 at `torch.sqrt(`
            opt.zero_grad()
            loss.backward()
            opt.step()
        """,
    ),
]

AUDIT_VALID = [
    # the pseudo-Huber loss: the square of a setting keeps the root positive
    # (diffusers' consistency distillation, `--huber_c`)
    """
    import torch

    c = 0.001

    def huber(model_pred, target, args):
        a = torch.sqrt((model_pred - target) ** 2 + args.huber_c**2) - args.huber_c
        b = torch.sqrt((model_pred - target) ** 2 + c**2) - c
        return (a + b).mean()
    """,
    # a frozen variable carries no gradient
    """
    import torch

    w = torch.nn.Parameter(torch.randn(10, 3), requires_grad=False)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    for step in range(100):
        loss = torch.sqrt((w ** 2).sum(1)).mean() + net(x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    """,
    # only printed: the data list of a debug tf.Print (openai/baselines' K-FAC)
    """
    import tensorflow as tf

    def apply_clipping(gradlist, varlist, grad_dict, lr):
        vg = 0.0
        for g, var in zip(gradlist, varlist):
            grad = grad_dict[var]
            tf.Print(grad, [tf.sqrt(tf.reduce_sum(tf.pow(grad, 2)))], "norm of new grad")
            vg += tf.reduce_sum(grad * g * (lr * lr))
        return vg
    """,
    # a TF1 word2vec class: the optimiser minimises the sampled-softmax cost;
    # the norm only feeds the nearest-word similarity kept on ``self``
    """
    import tensorflow as tf

    class CBOW:
        def __init__(self, vocab_size, embedded_size, sample_size):
            self.X = tf.placeholder(tf.int32, shape=[None, 6])
            self.Y = tf.placeholder(tf.int32, shape=[None, 1])
            self.embedding = tf.Variable(tf.truncated_normal([vocab_size, embedded_size]))
            self.bias = tf.Variable(tf.zeros([vocab_size]))
            embedded = tf.reduce_mean(tf.nn.embedding_lookup(self.embedding, self.X), axis=1)
            self.cost = tf.reduce_mean(tf.nn.sampled_softmax_loss(
                weights=self.embedding, biases=self.bias, labels=self.Y, inputs=embedded,
                num_sampled=sample_size, num_classes=vocab_size))
            self.optimizer = tf.train.AdamOptimizer().minimize(self.cost)
            self.valid = tf.placeholder(tf.int32, shape=[None])
            norm = tf.sqrt(tf.reduce_sum(tf.square(self.embedding), 1, keep_dims=True))
            normalized = self.embedding / norm
            self.similarity = tf.matmul(
                tf.nn.embedding_lookup(normalized, self.valid), normalized, transpose_b=True)
    """,
    # a Keras metric: computed outside the gradient tape (real-code audit)
    """
    import tensorflow as tf

    def rmse(y_true, y_pred):
        return tf.sqrt(tf.reduce_mean(tf.square(y_pred - y_true)))

    model.compile(optimizer="adam", loss="mse", metrics=[rmse, "mae"])
    """,
    # TF1 graph: the norm only feeds a similarity that is evaluated and saved
    # (a call on the module np changes no name that reaches the loss)
    """
    import numpy as np
    import tensorflow as tf
    w = tf.Variable(tf.truncated_normal([v, d], stddev=1.0 / np.sqrt(d)))
    loss = tf.reduce_mean(tf.nn.nce_loss(w, b, labels, embed, 64, v))
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
    norm = tf.sqrt(tf.reduce_sum(tf.square(emb), 1, keepdims=True))
    normalized = emb / norm
    np.save("emb.npy", normalized.eval())
    """,
    # the magnitude of an audio file's STFT: data, no gradient
    """
    import torch
    import torchaudio
    wav, sr = torchaudio.load("sample.wav")
    spec = torch.stft(wav[0], n_fft=1024, hop_length=512, return_complex=False)
    mag = torch.sqrt(torch.pow(spec[..., 0], 2) + torch.pow(spec[..., 1], 2))
    """,
    # the same through a rebinding (the name read again ends the chain)
    """
    import numpy as np
    import torch
    import torchaudio
    wav, sr = torchaudio.load("sample.wav")
    w = np.hanning(100)
    spec = wav.stft(n_fft=1024, hop_length=512, window=torch.tensor(w), center=True)
    re = spec[:, :, :, 0]
    im = spec[:, :, :, 1]
    spec = torch.abs(torch.sqrt(torch.pow(re, 2) + torch.pow(im, 2)))
    """,
    # session 7: a distance only compared with a threshold by a functional
    # comparison (TF-without-a-PhD planespotting, repro 07 of the audit)
    """
    import tensorflow as tf

    def compute_correct(box_x, box_y, target_x, target_y, target_w, threshold):
        dist = tf.sqrt(tf.square(box_x - target_x) + tf.square(box_y - target_y))
        position_correct = tf.less(dist / target_w, threshold)
        return tf.reduce_mean(tf.cast(position_correct, tf.float32))
    """,
    """
    import torch

    def hits(a, b, thr):
        near = torch.lt(torch.sqrt(((a - b) ** 2).sum(1)), thr)
        far = torch.ge(torch.sqrt(((a - b) ** 2).sum(1)), thr)
        close = thr.gt(torch.sqrt(((a - b) ** 2).sum(1)))
        return near.sum() + far.sum() + close.sum()
    """,
    # a magnitude computed in the tf.data pipeline, the mapped function chosen
    # by a flag (g2net Kaggle notebook, session-9 corpus): data, no gradient
    """
    import tensorflow as tf

    def prepare(wave):
        real = tf.nn.conv1d(wave, KERNELS_REAL, stride=16, padding="VALID")
        imag = tf.nn.conv1d(wave, KERNELS_IMAG, stride=16, padding="VALID")
        return tf.math.sqrt(tf.pow(real, 2) + tf.pow(imag, 2))

    def read_labeled(example):
        example = tf.io.parse_single_example(example, FORMAT)
        return prepare(example["wave"]), example["target"]

    ds = tf.data.TFRecordDataset(files).map(read_labeled if labeled else prepare).batch(4)
    model.fit(ds, epochs=1)
    """,
    # a norm only checked by an assert (pytorch-metric-learning's P2SGrad loss,
    # session-9 precision probe): it never reaches the loss
    """
    import torch
    from torch import nn

    class P2SLoss(nn.Module):
        def __init__(self, d, c):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(d, c))

        def forward(self, embeddings, labels):
            w_modulus = self.weight.pow(2).sum(0).pow(0.5)
            assert torch.all(torch.abs(w_modulus - 1.0) < 1e-5)
            return nn.functional.mse_loss(embeddings.mm(self.weight), labels)

    loss_fn = P2SLoss(8, 4)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(x, y).backward()
        opt.step()
    """,
    # a loss kept by a distiller and fed teacher features computed under
    # no_grad (RepDistiller's PKT in a wrapper module, audit s17)
    """
    import torch
    import torch.nn as nn

    class PKT(nn.Module):
        def __init__(self):
            super(PKT, self).__init__()

        def forward(self, f_s, f_t):
            t_norm = torch.sqrt(torch.sum(f_t ** 2, dim=1, keepdim=True))
            return (f_s - f_t / (t_norm + 1e-7)).pow(2).mean()

    class Distiller(nn.Module):
        def __init__(self, student, teacher):
            super().__init__()
            self.student, self.teacher = student, teacher
            self.kd = PKT()

        def forward(self, x):
            with torch.no_grad():
                feat_t = self.teacher(x)[-1]
            return self.kd(self.student(x), feat_t)
    """,
]
