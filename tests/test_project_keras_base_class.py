"""A subclassed Keras model whose base is the project's own ``keras.Model``
subclass in another module, re-exported by the package: the model is still
known as a Keras model (audit s224, CNN-in-gravitational-wave-classification)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_BASE = """
from tensorflow import keras


class Model(keras.Model):
    def my_summary(self, input_shape):
        x = keras.layers.Input(shape=input_shape)
        return keras.Model(inputs=x, outputs=self.call(x)).summary()
"""

_RESNET = """
from tensorflow.keras.layers import Dense, GlobalAveragePooling2D

from model import Model


class ResNet(Model):
    def __init__(self):
        super().__init__()
        self.pool = GlobalAveragePooling2D()
        self.classifier = Dense(1, activation={activation})

    def call(self, inputs):
        return self.classifier(self.pool(inputs))
"""

_INIT = """
from .base import Model
from .resnet import ResNet
"""

_MAIN = """
from tensorflow import keras

from model import ResNet

model = ResNet()
model.compile(
    optimizer=keras.optimizers.Adam(1e-4),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
)
model.fit(x=None, epochs=200)
"""


def _files(activation: str) -> dict[str, str]:
    return {
        "model/__init__.py": _INIT,
        "model/base.py": _BASE,
        "model/resnet.py": _RESNET.format(activation=activation),
        "main.py": _MAIN,
    }


def test_sigmoid_head_through_a_project_base_class(tmp_path: Path) -> None:
    found = project_findings(tmp_path, _files('"sigmoid"'))
    assert ("main.py", 9, "LF401") in found


def test_logit_head_through_a_project_base_class_is_silent(tmp_path: Path) -> None:
    found = project_findings(tmp_path, _files("None"))
    assert not [f for f in found if f[0] == "main.py"]
