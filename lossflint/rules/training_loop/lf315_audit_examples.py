"""LF315 examples from the held-out set s17: a projection named like an
output/gate layer (``proj``) set to a non-zero constant while it feeds another
layer is hidden (only the zero init of such a layer is a known technique);
a ``for m in self.modules(): if isinstance(m, nn.Linear)`` zero init in a
model whose one Linear ends its ``nn.Sequential`` zeroes the final layer
(davda54/sam's WideResNet, audit s164); kept apart so the rule module stays
small."""

from __future__ import annotations

from lossflint.examples import Invalid

_SAGE = """
import torch.nn as nn
import torch.nn.functional as F

class SAGE(nn.Module):
    def __init__(self, hidden, n_classes):
        super().__init__()
        self.body = nn.Linear(hidden, hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.cls = nn.Linear(hidden, n_classes)
        nn.init.{init}(self.proj.weight{value}){marker}
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        x = F.relu(self.proj(F.relu(self.body(x))))
        return self.cls(x)
"""

#: a trunk of layers in a module list, then a head (held-out s16 p04);
#: ``{init}``: the loop that sets the list's weights
_TRUNK = """
import torch.nn as nn
import torch.nn.functional as F

class MLP(nn.Module):
    def __init__(self, dims=(2048, 1024, 512), n_out=1):
        super().__init__()
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(b) for b in dims[1:])
        self.head = nn.Linear(dims[-1], n_out)
        {init}

    def forward(self, x):
        h = x
        for lin, bn in zip(self.hidden, self.norms):
            h = F.relu(bn(lin(h)))
        return self.head(h)
"""

_WIDE = """
from collections import OrderedDict
import torch.nn as nn


class WideResNet(nn.Module):
    def __init__(self, labels=10):
        super().__init__()
        self.f = nn.Sequential(OrderedDict([
            ("0_convolution", nn.Conv2d(3, 16, (3, 3), padding=1, bias=False)),
            ("1_normalization", nn.BatchNorm2d(16)),
            ("2_pooling", nn.AdaptiveAvgPool2d(1)),
            ("3_flattening", nn.Flatten()),{hidden}
            ("5_classification", nn.Linear(in_features=16, out_features=labels)),
        ]))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight.data, mode="fan_in", nonlinearity="relu")
            elif isinstance(m, nn.Linear):
                m.weight.data.zero_(){marker}
                m.bias.data.zero_()

    def forward(self, x):
        return self.f(x)
"""

AUDIT_INVALID = [
    # a hidden Linear before the classifier is zeroed too
    Invalid(
        _WIDE.format(
            hidden='\n            ("4_hidden", nn.Linear(16, 16)),', marker="  # error: LF315"
        )
    ),
    # a zero kernel under ReLU given as a function: relu'(0) = 0, the layer never moves
    Invalid(
        """
        import tensorflow as tf

        model = tf.keras.models.Sequential([
            tf.keras.layers.Dense(20, tf.nn.relu, kernel_initializer="zeros"),  # error: LF315
            tf.keras.layers.Dense(1, tf.sigmoid),
        ])
        """
    ),
    Invalid(
        _TRUNK.format(
            init="for layer in self.hidden:\n            layer.weight.data.fill_(0.01)"
            "  # error: LF315 at `layer.weight.data.fill_(0.01)`\n"
            "            layer.bias.data.zero_()"
        )
    ),
    Invalid(
        _TRUNK.format(
            init="for lin in self.hidden:\n            nn.init.zeros_(lin.weight)"
            "  # error: LF315 at `nn.init.zeros_(lin.weight)`"
        )
    ),
    Invalid(
        _SAGE.format(
            init="constant_", value=", 0.05", marker="  # error: LF315 at `nn.init.constant_(`"
        )
    ),
    # every layer constant: nothing ever sets the units apart
    Invalid(
        """
        from keras.layers import Dense, Input
        from keras.models import Model

        inp = Input(shape=(2,))
        z = Dense(2, activation="relu", kernel_initializer="ones")(inp)  # error: LF315 at `Dense(2`
        out = Dense(1, activation="sigmoid", kernel_initializer="ones")(z)
        model = Model(inp, out)
        """
    ),
    # the initializer held in a variable (DLQR's keras_regression_deep_broken.py)
    Invalid(
        """
        from keras.initializers import Constant
        from keras.layers import Dense, Input
        from keras.models import Model

        def build_network(n):
            init = Constant(value=0)
            inputs = Input(shape=(n,))
            x = Dense(32, activation="relu", kernel_initializer=init)(inputs)  # error: LF315 at `Dense(32`
            out = Dense(1, kernel_initializer=init)(x)
            return Model(inputs, out)
        """
    ),
    # a zero kernel, then a ReLU layer (yandexdataschool's "how to shoot yourself
    # in the foot with Keras"): dead whatever follows
    Invalid(
        """
        from keras import initializers as init
        from keras import layers as L
        from keras.models import Sequential

        net = Sequential()
        net.add(L.Conv2D(filters=32, kernel_size=(3, 3), kernel_initializer=init.zeros()))  # error: LF315 at `L.Conv2D(`
        net.add(L.Activation("relu"))
        net.add(L.Conv2D(filters=8, kernel_size=(10, 10), kernel_initializer=init.normal()))
        """
    ),
    # a zero kernel under ReLU is dead whatever follows
    Invalid(
        """
        from tensorflow import keras

        model = keras.Sequential([
            keras.layers.Dense(32, activation="relu", kernel_initializer="zeros"),  # error: LF315 at `keras.layers.Dense(`
            keras.layers.Dense(1),
        ])
        """
    ),
    # the init function applied to a hidden item of the Sequential
    Invalid(
        """
        import torch
        from torch import nn

        net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))

        def init_42(module):
            if type(module) == nn.Linear:
                nn.init.constant_(module.weight, 42)  # error: LF315 at `nn.init.constant_(`

        net[0].apply(init_42)
        """
    ),
]

AUDIT_VALID = [
    _WIDE.format(hidden="", marker=""),
    # a zero-initialised attention gate of one output channel (2s-AGCN's
    # temporal attention, pytorch_geometric_temporal, audit R97): one unit has
    # no twin to stay equal to, whatever layer its gate later feeds
    """
    import torch.nn as nn

    class UnitGCN(nn.Module):
        def __init__(self, out_c):
            super().__init__()
            self.conv_ta = nn.Conv1d(out_c, 1, 9, padding=4)
            nn.init.constant_(self.conv_ta.weight, 0)
            self.fc1c = nn.Linear(out_c, out_c // 2)
            self.fc2c = nn.Linear(out_c // 2, out_c)
            self.sigmoid = nn.Sigmoid()

        def forward(self, y):
            se1 = self.sigmoid(self.conv_ta(y.mean(-1)))
            y = y * se1.unsqueeze(-1) + y
            se1 = self.fc1c(y.mean(-1).mean(-1)).relu()
            return y * self.sigmoid(self.fc2c(se1)).unsqueeze(-1).unsqueeze(-1) + y
    """,
    # a small constant kernel, then a randomly initialised layer: each unit's
    # gradient is scaled by its own outgoing weight, so they drift apart on the
    # first step (dipanjanS' XOR net solves XOR; audit R43)
    """
    import numpy as np
    from keras.layers import Activation, Dense, Input
    from keras.models import Model

    inp = Input(shape=(2,), dtype="float32")
    z = Dense(2, name="HiddenLayer", kernel_initializer="ones", activation="relu")(inp)
    z = Dense(1, name="OutputLayer")(z)
    model = Model(inp, Activation("sigmoid")(z))
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.fit(np.array([[0, 0], [1, 1]]), np.array([[0], [0]]), epochs=10)
    """,
    # a zero kernel under tanh, then a random layer: the same
    """
    from keras.models import Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Dense(16, kernel_initializer="zeros", activation="tanh"))
    model.add(Dense(1, activation="sigmoid"))
    """,
    # the biases of the list's layers, and the norms' weights
    _TRUNK.format(
        init="for layer in self.hidden:\n            nn.init.zeros_(layer.bias)\n"
        "        for bn in self.norms:\n            nn.init.ones_(bn.weight)"
    ),
    # a list of output heads, each applied to the same features: final layers
    """
    import torch.nn as nn

    class MultiTask(nn.Module):
        def __init__(self, d, sizes):
            super().__init__()
            self.body = nn.Linear(d, d)
            self.heads = nn.ModuleList([nn.Linear(d, k) for k in sizes])
            for head in self.heads:
                head.weight.data.fill_(0.01)

        def forward(self, x):
            h = self.body(x)
            return [head(h) for head in self.heads]
    """,
    # the zero init of a projection named like a gate or an output (a known technique)
    _SAGE.format(init="zeros_", value="", marker=""),
    # a small constant on the last layer of a residual branch (its output
    # added to the stream): the block starts near the identity, like a zero init
    """
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(self, d, n):
            super().__init__()
            self.fc = nn.Linear(d, d)
            self.out_proj = nn.Linear(d, d)
            self.norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, n)
            nn.init.constant_(self.out_proj.weight, 1e-4)

        def forward(self, x):
            x = x + self.out_proj(F.gelu(self.fc(x)))
            return self.head(self.norm(x))
    """,
    # a non-zero constant on the layer forward returns: the final layer
    """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(8, 8)
            self.proj = nn.Linear(8, 2)
            nn.init.constant_(self.proj.weight, 0.05)

        def forward(self, x):
            return self.proj(self.body(x))
    """,
    # a one-unit Dense on a constant input: a learned global bias, no twin
    # unit to stay equal to (fun-rec's BiasSVD)
    """
    import tensorflow as tf
    from tensorflow.keras.layers import Add, Dense, Dot, Embedding, Flatten, Input, Lambda
    from tensorflow.keras.models import Model

    u, i = Input(shape=(1,)), Input(shape=(1,))
    dot = Dot(axes=1)([Flatten()(Embedding(100, 8)(u)), Flatten()(Embedding(50, 8)(i))])
    ones = Lambda(lambda x: tf.ones_like(x))(dot)
    bias = Dense(1, kernel_initializer="zeros", name="global_bias")(ones)
    output = Dense(1, activation="sigmoid")(Add()([bias, dot]))
    model = Model(inputs=[u, i], outputs=output)
    """,
    # ... and to its final layer only (d2l's init-param notebook, audit s109)
    """
    import torch
    from torch import nn

    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))

    def init_42(module):
        if type(module) == nn.Linear:
            nn.init.constant_(module.weight, 42)

    net[2].apply(init_42)
    """,
    # a zero kernel under a sigmoid given as a function (Dense's second
    # argument), then random layers: each unit's outgoing weights differ, so
    # the units drift apart (ki-ljl/FedAvg-numpy-pytorch-tff, audit s152)
    """
    import tensorflow as tf

    model = tf.keras.models.Sequential([
        tf.keras.layers.Dense(20, tf.nn.sigmoid, input_shape=(8,), kernel_initializer="zeros"),
        tf.keras.layers.Dense(20, tf.nn.sigmoid),
        tf.keras.layers.Dense(1, tf.sigmoid),
    ])
    """,
]
