"""Notebooks that show a mistake and its fix side by side (a course comparing
raw and scaled pixels): the lesson's first run is no finding, while the same
mistake without the comparison still is (rule examples are linted as
``example.py``, so these need a notebook)."""

from __future__ import annotations

import json

from lossflint.linter import RuleSet
from lossflint.notebook import lint_notebook

LOAD = (
    "from keras.datasets import mnist\nfrom keras import layers, models\n"
    "(x_train, y_train), (x_test, y_test) = mnist.load_data()\n"
    "X_train = x_train.reshape(60000, 28, 28, 1)\n"
    "model = models.Sequential([layers.Conv2D(8, 3), layers.Flatten(), "
    "layers.Dense(10, activation='softmax')])\n"
    "model.compile(loss='sparse_categorical_crossentropy', optimizer='adam')\n"
)
RAW_FIT = "history = model.fit(X_train, y_train, epochs=3)\n"


def notebook(*sources: str) -> bytes:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def codes(data: bytes, rule: str) -> list[tuple[int | None, int, str]]:
    result = lint_notebook(data, "lesson.ipynb", RuleSet([rule]), [])
    return [(d.cell, d.location.row, d.code) for d in result.diagnostics]


def test_raw_fit_alone_is_reported() -> None:
    assert codes(notebook(LOAD, RAW_FIT), "LF412") == [(2, 1, "LF412")]


def test_raw_fit_then_the_same_images_standardised_is_a_lesson() -> None:
    # tensorchiefs dl_course_2018, 07_cnn1_mnist: "lets try what happens without centering"
    scaled = (
        "X_mean = X_train.mean(axis=0)\nX_std = X_train.std(axis=0)\n"
        "X_train_norm = (X_train - X_mean) / (X_std + 0.0001)\n"
        "history = model.fit(X_train_norm, y_train, epochs=3)\n"
    )
    assert codes(notebook(LOAD, RAW_FIT, scaled), "LF412") == []
    # inline in the second fit too
    inline = "model.fit(X_train / 255.0, y_train, epochs=3)\n"
    assert codes(notebook(LOAD, RAW_FIT, inline), "LF412") == []


def test_scaling_other_images_is_no_lesson() -> None:
    # the test images are scaled, the training images never: a real mistake
    other = "x_test_s = x_test / 255.0\nmodel.fit(x_test_s, y_test, epochs=1)\n"
    assert codes(notebook(LOAD, RAW_FIT, other), "LF412") == [(2, 1, "LF412")]
