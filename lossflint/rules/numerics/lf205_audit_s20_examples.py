"""LF205 examples from audit s20 (seungwonpark/melgan and NVIDIA/tacotron2's
STFT: a magnitude detached with ``.data`` after a tuple unpack, or by
rebinding its own name), and the twins that still fire; kept apart so the
rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_S20_INVALID = [
    # a learned scale kept on self: gradients reach it
    Invalid(
        """
        import torch
        from torch import nn

        class Gate(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(4))

            def forward(self, x):
                return x * torch.sqrt((self.scale ** 2).sum())  # error: LF205 at `torch.sqrt(`
        """
    ),
    # a table another method rewrites with anything
    Invalid(
        """
        import torch
        from torch import nn

        class Gate(nn.Module):
            def __init__(self):
                super().__init__()
                self.table = torch.linspace(0, 1, 4)

            def forward(self, x):
                return x * torch.sqrt((self.table ** 2).sum())  # error: LF205 at `torch.sqrt(`

            def tune(self, other):
                self.table = other
        """
    ),
    # TF2's WGAN-GP: the inner tape's gradients, taken in a method a
    # train_step calls inside its own tape, are differentiated again
    # (davidADSP's Generative Deep Learning 2nd ed., audit s29)
    Invalid(
        """
        import tensorflow as tf
        from tensorflow import keras

        class WGANGP(keras.Model):
            def gradient_penalty(self, real, fake):
                alpha = tf.random.normal([tf.shape(real)[0], 1, 1, 1])
                interpolated = real + alpha * (fake - real)
                with tf.GradientTape() as gp_tape:
                    gp_tape.watch(interpolated)
                    pred = self.critic(interpolated, training=True)
                grads = gp_tape.gradient(pred, [interpolated])[0]
                norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))  # error: LF205 at `tf.sqrt(`
                return tf.reduce_mean((norm - 1.0) ** 2)

            def train_step(self, real):
                z = tf.random.normal((tf.shape(real)[0], 128))
                with tf.GradientTape() as tape:
                    fake = self.generator(z, training=True)
                    loss = tf.reduce_mean(self.critic(fake)) - tf.reduce_mean(self.critic(real))
                    loss += 10.0 * self.gradient_penalty(real, fake)
                grads = tape.gradient(loss, self.critic.trainable_variables)
                self.c_optimizer.apply_gradients(zip(grads, self.critic.trainable_variables))
                return {"c_loss": loss}
        """
    ),
    # a WGAN-GP penalty through the Keras backend: symbolic gradients are
    # differentiated again (GDL_code, R19)
    Invalid(
        """
        from keras import backend as K

        def gradient_penalty_loss(y_true, y_pred, interpolated_samples):
            gradients = K.gradients(y_pred, interpolated_samples)[0]
            norm = K.sqrt(K.sum(K.square(gradients), axis=[1, 2, 3]))  # error: LF205 at `K.sqrt(`
            return K.mean(K.square(1 - norm))
        """
    ),
    # the unpacked magnitude feeds what the function returns, undetached
    Invalid(
        """
        import torch

        def transform(re, im):
            magnitude = torch.sqrt(re**2 + im**2)  # error: LF205 at `torch.sqrt(`
            phase = torch.atan2(im.data, re.data)
            return magnitude, phase

        def mel(re, im):
            mags, phases = transform(re, im)
            return mags.sum(), phases.data
        """
    ),
    # read before the rebinding that detaches it
    Invalid(
        """
        import torch

        def magnitude(re, im):
            return torch.sqrt(re**2 + im**2)  # error: LF205 at `torch.sqrt(`

        def mel(re, im):
            m = magnitude(re, im)
            out = m.mean()
            m = m.data
            return m, out
        """
    ),
    # rebound to `.data` on one path only: the other still returns the graph
    Invalid(
        """
        import torch

        def magnitude(re, im):
            return torch.sqrt(re**2 + im**2)  # error: LF205 at `torch.sqrt(`

        def mel(re, im, keep):
            m = magnitude(re, im)
            if keep:
                m = m.data
            return m
        """
    ),
    # a value made after the backward in the loop body reaches the next
    # pass's loss round the loop
    Invalid(
        """
        import torch

        prev = torch.zeros(1)
        for x, y in loader:
            loss = criterion(model(x), y) + prev
            loss.backward()
            prev = torch.sqrt((model.weight**2).sum())  # error: LF205 at `torch.sqrt(`
        """
    ),
]

AUDIT_S20_VALID = [
    # only an optimiser's update rule uses it (bert4keras' AdaFactor, audit s30):
    # the gradients are taken before the update, which nothing differentiates
    """
    from tensorflow import keras
    import tensorflow.keras.backend as K

    def root_mean_square(x, axis=None):
        return K.sqrt(K.mean(K.square(x), axis=axis))

    class AdaFactor(keras.optimizers.Optimizer):
        def _resource_apply_dense(self, grad, var):
            u = grad / K.maximum(1.0, root_mean_square(grad))
            return K.update(var, var - self.lr * u * K.maximum(root_mean_square(var), 1e-3))
    """,
    # a constant table kept on self, written once (score_sde_pytorch's VESDE,
    # audit s30): no gradient reaches its entries
    """
    import numpy as np
    import torch

    class NoiseLevels:
        def __init__(self, sigma_min=0.01, sigma_max=50, N=1000):
            self.N = N
            self.discrete_sigmas = torch.exp(torch.linspace(np.log(sigma_min), np.log(sigma_max), N))

        def step_size(self, t):
            timestep = (t * (self.N - 1)).long()
            return torch.sqrt(self.discrete_sigmas[timestep] ** 2 - self.discrete_sigmas[timestep - 1] ** 2)
    """,
    # a convergence test of k-means: the root only decides whether to stop
    # (kim135797531/study-tf-keras-pytorch, audit R26)
    """
    import torch

    def kmeans(X, n_clusters, tol=1e-4):
        state = X[torch.randperm(len(X))[:n_clusters]].clone()
        while True:
            choice = torch.argmin(((X.unsqueeze(1) - state.unsqueeze(0)) ** 2).sum(-1), dim=1)
            prev = state.clone()
            for k in range(n_clusters):
                state[k] = X[choice == k].mean(dim=0)
            center_shift = torch.sum(torch.sqrt(torch.sum((state - prev) ** 2, dim=1)))
            if center_shift ** 2 < tol:
                break
        return choice, state
    """,
    # the tuple a function returns, unpacked, then detached (phases unused)
    """
    import torch

    def transform(re, im):
        magnitude = torch.sqrt(re**2 + im**2)
        phase = torch.atan2(im.data, re.data)
        return magnitude, phase

    def mel(re, im):
        mags, phases = transform(re, im)
        out = mags.data
        return out
    """,
    # the name rebound to its own `.data`
    """
    import torch

    def magnitude(re, im):
        return torch.sqrt(re**2 + im**2)

    def mel(re, im):
        m = magnitude(re, im)
        m = m.data
        return m
    """,
    # both at once, in a module's method (TacotronSTFT.mel_spectrogram)
    """
    import torch

    class STFT(torch.nn.Module):
        def transform(self, input_data):
            real_part, imag_part = input_data[:, 0], input_data[:, 1]
            magnitude = torch.sqrt(real_part**2 + imag_part**2)
            phase = torch.autograd.Variable(torch.atan2(imag_part.data, real_part.data))
            return magnitude, phase

    class TacotronSTFT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stft_fn = STFT()

        def mel_spectrogram(self, y):
            magnitudes, phases = self.stft_fn.transform(y)
            magnitudes = magnitudes.data
            mel_output = torch.matmul(self.mel_basis, magnitudes)
            return mel_output
    """,
    # deep dream (Keras 2): the gradients of the loss are normalised, and
    # nothing differentiates the normalisation (R15 Deep-Learning-with-Keras)
    """
    from keras import backend as K

    loss = K.mean(layer_output)
    grads = K.gradients(loss, dream)[0]
    grads /= K.sqrt(K.mean(K.square(grads))) + 1e-5
    step = K.function([dream], [loss, grads])
    """,
    # ... in a function that evaluates its graph to NumPy and returns an image
    # (Deep Learning with Python's generate_pattern): no loss of its caller
    """
    import numpy as np
    from keras import backend as K


    def generate_pattern(layer_name, filter_index, size=150):
        layer_output = model.get_layer(layer_name).output
        loss = K.mean(layer_output[:, :, :, filter_index])
        grads = K.gradients(loss, model.input)[0]
        grads /= K.sqrt(K.mean(K.square(grads))) + 1e-5
        iterate = K.function([model.input], [loss, grads])
        img = np.random.random((1, size, size, 3)) * 20 + 128.0
        for i in range(40):
            loss_value, grads_value = iterate([img])
            img += grads_value
        return deprocess_image(img[0])
    """,
    # ... the gradients normalised by a helper (Keras' filter visualisation)
    """
    from keras import backend as K


    def normalize(x):
        return x / (K.sqrt(K.mean(K.square(x))) + K.epsilon())


    for filter_index in range(200):
        loss = K.mean(layer_output[:, :, :, filter_index])
        grads = K.gradients(loss, input_img)[0]
        grads = normalize(grads)
        iterate = K.function([input_img], [loss, grads])
    """,
    # ... and the script's stitching at its end rebinds `loss` from the kept
    # images: a later binding does not reach the gradient taken above
    # (R19 Keras-Deep-Learning-Cookbook)
    """
    from keras import backend as K


    def normalize(x):
        return x / (K.sqrt(K.mean(K.square(x))) + K.epsilon())


    kept = []
    for filter_index in range(200):
        loss = K.mean(layer_output[:, :, :, filter_index])
        grads = normalize(K.gradients(loss, input_img)[0])
        iterate = K.function([input_img], [loss, grads])
        loss_value, grads_value = iterate([data])
        kept.append((data, loss_value))
    for i in range(8):
        img, loss = kept[i]
    """,
]
