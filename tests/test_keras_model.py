"""The Keras facts of the semantic model (lossflint/analysis/keras.py) and the
Keras/TF fixtures end to end."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from lossflint.analysis import keras as K
from lossflint.analysis.keras import keras_facts
from lossflint.analysis.model import SemanticModel
from lossflint.linter import RuleSet, lint_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def facts_of(source: str) -> tuple[SemanticModel, K.KerasFacts]:
    model = SemanticModel(cst.parse_module(source))
    return model, keras_facts(model)


def layers_of(kmodel: K.KModel | None) -> list[tuple[str, int | None, str | None] | None]:
    assert kmodel is not None
    return [None if x is None else (x.name, x.units, x.activation) for x in kmodel.layers]


def only_compile(source: str) -> K.CompileFact:
    _, facts = facts_of(source)
    (comp,) = facts.compiles
    return comp


# --- models ------------------------------------------------------------------------


def test_sequential_list_layers_and_head() -> None:
    comp = only_compile(
        "from tensorflow import keras\nfrom tensorflow.keras import layers\n"
        "N = 10\n"
        "model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),"
        " layers.Dense(128, activation='relu'), layers.Dropout(0.2), layers.Dense(N)])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
    )
    assert layers_of(comp.model) == [
        ("Flatten", None, "linear"),
        ("Dense", 128, "relu"),
        ("Dropout", None, "linear"),
        ("Dense", 10, "linear"),
    ]
    assert comp.model is not None and comp.model.style == "sequential"
    head = comp.model.head()
    assert head is not None and (head.units, head.activation) == (10, "linear")


def test_sequential_add_builds_in_order_and_trailing_activation_wins() -> None:
    comp = only_compile(
        "from keras.models import Sequential\nfrom keras.layers import Dense, Activation\n"
        "model = Sequential()\nmodel.add(Dense(32, input_dim=8, activation='relu'))\n"
        "model.add(Dense(3))\nmodel.add(Activation('softmax'))\n"
        "model.compile(loss='categorical_crossentropy')\n"
    )
    assert layers_of(comp.model) == [
        ("Dense", 32, "relu"),
        ("Dense", 3, "linear"),
        ("Activation", None, "softmax"),
    ]
    head = comp.model.head() if comp.model else None
    assert head is not None and (head.units, head.activation) == (3, "softmax")
    assert head.activation_layer.name == "Activation"


def test_functional_api_chain_and_input_shape() -> None:
    _, facts = facts_of(
        "import tensorflow as tf\n"
        "inp = tf.keras.Input(shape=(100,))\n"
        "x = tf.keras.layers.Dense(64, activation=tf.nn.relu)(inp)\n"
        "x = tf.keras.layers.Dense(32, activation='tanh')(x)\n"
        "out = tf.keras.layers.Dense(3, activation=tf.keras.activations.softmax)(x)\n"
        "model = tf.keras.Model(inputs=inp, outputs=out)\n"
        "model.compile(loss='categorical_crossentropy')\n"
    )
    (comp,) = facts.compiles
    assert comp.model is not None and comp.model.style == "functional"
    assert comp.model.input_shape == (100,)
    assert layers_of(comp.model) == [
        ("Dense", 64, "relu"),
        ("Dense", 32, "tanh"),
        ("Dense", 3, "softmax"),
    ]
    assert [(f.layer.name, f.shape) for f in facts.first_inputs] == [("Dense", (100,))]


def test_subclassed_model_call_returning_a_layer_output() -> None:
    _, facts = facts_of(
        "import keras\nfrom keras import layers\n"
        "class Net(keras.Model):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.a = layers.Dense(16, activation='relu')\n"
        "        self.b = layers.Dense(1, activation='sigmoid')\n"
        "    def call(self, inputs):\n        h = self.a(inputs)\n        return self.b(h)\n"
        "net = Net()\nnet.compile(loss='binary_crossentropy')\n"
    )
    (comp,) = facts.compiles
    assert comp.model is not None and comp.model.style == "subclassed"
    assert layers_of(comp.model) == [("Dense", 16, "relu"), ("Dense", 1, "sigmoid")]


def test_subclassed_model_with_branches_in_call_is_unknown() -> None:
    _, facts = facts_of(
        "import keras\nfrom keras import layers\n"
        "class Net(keras.Model):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.a = layers.Dense(4)\n        self.b = layers.Dense(4, activation='softmax')\n"
        "    def call(self, x, training=False):\n"
        "        if training:\n            return self.a(x)\n        return self.b(x)\n"
        "net = Net()\nnet.compile(loss='categorical_crossentropy')\n"
    )
    (comp,) = facts.compiles
    assert comp.model is None


@pytest.mark.parametrize(
    ("imports", "dense"),
    [
        ("import tensorflow as tf\n", "tf.keras.layers.Dense"),
        ("from tensorflow import keras\n", "keras.layers.Dense"),
        ("import keras\n", "keras.layers.Dense"),
        ("from keras import layers\n", "layers.Dense"),
        ("from tensorflow.keras.layers import Dense\n", "Dense"),
        ("from tensorflow.keras import layers as L\n", "L.Dense"),
        ("import tf_keras as keras\n", "keras.layers.Dense"),
    ],
)
def test_import_styles(imports: str, dense: str) -> None:
    model, facts = facts_of(imports + f"layer = {dense}(1, activation='softmax')\n")
    (site,) = model.calls
    layer = facts.value(site.node)
    assert isinstance(layer, K.KLayer)
    assert (layer.name, layer.units, layer.activation) == ("Dense", 1, "softmax")


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("", "linear"),
        (", activation=None", "linear"),
        (", activation='softmax'", "softmax"),
        (", activation='Sigmoid'", "sigmoid"),
        (", activation=tf.nn.softmax", "softmax"),
        (", activation=tf.keras.activations.sigmoid", "sigmoid"),
        (", activation=tf.nn.relu", "relu"),
        (", 'tanh'", "tanh"),
        (", activation=ACT", "softmax"),
        (", activation=my_activation", None),
        (", activation='swishy'", None),
    ],
)
def test_activation_forms(activation: str, expected: str | None) -> None:
    model, facts = facts_of(
        f"import tensorflow as tf\nACT = 'softmax'\nlayer = tf.keras.layers.Dense(4{activation})\n"
    )
    call = next(c.node for c in model.calls if c.qualname == "keras.layers.Dense")
    layer = facts.value(call)
    assert isinstance(layer, K.KLayer) and layer.activation == expected


def test_softmax_layer_on_another_axis_is_not_the_output_activation() -> None:
    comp = only_compile(
        "import keras\nfrom keras import layers\n"
        "m = keras.Sequential([layers.Dense(1), layers.Softmax(axis=1)])\n"
        "m.compile(loss='mse')\n"
    )
    assert comp.model is not None and comp.model.head() is None


def test_unknown_last_layer_has_no_head() -> None:
    comp = only_compile(
        "import keras\nbase = keras.applications.ResNet50(weights=None)\n"
        "m = keras.Sequential([keras.layers.Dense(4), base])\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    assert comp.model is not None and comp.model.layers[-1] is None
    assert comp.model.head() is None and not comp.model.complete


def test_models_bound_in_branches_are_unknown() -> None:
    comp = only_compile(
        "import keras\n"
        "if big:\n    m = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
        "else:\n    m = keras.Sequential([keras.layers.Dense(10)])\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    assert comp.model is None


def test_add_in_a_loop_that_may_not_run_leaves_the_layers_unknown() -> None:
    _, facts = facts_of(
        "import keras\nm = keras.Sequential()\nfor u in sizes:\n"
        "    m.add(keras.layers.Dense(u))\nm.compile(loss='mse')\n"
    )
    (comp,) = facts.compiles
    assert layers_of(comp.model) == [None]
    assert comp.model is not None and comp.model.head() is None


def test_add_in_a_loop_that_surely_runs_is_its_layer_once() -> None:
    # handson-ml3 ch. 11: 20 hidden layers added in a loop, then the output layer
    for loop in ("for _ in range(20):", "for u in (64, 32):"):
        comp = only_compile(
            "import keras\nm = keras.Sequential()\nm.add(keras.layers.Flatten())\n"
            f"{loop}\n    m.add(keras.layers.Dense(100, activation='relu'))\n"
            "m.add(keras.layers.Dense(10, activation='softmax'))\n"
            "m.compile(loss='sparse_categorical_crossentropy')\n"
        )
        assert layers_of(comp.model) == [
            ("Flatten", None, "linear"),
            ("Dense", 100, "relu"),
            ("Dense", 10, "softmax"),
        ]
    # in a branch, the extra layer may be missing: unknown
    comp = only_compile(
        "import keras\nm = keras.Sequential()\nm.add(keras.layers.Flatten())\n"
        "if deep:\n    m.add(keras.layers.Dense(100, activation='relu'))\n"
        "m.compile(loss='mse')\n"
    )
    assert layers_of(comp.model) == [None]


@pytest.mark.parametrize(
    "grow",
    [
        "if deep:\n    m.add(layers.Dense(64))\n",
        "while deep:\n    m.add(layers.Dense(64))\n    deep -= 1\n",
        "if deep:\n    m.add(layers.Dense(64))\nelse:\n    m.add(layers.Dropout(0.5))\n",
    ],
)
def test_paths_that_agree_on_the_last_layers_keep_the_head(grow: str) -> None:
    comp = only_compile(
        "import keras\nfrom keras import layers\nm = keras.Sequential()\n"
        "m.add(layers.Flatten())\n" + grow + "m.add(layers.Dense(10, activation='sigmoid'))\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    assert layers_of(comp.model) == [None, ("Dense", 10, "sigmoid")]
    head = comp.model.head() if comp.model else None
    assert head is not None and (head.units, head.activation) == (10, "sigmoid")


@pytest.mark.parametrize(
    "loop",
    ["for u in sizes:", "for i, u in enumerate(sizes[1:]):", "for u, d in zip(sizes, drops):"],
)
def test_a_loop_over_layer_sizes_after_known_layers_is_one_pass(loop: str) -> None:
    # a rule reading the model reads the path that runs the loop (R26: hidden
    # layers added by a loop over their sizes)
    comp = only_compile(
        "import keras\nfrom keras import layers\nm = keras.Sequential()\n"
        f"m.add(layers.Flatten())\n{loop}\n    m.add(layers.Dense(u, activation='relu'))\n"
        "m.add(layers.Dense(10, activation='sigmoid'))\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    assert layers_of(comp.model) == [
        ("Flatten", None, "linear"),
        ("Dense", None, "relu"),
        ("Dense", 10, "sigmoid"),
    ]


def test_a_loop_that_starts_the_model_with_its_input_shape_is_one_pass() -> None:
    comp = only_compile(
        "import keras\nfrom keras import layers\nm = keras.Sequential()\n"
        "for i, d in enumerate(([784] + hiddens)[:-1]):\n"
        "    m.add(layers.Dense(hiddens[i], input_dim=d, activation='relu'))\n"
        "m.add(layers.Dense(10, activation='softmax'))\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    assert layers_of(comp.model) == [("Dense", None, "relu"), ("Dense", 10, "softmax")]
    # without the input's shape the loop may be meant not to run: unknown start
    comp = only_compile(
        "import keras\nfrom keras import layers\nm = keras.Sequential()\n"
        "for u in hiddens:\n    m.add(layers.Dense(u, activation='relu'))\n"
        "m.add(layers.Dense(10, activation='softmax'))\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    assert layers_of(comp.model) == [None, ("Dense", 10, "softmax")]


@pytest.mark.parametrize(
    ("build", "head"),
    [
        # append in a loop, extend after it
        (
            "ls = [layers.Flatten()]\nfor u in sizes:\n    ls.append(layers.Dense(u))\n"
            "ls.extend([layers.Dropout(0.2), layers.Dense(10, activation='sigmoid')])\n",
            (10, "sigmoid"),
        ),
        ("ls = []\nls.append(layers.Dense(3))\nls.append(layers.Softmax())\n", (3, "softmax")),
        # the last layers differ between the branches
        (
            "ls = [layers.Flatten()]\nif deep:\n    ls.append(layers.Dense(1))\n",
            None,
        ),
        # a call, an alias, a nested function or a parameter may change the list unseen
        ("ls = [layers.Dense(10, activation='sigmoid')]\ngrow(ls)\n", None),
        ("ls = [layers.Dense(10, activation='sigmoid')]\nal = ls\nal.append(x)\n", None),
        (
            "ls = [layers.Dense(10, activation='sigmoid')]\n"
            "def grow():\n    ls.append(layers.Softmax())\ngrow()\n",
            None,
        ),
        ("ls = [layers.Dense(10, activation='sigmoid')]\nls.insert(0, x)\n", None),
        ("ls = [layers.Dense(10, activation='sigmoid')]\nls += [x]\n", None),
    ],
)
def test_layer_lists_built_with_append_and_extend(build: str, head: tuple[int, str] | None) -> None:
    _, facts = facts_of(
        "import keras\nfrom keras import layers\n" + build + "m = keras.Sequential(ls)\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    (comp,) = facts.compiles
    found = comp.model.head() if comp.model is not None else None
    assert (None if found is None else (found.units, found.activation)) == head


def test_a_list_parameter_is_the_callers_and_stays_unknown() -> None:
    _, facts = facts_of(
        "import keras\nfrom keras import layers\n"
        "def build(ls):\n    ls.append(layers.Dense(10, activation='sigmoid'))\n"
        "    m = keras.Sequential(ls)\n    m.compile(loss='categorical_crossentropy')\n"
        "build([layers.Flatten()])\n"
    )
    (comp,) = facts.compiles
    assert comp.model is None


def test_model_returned_by_a_builder_function_is_followed_to_fit() -> None:
    _, facts = facts_of(
        "from tensorflow import keras\n"
        "def build():\n"
        "    m = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
        "    m.compile(loss='categorical_crossentropy')\n    return m\n"
        "(x, y), _ = keras.datasets.mnist.load_data()\n"
        "model = build()\nmodel.fit(x, y)\n"
    )
    (comp,) = facts.compiles
    (fit,) = facts.fits
    assert fit.model is not None and comp.model is not None
    assert fit.model.node is comp.model.node
    labels = facts.labels_for(comp)
    assert isinstance(labels, K.Labels) and labels.encoding == "int" and labels.per_sample


def test_a_compile_gets_the_labels_of_the_fits_after_it_up_to_the_next_compile() -> None:
    _, facts = facts_of(
        "from tensorflow import keras\n"
        "(x, y), _ = keras.datasets.mnist.load_data()\n"
        "m = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation='softmax')])\n"
        "m.compile(loss='categorical_crossentropy')\n"
        "m.fit(x, keras.utils.to_categorical(y))\n"
        "m.compile(loss='sparse_categorical_crossentropy')\n"
        "m.fit(x, y)\n"
        "m.compile(loss='sparse_categorical_crossentropy')\n"
    )
    first, second, third = facts.compiles
    assert [c.order for c in facts.compiles] == [1, 3, 5]
    assert [f.order for f in facts.fits] == [2, 4]
    labels = facts.labels_for(first)
    assert isinstance(labels, K.Labels) and labels.encoding == "onehot"
    labels = facts.labels_for(second)
    assert isinstance(labels, K.Labels) and labels.encoding == "int"
    # no fit follows: no label reaches it (fchollet's Reuters notebooks)
    assert facts.labels_for(third) is None


# --- losses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "name", "from_logits", "style"),
    [
        ("'categorical_crossentropy'", "categorical_crossentropy", False, "string"),
        ("'mean_squared_error'", "mse", False, "string"),
        ("'BINARY_CROSSENTROPY'", "binary_crossentropy", False, "string"),
        ("keras.losses.CategoricalCrossentropy()", "categorical_crossentropy", False, "class"),
        (
            "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
            "sparse_categorical_crossentropy",
            True,
            "class",
        ),
        ("keras.losses.BinaryCrossentropy(True)", "binary_crossentropy", True, "class"),
        ("keras.losses.BinaryCrossentropy(from_logits=flag)", "binary_crossentropy", None, "class"),
        ("keras.losses.categorical_crossentropy", "categorical_crossentropy", False, "function"),
        ("keras.losses.MSE", "mse", False, "function"),
        ("LOSS", "binary_crossentropy", False, "string"),
    ],
)
def test_compile_loss_forms(loss: str, name: str, from_logits: bool | None, style: str) -> None:
    comp = only_compile(
        "from tensorflow import keras\nLOSS = 'binary_crossentropy'\n"
        "m = keras.Sequential([keras.layers.Dense(2)])\n"
        f"m.compile(optimizer='adam', loss={loss}, metrics=['accuracy', keras.metrics.AUC()])\n"
    )
    assert comp.loss is not None
    assert (comp.loss.name, comp.loss.from_logits, comp.loss.style) == (name, from_logits, style)
    assert comp.metrics == ("accuracy", "a_u_c")
    assert comp.loss_arg is not None and comp.loss_arg.keyword is not None


def test_compile_loss_unknown_forms() -> None:
    for loss in ("my_loss", "lambda y, p: 0", "{'a': 'mse'}", "['mse', 'mae']"):
        comp = only_compile(
            f"import keras\nm = keras.Sequential([keras.layers.Dense(2)])\nm.compile(loss={loss})\n"
        )
        assert comp.loss is None, loss


def test_positional_compile_loss() -> None:
    comp = only_compile(
        "import keras\nm = keras.Sequential([keras.layers.Dense(2)])\nm.compile('sgd', 'mse')\n"
    )
    assert comp.loss is not None and comp.loss.name == "mse"
    assert comp.loss_arg is not None and comp.loss_arg.keyword is None


def test_custom_loop_loss_object_on_model_output() -> None:
    model, facts = facts_of(
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='softmax')])\n"
        "loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
        "@tf.function\n"
        "def step(x, y):\n"
        "    with tf.GradientTape() as tape:\n"
        "        out = model(x, training=True)\n"
        "        loss = loss_fn(y, out)\n"
        "    return loss\n"
        "for epoch in range(3):\n    for x, y in ds:\n        step(x, y)\n"
    )
    (use,) = list(facts.loss_uses())
    assert model.code(use.report) == "loss_fn(y, out)"
    assert use.loss.from_logits is True and use.model is not None
    assert layers_of(use.model) == [("Dense", 10, "softmax")]


def test_functional_loss_called_in_loop() -> None:
    model, facts = facts_of(
        "import keras\nm = keras.Sequential([keras.layers.Dense(3)])\n"
        "for x, y in data:\n"
        "    loss = keras.losses.categorical_crossentropy(y, m(x), from_logits=True)\n"
    )
    (use,) = list(facts.loss_uses())
    assert use.loss.style == "function" and use.loss.from_logits is True
    assert model.code(use.report).startswith("keras.losses.categorical_crossentropy(")


# --- data and labels -----------------------------------------------------------------------


def _fit_values(source: str) -> tuple[object, object]:
    _, facts = facts_of(
        "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
        "m = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])\n" + source
    )
    (fit,) = facts.fits
    return fit.x, fit.y


@pytest.mark.parametrize(
    ("source", "raw"),
    [
        ("(x, y), _ = keras.datasets.mnist.load_data()\nm.fit(x, y)\n", True),
        ("mnist = tf.keras.datasets.mnist\n(x, y), _ = mnist.load_data()\nm.fit(x, y)\n", True),
        (
            "(x, y), _ = keras.datasets.cifar10.load_data()\nx = x.astype('float32')\n"
            "x = np.expand_dims(x, -1)\nm.fit(x[:1000], y[:1000])\n",
            True,
        ),
        ("(x, y), _ = keras.datasets.mnist.load_data()\nx = x / 255.0\nm.fit(x, y)\n", False),
        (
            "(x, y), _ = keras.datasets.mnist.load_data()\nx = x.astype('float32')\nx /= 255\n"
            "m.fit(x, y)\n",
            False,
        ),
        ("(x, y), _ = keras.datasets.imdb.load_data()\nm.fit(x, y)\n", False),
        (
            "(x, y), (xt, yt) = keras.datasets.mnist.load_data()\nx, xt = x / 255, xt / 255\n"
            "m.fit(x, y)\n",
            False,
        ),
    ],
)
def test_image_arrays_and_scaling(source: str, raw: bool) -> None:
    x, _ = _fit_values(source)
    assert isinstance(x, K.Images) is raw


@pytest.mark.parametrize(
    ("source", "encoding"),
    [
        ("(x, y), _ = keras.datasets.mnist.load_data()\nm.fit(x, y)\n", "int"),
        (
            "(x, y), _ = keras.datasets.mnist.load_data()\ny = keras.utils.to_categorical(y, 10)\n"
            "m.fit(x, y)\n",
            "onehot",
        ),
        ("y = tf.one_hot(labels, 10)\nm.fit(x, y)\n", "onehot"),
        (
            "y = keras.utils.to_categorical(labels)\nidx = np.argmax(y, axis=1)\nm.fit(x, idx)\n",
            "int",
        ),
        ("y = keras.utils.to_categorical(labels)\nm.fit(x, y.argmax(1))\n", "int"),
        ("(x, y), _ = keras.datasets.boston_housing.load_data()\nm.fit(x, y)\n", None),
        (
            "(x, y), _ = keras.datasets.mnist.load_data()\nif c:\n"
            "    y = keras.utils.to_categorical(y)\nm.fit(x, y)\n",
            None,
        ),
    ],
)
def test_label_encodings(source: str, encoding: str | None) -> None:
    _, y = _fit_values(source)
    if encoding is None:
        assert not isinstance(y, K.Labels)
    else:
        assert isinstance(y, K.Labels) and y.encoding == encoding


def test_scaled_labels_remember_the_statement() -> None:
    model, facts = facts_of(
        "from tensorflow import keras\n"
        "(x, y), _ = keras.datasets.mnist.load_data()\n"
        "x, y = x / 255.0, y / 255.0\n"
        "m = keras.Sequential([keras.layers.Dense(10)])\nm.fit(x, y)\n"
    )
    (fit,) = facts.fits
    assert isinstance(fit.y, K.ScaledLabels)
    assert model.code(fit.y.statement).strip() == "x, y = x / 255.0, y / 255.0"


def test_tf1_placeholders_and_logits() -> None:
    model, facts = facts_of(
        "import tensorflow as tf\n"
        "x = tf.placeholder(tf.float32, [None, 784])\n"
        "y = tf.placeholder(tf.int64, [None])\n"
        "logits = tf.matmul(x, W) + b\n"
        "loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)\n"
        "with tf.Session() as sess:\n    pass\n"
    )
    assert facts.tf1
    (fact,) = facts.tf_losses
    assert isinstance(fact.labels, K.Labels) and fact.labels.encoding == "int"
    assert isinstance(fact.logits, K.TfLogits) and not fact.positional


def test_facts_are_cached_and_skipped_without_keras() -> None:
    model = SemanticModel(cst.parse_module("import torch\nx = torch.zeros(3)\n"))
    facts = keras_facts(model)
    assert keras_facts(model) is facts
    assert not facts.relevant and facts.compiles == [] and facts.fits == []


# --- fixtures end to end ---------------------------------------------------------------------

OURS = ("LF4", "LF5")


def _lint_fixture(name: str, codes: tuple[str, ...] | None = None) -> list[tuple[int, int, str]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    result = lint_text(text, name, RuleSet.default(), [])
    assert not result.errors, result.errors
    return [
        (d.location.row, d.location.column, d.code)
        for d in result.diagnostics
        if codes is None or d.code.startswith(codes)
    ]


def test_fixture_keras_sequential() -> None:
    assert _lint_fixture("keras_sequential.py", OURS) == [
        (33, 13, "LF410"),
        (38, 37, "LF402"),
        (38, 37, "LF407"),
        (47, 15, "LF403"),
        (54, 15, "LF411"),
        (64, 5, "LF413"),
        (73, 5, "LF412"),
        (75, 37, "LF501"),
    ]


def test_fixture_keras_functional() -> None:
    assert _lint_fixture("keras_functional.py", OURS) == [
        (25, 15, "LF410"),
        (37, 9, "LF408"),
        (41, 40, "LF406"),
        (67, 16, "LF401"),
        (89, 14, "LF504"),
        (91, 19, "LF502"),
    ]


def test_fixture_tf1_graph_is_analysed() -> None:
    assert _lint_fixture("tf1_graph.py", OURS) == [
        (27, 23, "LF414"),
        (30, 12, "LF414"),
        (35, 5, "LF414"),
        (37, 13, "LF504"),
    ]


@pytest.mark.parametrize("name", ["keras_sequential_fixed.py", "keras_functional_fixed.py"])
def test_fixed_twins_are_clean_for_every_rule(name: str) -> None:
    assert _lint_fixture(name) == []


def test_activation_function_applied_in_call_is_the_output_activation() -> None:
    _, facts = facts_of(
        "import tensorflow as tf\n"
        "class Net(tf.keras.Model):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.out = tf.keras.layers.Dense(10)\n"
        "    def call(self, x):\n        return tf.nn.softmax(self.out(x))\n"
        "net = Net()\n"
        "net.compile(loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))\n"
    )
    (comp,) = facts.compiles
    head = comp.model.head() if comp.model else None
    assert head is not None and (head.units, head.activation) == (10, "softmax")


def test_local_name_hides_module_constant_for_shapes_and_units() -> None:
    _, facts = facts_of(
        "from tensorflow import keras\nunits = 1\nshape = (3, 32, 32)\n"
        "def build(units, shape):\n"
        "    m = keras.Sequential([keras.layers.Dense(units, input_shape=shape)])\n"
        "    m.compile(loss='mse')\n"
    )
    (comp,) = facts.compiles
    assert layers_of(comp.model) == [("Dense", None, "linear")]
    assert facts.first_inputs == []


@pytest.mark.parametrize(
    "build",
    [
        "m = keras.Sequential([keras.Input(shape=(10,)), layers.LSTM(4)])\n",
        "m = keras.Sequential()\nm.add(keras.Input(shape=(10,)))\nm.add(layers.LSTM(4))\n",
        "m = keras.Sequential([layers.InputLayer(input_shape=(10,)), layers.LSTM(4)])\n",
        "m = keras.Sequential()\nm.add(layers.LSTM(4, input_shape=(10,)))\n",
        "inp = keras.Input(shape=(10,))\nout = layers.LSTM(4)(inp)\n",
    ],
)
def test_first_layer_input_shape_styles(build: str) -> None:
    _, facts = facts_of("import keras\nfrom keras import layers\n" + build)
    assert [(f.layer.name, f.shape) for f in facts.first_inputs] == [("LSTM", (10,))]


def test_convolution_output_head_has_activation_but_no_units() -> None:
    comp = only_compile(
        "import keras\nfrom keras import layers\n"
        "inp = keras.Input(shape=(64, 64, 3))\n"
        "out = layers.Conv2D(4, 1)(layers.Conv2D(8, 3, activation='relu')(inp))\n"
        "model = keras.Model(inp, out)\n"
        "model.compile(loss=keras.losses.SparseCategoricalCrossentropy())\n"
    )
    head = comp.model.head() if comp.model else None
    assert head is not None and (head.units, head.activation, head.dense) == (None, "linear", None)
    assert head.activation_layer.name == "Conv2D"


TRAIN_FN = (
    "from tensorflow import keras\nfrom tensorflow.keras import layers\n"
    "def train(model, x, y):\n"
    "    model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
    "    model.fit(x, y)\n"
    "(x, y), _ = keras.datasets.mnist.load_data()\n"
    "m = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
)


def test_parameters_take_the_value_every_call_site_agrees_on() -> None:
    source = TRAIN_FN + "train(m, x / 255.0, y)\n"
    _, facts = facts_of(source)
    (comp,) = facts.compiles
    assert layers_of(comp.model) == [("Flatten", None, "linear"), ("Dense", 10, "softmax")]
    labels = facts.labels_for(comp)
    assert isinstance(labels, K.Labels) and labels.encoding == "int"
    result = lint_text(source, "t.py", RuleSet(["LF407"]), [])
    assert [(d.location.row, d.code) for d in result.diagnostics] == [(4, "LF407")]


@pytest.mark.parametrize(
    "calls",
    [
        # call sites disagree on the labels
        "train(m, x / 255.0, y)\ntrain(m, x / 255.0, keras.utils.to_categorical(y))\n",
        # the function escapes: other callers may exist
        "train(m, x / 255.0, y)\ncallbacks = [train]\n",
        # star arguments
        "args = (m, x, y)\ntrain(*args)\n",
    ],
)
def test_parameters_stay_unknown_when_call_sites_do_not_settle_them(calls: str) -> None:
    _, facts = facts_of(TRAIN_FN + calls)
    assert {c.model for c in facts.compiles} == {None} or all(
        facts.labels_for(c) is None for c in facts.compiles
    )
    result = lint_text(TRAIN_FN + calls, "t.py", RuleSet(["LF407"]), [])
    assert result.diagnostics == []


@pytest.mark.parametrize(
    ("ordering", "channels_first"),
    [("dim_ordering='th'", True), ("dim_ordering='tf'", False), ("dim_ordering=o", None)],
)
def test_keras1_dim_ordering_says_where_channels_are(
    ordering: str, channels_first: bool | None
) -> None:
    source = (
        "from keras.models import Sequential\nfrom keras.layers import Convolution2D\n"
        "model = Sequential()\n"
        f"model.add(Convolution2D(32, 3, 3, {ordering}, input_shape=(1, 28, 28)))\n"
    )
    _, facts = facts_of(source)
    (first,) = facts.first_inputs
    assert first.layer.channels_first is channels_first
    result = lint_text(source, "t.py", RuleSet(["LF411"]), [])
    assert [d.code for d in result.diagnostics] == (["LF411"] if channels_first is False else [])


CUSTOM_LOOP = (
    "import tensorflow as tf\nfrom tensorflow import keras\n"
    "(x, y), _ = keras.datasets.cifar10.load_data()\n"
    "model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])\n"
)


@pytest.mark.parametrize(
    ("loop", "raw"),
    [
        (
            "ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(8)\n"
            "for xb, yb in ds:\n    with tf.GradientTape() as tape:\n        out = model(xb)\n",
            True,
        ),
        (
            "ds = tf.data.Dataset.from_tensor_slices(x).batch(8)\n"
            "for i, xb in enumerate(ds):\n    with tf.GradientTape() as tape:\n"
            "        out = model(xb)\n",
            True,
        ),
        # a tf.function step called with the batches
        (
            "@tf.function\ndef step(xb):\n    with tf.GradientTape() as tape:\n"
            "        return model(xb)\n"
            "for xb, yb in tf.data.Dataset.from_tensor_slices((x, y)).batch(8):\n    step(xb)\n",
            True,
        ),
        # not training: no tape
        (
            "for xb, yb in tf.data.Dataset.from_tensor_slices((x, y)).batch(8):\n"
            "    out = model(xb)\n",
            False,
        ),
        (
            "ds = tf.data.Dataset.from_tensor_slices((x / 255.0, y)).batch(8)\n"
            "for xb, yb in ds:\n    with tf.GradientTape() as tape:\n        out = model(xb)\n",
            False,
        ),
        (
            "ds = tf.data.Dataset.from_tensor_slices((x, y)).map(scale).batch(8)\n"
            "for xb, yb in ds:\n    with tf.GradientTape() as tape:\n        out = model(xb)\n",
            False,
        ),
    ],
)
def test_raw_images_reaching_a_custom_training_step(loop: str, raw: bool) -> None:
    _, facts = facts_of(CUSTOM_LOOP + loop)
    assert [isinstance(use.x, K.Images) for use in facts.model_inputs] == ([True] if raw else [])
    result = lint_text(CUSTOM_LOOP + loop, "t.py", RuleSet(["LF412"]), [])
    assert [d.code for d in result.diagnostics] == (["LF412"] if raw else [])


@pytest.mark.parametrize(
    ("data", "raw"),
    [
        ("tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(8)", True),
        ("tf.data.Dataset.from_tensor_slices((x / 255.0, y)).batch(8)", False),
        ("tf.data.Dataset.from_tensor_slices((x, y)).map(scale).batch(8)", False),
        # labels first: not the images a fit reads as inputs
        ("tf.data.Dataset.from_tensor_slices((y, x)).batch(8)", False),
    ],
)
def test_fit_on_a_dataset_of_raw_images(data: str, raw: bool) -> None:
    source = CUSTOM_LOOP + f"model.fit({data}, epochs=2)\n"
    result = lint_text(source, "t.py", RuleSet(["LF412"]), [])
    assert [d.code for d in result.diagnostics] == (["LF412"] if raw else [])


_PIXELS_HEAD = """
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
"""


@pytest.mark.parametrize(
    "scaling",
    [
        "x2 = x\nx2 /= 255\n",  # an alias
        "v = x.reshape(-1, 784)\nv /= 255\n",  # a view
        "np.divide(x, 255, out=x)\n",  # numpy's out=
    ],
    ids=["alias", "view", "out"],
)
def test_images_changed_in_place_under_another_name_are_not_raw(scaling: str) -> None:
    source = _PIXELS_HEAD + "x = x_train.astype('float32')\n" + scaling + "model.fit(x, y_train)\n"
    result = lint_text(source, "example.py", RuleSet(["LF412"]), [])
    assert not result.errors, result.errors
    assert [d.code for d in result.diagnostics] == []


def test_scaling_the_test_images_in_place_leaves_the_train_images_raw() -> None:
    source = (
        _PIXELS_HEAD
        + "x_test = x_test.astype('float32')\nx_test /= 255\n"
        + "model.fit(x_train, y_train)\n"
    )
    result = lint_text(source, "example.py", RuleSet(["LF412"]), [])
    assert [(d.code, d.location.row) for d in result.diagnostics] == [("LF412", 10)]
