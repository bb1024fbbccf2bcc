"""Code read the way people paste it (issue 16, items 1-3): no imports, star
imports of framework modules, Keras 1/2 names; findings made through a
convention say so. See docs/snippets.md."""

from __future__ import annotations

import json
import textwrap

import libcst as cst
import pytest

from lossflint.analysis.calls import argument, keyword
from lossflint.analysis.model import SemanticModel
from lossflint.analysis.names import FreeNames, canonical
from lossflint.diagnostics import Diagnostic
from lossflint.linter import lint_source
from lossflint.output import format_json, format_sarif


def lint(source: str) -> list[Diagnostic]:
    return lint_source(textwrap.dedent(source))


def codes(source: str) -> list[str]:
    return [d.code for d in lint(source)]


def qualnames(source: str) -> dict[str, str | None]:
    """The qualified name of every call's function, by its source text."""
    model = SemanticModel(cst.parse_module(textwrap.dedent(source)))
    return {model.code(c.node.func): c.qualname for c in model.calls}


# --- NeuraLint-style programs without imports --------------------------------------

NO_IMPORTS = """\
    model = Sequential()
    model.add(Dense(64, input_dim=20, activation='relu'))
    model.add(Dense(1, activation='softmax'))
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    model.fit(x_train, y_train, epochs=20, batch_size=128)
"""


def test_keras_program_without_imports() -> None:
    found = lint(NO_IMPORTS)
    assert [d.code for d in found] == ["LF403", "LF404"]
    for diag in found:
        assert dict(diag.assumed) == {
            "Dense": "keras.layers.Dense",
            "Sequential": "keras.models.Sequential",
        }
        assert diag.message.endswith(
            "(assuming Dense is keras.layers.Dense, Sequential is keras.models.Sequential)"
        )


def test_assumed_in_json_and_sarif() -> None:
    found = lint(NO_IMPORTS)
    (first, _) = json.loads(format_json(found))
    assert first["assumed"] == {
        "Dense": "keras.layers.Dense",
        "Sequential": "keras.models.Sequential",
    }
    result = json.loads(format_sarif(found))["runs"][0]["results"][0]
    assert result["properties"]["assumed"]["Dense"] == "keras.layers.Dense"


def test_imported_names_are_not_assumed() -> None:
    found = lint(
        """\
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(1, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam')
        """
    )
    assert [d.code for d in found] == ["LF403", "LF404"]
    assert all(d.assumed == () and "assuming" not in d.message for d in found)
    assert "assumed" not in json.loads(format_json(found))[0]


def test_functional_model_without_imports() -> None:
    found = lint(
        """\
        inputs = Input(shape=(20,))
        x = Dense(64, activation='relu')(inputs)
        outputs = Dense(1, activation='softmax')(x)
        model = Model(inputs, outputs)
        model.compile(loss='categorical_crossentropy', optimizer='adam')
        """
    )
    assert [d.code for d in found] == ["LF403", "LF404"]
    assert dict(found[1].assumed)["Model"] == "keras.models.Model"


def test_torch_program_without_imports() -> None:
    found = lint(
        """\
        model = nn.Sequential(nn.Linear(10, 3), nn.Softmax(dim=1))
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.SGD(model.parameters(), lr=0.01)
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        """
    )
    assert "LF101" in [d.code for d in found]
    assert all(("nn", "torch.nn") in d.assumed for d in found if d.code == "LF101")


def test_free_module_aliases() -> None:
    names = qualnames("F.softmax(x)\ntf.keras.layers.Dense(3)\nnp.log(p)\nK.mean(x)\n")
    assert names == {
        "F.softmax": "torch.nn.functional.softmax",
        "tf.keras.layers.Dense": "keras.layers.Dense",
        "np.log": "numpy.log",
        "K.mean": "keras.backend.mean",
    }


# --- what keeps a name unknown ------------------------------------------------------


@pytest.mark.parametrize(
    "prelude",
    [
        "def Dense(*args, **kwargs):\n    return None\n",
        "from mylayers import Dense\n",
        "from mylayers import *\n",
        "from .layers import *\n",
        "Dense = make_layer\n",
        "exec(open('setup_names.py').read())\n",
    ],
)
def test_file_that_binds_or_may_bind_dense_stays_silent(prelude: str) -> None:
    source = prelude + textwrap.dedent(
        """\
        from keras.models import Sequential
        model = Sequential()
        model.add(Dense(1, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam')
        """
    )
    assert lint_source(source) == []


def test_free_keras_name_in_a_torch_file_stays_unknown() -> None:
    assert qualnames("import torch\nlayer = Dense(3)\n") == {"Dense": None}
    assert qualnames("import numpy as np\nlayer = Dense(3)\n") == {"Dense": "keras.layers.Dense"}


def test_star_import_of_unknown_module_after_a_framework_one() -> None:
    program = """\
        from keras.models import Sequential
        model = Sequential()
        model.add(Dense(1, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam')
        """
    stars = "from keras.layers import *\nfrom helpers import *\n"
    assert codes(stars + textwrap.dedent(program)) == []
    # the module imported last wins
    stars = "from helpers import *\nfrom keras.layers import *\n"
    assert codes(stars + textwrap.dedent(program)) == ["LF403", "LF404"]


def test_name_in_both_frameworks_without_evidence_stays_unknown() -> None:
    assert qualnames("opt = Adam(lr=0.5)\n")["Adam"] is None
    assert qualnames("model = Sequential()\n")["Sequential"] is None
    assert qualnames("layer = Flatten()\n")["Flatten"] is None


@pytest.mark.parametrize(
    ("evidence", "meaning"),
    [
        ("import keras\n", "keras.optimizers.Adam"),
        ("from tensorflow.keras.layers import Dense\n", "keras.optimizers.Adam"),
        ("import torch\n", "torch.optim.Adam"),
        ("x = Dense(3)\n", "keras.optimizers.Adam"),
        ("y = nn.Linear(3, 3)\n", "torch.optim.Adam"),
        ("model.add(x)\nmodel.compile(loss='mse')\n", "keras.optimizers.Adam"),
        ("loss.backward()\n", "torch.optim.Adam"),
        ("import torch\nimport tensorflow as tf\n", None),
        ("x = Dense(3)\nloss.backward()\n", None),
        ("import jax\n", None),
        # an imported name is no evidence: ``Dense`` is not Keras's here
        ("from mylayers import Dense\nx = Dense(3)\n", None),
        ("from mylayers import Dense as D\nx = Dense(3)\n", "keras.optimizers.Adam"),
    ],
)
def test_evidence_picks_the_framework(evidence: str, meaning: str | None) -> None:
    assert qualnames(evidence + "opt = Adam(lr=0.5)\n")["Adam"] == meaning


def test_ambiguous_program_stays_silent_until_evidence() -> None:
    program = """\
        model = Sequential()
        model.add(Embedding(1000, 64))
        model.add(LSTM(32))
        optimizer = Adam(lr=0.5)
        """
    assert codes(program) == []
    found = lint(program + "model.compile(loss='mse', optimizer=optimizer)\n")
    assert [d.code for d in found] == ["LF307"]
    assert dict(found[0].assumed)["Adam"] == "keras.optimizers.Adam"


def test_masked_notebook_magic_blocks_conventions() -> None:
    source = "pass  # lossflint-masked-line-0\nlayer = Dense(3)\n"
    assert qualnames(source)["Dense"] is None
    assert qualnames("layer = Dense(3)\n")["Dense"] == "keras.layers.Dense"


def test_name_bound_elsewhere_in_the_file_is_no_snippet_name() -> None:
    source = """\
        def build():
            from keras.layers import Dense
            return Dense(3)
        def other():
            return Dense(1)
        """
    model = SemanticModel(cst.parse_module(textwrap.dedent(source)))
    assert [c.qualname for c in model.calls] == ["keras.layers.Dense", None]
    assert qualnames("def f():\n    import numpy as np\nx = np.log(p)\n") == {"np.log": None}


def test_local_binding_in_a_function_wins() -> None:
    model = SemanticModel(cst.parse_module("def build(Dense):\n    return Dense(3)\n"))
    assert [c.qualname for c in model.calls] == [None]


# --- star imports of framework modules ---------------------------------------------


@pytest.mark.parametrize(
    "star",
    [
        "from keras.layers import *",
        "from tensorflow.keras.layers import *",
        "from keras.layers.core import *",
        "from tensorflow.python.keras.layers import *",
    ],
)
def test_keras_star_imports(star: str) -> None:
    source = f"""\
        {star}
        from keras.models import Sequential
        model = Sequential()
        model.add(Dense(1, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam')
    """
    found = lint(source)
    assert [d.code for d in found] == ["LF403", "LF404"]
    assert all(d.assumed == () for d in found)  # a star import is an import


def test_torch_star_imports() -> None:
    names = qualnames(
        """\
        from torch.nn import *
        from torch.nn.functional import *
        from torch.optim import *
        model = Sequential(Linear(10, 3))
        p = softmax(model(x), dim=1)
        opt = Adam(model.parameters())
        """
    )
    assert names["Sequential"] == "torch.nn.Sequential"
    assert names["Linear"] == "torch.nn.Linear"
    assert names["softmax"] == "torch.nn.functional.softmax"
    assert names["Adam"] == "torch.optim.Adam"


def test_star_imports_under_blocks_in_source_order() -> None:
    source = """\
        try:
            from keras.layers import *
        except ImportError:
            from tensorflow.keras.layers import *
        else:
            from torch.nn import *
        finally:
            from numpy import *
        if x: from torch import *
        elif y:
            from helpers import *
        else:
            from .x import *
        with a:
            for i in b:
                from keras.models import *
            else:
                from keras.utils import *
        def f():
            pass
        """
    module = cst.parse_module(textwrap.dedent(source))
    assert FreeNames(module).stars == (
        "keras.layers",
        "keras.layers",
        "torch.nn",
        "numpy",
        "torch",
        None,
        None,
        "keras.models",
        "keras.utils",
    )


def test_star_import_shadows_builtins() -> None:
    names = qualnames("from numpy import *\ns = sum(x)\nr = round(x)\n")
    assert names == {"sum": "numpy.sum", "round": "numpy.round"}
    assert qualnames("s = sum(x)\n") == {"sum": "builtins.sum"}
    # an unknown module's star import leaves the built-ins as they were
    assert qualnames("from helpers import *\ns = sum(x)\n") == {"sum": "builtins.sum"}


def test_star_import_binds_only_what_the_module_exports() -> None:
    # torch's __all__ has no ``nn``: the free ``nn`` is read by convention
    names = qualnames("from torch import *\nlayer = nn.Linear(3, 3)\nt = tensor([1])\n")
    assert names == {"nn.Linear": "torch.nn.Linear", "tensor": "torch.tensor"}


# --- Keras 1/2 names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("keras.layers.Convolution2D", "keras.layers.Conv2D"),
        ("keras.layers.convolutional.Convolution2D", "keras.layers.Conv2D"),
        ("tensorflow.keras.layers.MaxPool2D", "keras.layers.MaxPooling2D"),
        ("keras.layers.core.Dense", "keras.layers.Dense"),
        ("tensorflow.keras.layers.core.Dense", "keras.layers.Dense"),
        ("keras.utils.np_utils.to_categorical", "keras.utils.to_categorical"),
        ("keras.optimizers.adam", "keras.optimizers.Adam"),
        ("keras.engine.training.Model", "keras.models.Model"),
        ("keras.layers.Dense", "keras.layers.Dense"),
        ("torch.nn.modules.loss.MSELoss", "torch.nn.MSELoss"),
    ],
)
def test_canonical_keras_legacy_names(old: str, new: str) -> None:
    assert canonical(old) == new


def test_legacy_keywords() -> None:
    call = cst.parse_expression("Dense(output_dim=1, init='zero', W_regularizer=r)")
    assert isinstance(call, cst.Call)
    assert argument(call, 0, "units") is call.args[0].value
    assert keyword(call, "kernel_initializer") is call.args[1]
    assert keyword(call, "kernel_regularizer") is call.args[2]
    both = cst.parse_expression("Model(output=a, outputs=b)")
    assert isinstance(both, cst.Call)
    assert keyword(both, "outputs") is both.args[1]  # the modern spelling wins
    assert keyword(both, "output") is both.args[0]
    plain = cst.parse_expression("f(lr=0.1)")
    assert isinstance(plain, cst.Call)
    assert keyword(plain, "lr") is plain.args[0]
    assert keyword(plain, "dim") is None


def test_keras1_program() -> None:
    found = lint(
        """\
        from keras.models import Sequential, Model
        from keras.layers.core import Dense, Activation, Flatten
        from keras.layers.convolutional import Convolution2D, MaxPooling2D
        from keras.optimizers import Adam
        model = Sequential()
        model.add(Convolution2D(32, 3, 3, border_mode='same', input_shape=(28, 28, 1)))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Flatten())
        model.add(Dense(output_dim=1, init='uniform'))
        model.add(Activation('softmax'))
        model.compile(loss='categorical_crossentropy', optimizer=Adam(lr=0.5))
        model.fit(X, Y, nb_epoch=10)
        """
    )
    assert [d.code for d in found] == ["LF403", "LF404", "LF307"]


def test_keras1_functional_model_keywords() -> None:
    found = lint(
        """\
        from keras.layers import Input, Dense
        from keras.models import Model
        a = Input(shape=(20,))
        b = Dense(output_dim=1, activation='softmax')(a)
        model = Model(input=a, output=b)
        model.compile(loss='categorical_crossentropy', optimizer='sgd')
        """
    )
    assert [d.code for d in found] == ["LF403", "LF404"]


def test_keras1_names_without_imports() -> None:
    found = lint(
        """\
        model = Sequential()
        model.add(Convolution2D(32, 3, 3, input_shape=(28, 28, 1)))
        model.add(Flatten())
        model.add(Dense(1, init='uniform', activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam')
        model.fit(X, Y, nb_epoch=10)
        """
    )
    assert [d.code for d in found] == ["LF403", "LF404"]


# --- helper packages whose star import re-exports the frameworks ------------------------


def test_star_import_of_a_reexporting_helper_binds_the_framework_names() -> None:
    found = qualnames(
        "from torch_snippets import *\nx = nn.Linear(2, 2)\ny = F.relu(x)\nz = Report(3)\n"
    )
    assert found == {
        "nn.Linear": "torch.nn.Linear",
        "F.relu": "torch.nn.functional.relu",
        "Report": None,
    }
    found = qualnames("from fastai.vision.all import *\nm = nn.Sequential()\nl = Linear(2, 2)\n")
    # ``Linear`` is no name the catalogue lists for fastai: it may bind anything
    assert found == {"nn.Sequential": "torch.nn.Sequential", "Linear": None}


def test_reexporting_helper_star_import_finds_the_bug() -> None:
    program = """\
        from torch_snippets import *
        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
        opt = optim.Adam(model.parameters(), lr=1e-3)
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            for x, y in val_loader:
                acc = (model(x).argmax(1) == y).float().mean()
        """
    assert codes(textwrap.dedent(program)) == ["LF603"]
    # an unknown helper package may bind ``nn`` to anything: silent
    assert codes(textwrap.dedent(program).replace("torch_snippets", "my_helpers")) == []


# --- module aliases bound by assignment ---------------------------------------------


def test_module_alias_bound_by_assignment() -> None:
    """``keras = tf.keras`` (Lornatang/TensorFlow2-tutorials, audit R74)."""
    source = "import tensorflow as tf\nkeras = tf.keras\nlayer = keras.layers.Dense(1)\n"
    assert qualnames(source)["keras.layers.Dense"] == "keras.layers.Dense"


@pytest.mark.parametrize(
    "prelude",
    [
        # rebound: which one a call sees is not known
        "import tensorflow as tf\nkeras = tf.keras\nif cond:\n    keras = other\n",
        # bound in a function only
        "import tensorflow as tf\ndef f():\n    keras = tf.keras\n",
        # a chain of something not imported
        "keras = config.keras\n",
    ],
)
def test_assigned_alias_that_is_not_certain_stays_unknown(prelude: str) -> None:
    assert qualnames(prelude + "layer = keras.layers.Dense(1)\n")["keras.layers.Dense"] is None


def test_assumption_note_says_a_name_read_as_itself_is_imported() -> None:
    from lossflint.diagnostics import assumption_note

    assert assumption_note({"torch": "torch"}) == " (assuming torch is imported)"
    assert assumption_note({"np": "numpy"}) == " (assuming np is numpy)"
