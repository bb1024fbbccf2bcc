"""LF307 examples of toys whose weights are counted through what a
constructor is given and through norm layers: hunkim's hello-RNN (``nn.RNN(...,
num_layers=num_layers)`` of a constructor parameter the one construction sets
to 1, 90 weights) and a Coursera demo's ``Sequential(Linear(5, 2),
BatchNorm1d(2), ReLU())`` (16 weights), both at Adam 0.1 (audit s135); the
Keras hello-RNN, ``RNN(cell=LSTMCell(5))`` then ``TimeDistributed(Dense(5))``
(250 weights), counted through the cell and the wrapper. The same at a real
size is reported."""

from __future__ import annotations

from lossflint.examples import Invalid

_RNN = """
import torch
import torch.nn as nn

num_classes = 5
input_size = 5
hidden_size = {hidden}
num_layers = {layers}


class RNN(nn.Module):
    def __init__(self, num_classes, input_size, hidden_size, num_layers):
        super().__init__()
        self.hidden_size = hidden_size
        self.rnn = nn.RNN(input_size=input_size, hidden_size=hidden_size,
                          num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out.reshape(-1, self.hidden_size))


rnn = RNN(num_classes, input_size, hidden_size, num_layers)
optimizer = torch.optim.Adam(rnn.parameters(), lr=0.1){marker}
for epoch in range(15):
    loss = nn.functional.cross_entropy(rnn(inputs), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

_NORMED = """
import torch
import torch.nn as nn

mlp_layer = nn.Sequential(nn.Linear(5, {width}), nn.BatchNorm1d({width}), nn.ReLU())
adam_opt = torch.optim.Adam(mlp_layer.parameters(), lr=1e-1){marker}
adam_opt.zero_grad()
torch.abs(1 - mlp_layer(torch.randn(100, 5))).mean().backward()
adam_opt.step()
"""

_KERAS_CELL = """
import numpy as np
import tensorflow as tf

num_classes = {units}
learning_rate = 0.1
x_one_hot = np.zeros((1, 6, 5), dtype=np.float32)
y_one_hot = np.zeros((1, 6, {units}), dtype=np.float32)

model = tf.keras.Sequential()
cell = tf.keras.layers.LSTMCell(units=num_classes, input_shape=(6, 5))
model.add(tf.keras.layers.RNN(cell=cell, return_sequences=True))
model.add(tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(units=num_classes, activation="softmax")))
model.compile(loss="categorical_crossentropy", optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate)){marker}
model.fit(x_one_hot, y_one_hot, epochs=50)
"""

TOY_INVALID = [
    Invalid(
        _KERAS_CELL.format(units=128, marker="  # error: LF307 at `learning_rate=learning_rate`")
    ),
    Invalid(_RNN.format(hidden=256, layers=2, marker="  # error: LF307 at `lr=0.1`")),
    Invalid(_NORMED.format(width=512, marker="  # error: LF307 at `lr=1e-1`")),
]

TOY_VALID = [
    _RNN.format(hidden=5, layers=1, marker=""),
    _NORMED.format(width=2, marker=""),
    _KERAS_CELL.format(units=5, marker=""),
]
