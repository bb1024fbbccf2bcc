"""The "can a gradient reach here?" fact (analysis/gradients.py).

Each case is a program and the code of the expression asked about (the first
call or operation whose code is exactly that text), with the expected answer.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lossflint.analysis.gradients import Reach, gradients, name_tokens
from lossflint.analysis.model import SemanticModel

YES, NO, UNKNOWN = Reach.YES, Reach.NO, Reach.UNKNOWN


def _reach(source: str, expr: str, path: str = "") -> tuple[Reach, str]:
    model = SemanticModel(cst.parse_module(textwrap.dedent(source)), path)
    for node in model.parents:
        if isinstance(node, (cst.Call, cst.BinaryOperation)) and model.code(node) == expr:
            answer = gradients(model).answer(node)
            return answer.reach, answer.why
    raise AssertionError(f"{expr!r} not found")


CASES: list[tuple[str, str, str, Reach]] = [
    (
        "a trainable variable wrapping a factory is a gradient leaf",
        """
        import torch
        w = torch.nn.Parameter(torch.randn(10, 3))
        opt = torch.optim.SGD([w], lr=0.1)
        loss = torch.sqrt((w ** 2).sum(1)).mean()
        loss.backward()
        """,
        "torch.sqrt((w ** 2).sum(1))",
        YES,
    ),
    (
        "a frozen variable is not",
        """
        import tensorflow as tf
        w = tf.Variable(tf.zeros((10, 3)), trainable=False)
        d = tf.sqrt(tf.reduce_sum(tf.square(w), 1))
        """,
        "tf.sqrt(tf.reduce_sum(tf.square(w), 1))",
        NO,
    ),
    (
        "a function tf.data maps over the records, and what it calls",
        """
        import tensorflow as tf

        def cqt(wave):
            re, im = conv(wave)
            return tf.math.sqrt(tf.pow(re, 2) + tf.pow(im, 2))

        def parse(example):
            return cqt(example["wave"]), example["target"]

        ds = tf.data.TFRecordDataset(files).map(parse).batch(32)
        model.fit(ds, epochs=3)
        """,
        "tf.math.sqrt(tf.pow(re, 2) + tf.pow(im, 2))",
        NO,
    ),
    (
        "no_grad block",
        """
        import torch
        with torch.no_grad():
            d = torch.sqrt(x)
        """,
        "torch.sqrt(x)",
        NO,
    ),
    (
        "inference_mode decorator",
        """
        import torch
        @torch.inference_mode()
        def f(x):
            return torch.sqrt(x)
        """,
        "torch.sqrt(x)",
        NO,
    ),
    (
        "enable_grad inside no_grad",
        """
        import torch
        class Net(torch.nn.Module):
            def forward(self, x):
                with torch.no_grad():
                    with torch.enable_grad():
                        return torch.sqrt(x)
        """,
        "torch.sqrt(x)",
        YES,
    ),
    (
        "only called under no_grad",
        """
        import torch
        def helper(x):
            return torch.sqrt(x)
        def run(x):
            with torch.no_grad():
                return helper(x)
        """,
        "torch.sqrt(x)",
        NO,
    ),
    (
        "also called where gradients flow",
        """
        import torch
        def helper(x):
            return torch.sqrt(x)
        def run(x):
            with torch.no_grad():
                return helper(x)
        class Net(torch.nn.Module):
            def forward(self, x):
                return helper(x)
        """,
        "torch.sqrt(x)",
        YES,
    ),
    (
        "passed around: callers unknown",
        """
        import torch
        def helper(x):
            return torch.sqrt(x)
        def run(x):
            with torch.no_grad():
                return helper(x)
        hooks = [helper]
        """,
        "torch.sqrt(x)",
        UNKNOWN,
    ),
    (
        "forward",
        """
        import torch
        class Net(torch.nn.Module):
            def forward(self, x):
                return torch.sqrt(x)
        """,
        "torch.sqrt(x)",
        YES,
    ),
    (
        "a loss function",
        """
        import torch
        def contrastive_loss(a, b):
            return torch.sqrt(((a - b) ** 2).sum(1))
        """,
        "torch.sqrt(((a - b) ** 2).sum(1))",
        YES,
    ),
    (
        "feeds the backpropagated loss",
        """
        import torch
        for x, y in loader:
            out = model(x)
            d = torch.sqrt(((out - y) ** 2).sum(1))
            loss = d.mean()
            loss.backward()
        """,
        "torch.sqrt(((out - y) ** 2).sum(1))",
        YES,
    ),
    (
        "beside the backpropagated loss",
        """
        import torch
        for x, y in loader:
            out = model(x)
            loss = crit(out, y)
            dist = torch.sqrt(((out - y) ** 2).sum(1))
            loss.backward()
        """,
        "torch.sqrt(((out - y) ** 2).sum(1))",
        NO,
    ),
    (
        "TF1 graph: evaluation beside minimize (word2vec)",
        """
        import tensorflow as tf
        loss_op = tf.reduce_mean(tf.nn.nce_loss(weights=w, biases=b, labels=Y, inputs=e))
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss_op)
        norm = embedding / tf.sqrt(tf.reduce_sum(tf.square(embedding)))
        """,
        "tf.sqrt(tf.reduce_sum(tf.square(embedding)))",
        NO,
    ),
    (
        "GradientTape block",
        """
        import tensorflow as tf
        with tf.GradientTape() as tape:
            d = tf.sqrt(tf.reduce_sum(tf.square(a - b)))
        """,
        "tf.sqrt(tf.reduce_sum(tf.square(a - b)))",
        YES,
    ),
    (
        ".item()",
        """
        import torch
        def cost(a, b):
            return (a - b).pow(2).mean().sqrt().item()
        """,
        "(a - b).pow(2).mean().sqrt()",
        NO,
    ),
    (
        "logged only",
        """
        import tensorflow as tf
        def clip(grads):
            for g in grads:
                tf.summary.scalar("norm", tf.sqrt(tf.reduce_sum(tf.square(g))))
        """,
        "tf.sqrt(tf.reduce_sum(tf.square(g)))",
        NO,
    ),
    (
        "assigned, then only compared",
        """
        import torch
        def f(a, b):
            d = torch.sqrt(((a - b) ** 2).sum())
            return d < 0.5
        """,
        "torch.sqrt(((a - b) ** 2).sum())",
        NO,
    ),
    (
        "detached inputs through a tuple assignment (ignite)",
        """
        import torch
        def f(output):
            y_pred, y = output[0].detach(), output[1].detach()
            return torch.log(torch.abs(y - y_pred))
        """,
        "torch.log(torch.abs(y - y_pred))",
        NO,
    ),
    (
        ".data",
        """
        import torch
        def f(w):
            return torch.sqrt((w.data ** 2).sum())
        """,
        "torch.sqrt((w.data ** 2).sum())",
        NO,
    ),
    (
        "integer tensors",
        """
        import torch
        def f(pred, y):
            hits = (pred.argmax(1) == y).sum()
            return hits / (y == 1).sum()
        """,
        "hits / (y == 1).sum()",
        NO,
    ),
    (
        "NumPy data",
        """
        import numpy as np
        data = np.genfromtxt("a.dat")
        data = (data - data.mean(axis=0)) / data.std(axis=0)
        """,
        "(data - data.mean(axis=0)) / data.std(axis=0)",
        NO,
    ),
    (
        "a detached input with a parameter is still differentiable",
        """
        import torch
        def f(x, w):
            return torch.sqrt((x.detach() * w).sum())
        """,
        "torch.sqrt((x.detach() * w).sum())",
        UNKNOWN,
    ),
    (
        "a model applied to detached input still has parameters",
        """
        import torch
        def f(x):
            return torch.sqrt(net(x.detach()))
        """,
        "torch.sqrt(net(x.detach()))",
        UNKNOWN,
    ),
    (
        "torchmetrics-style class",
        """
        import torch
        class GMAE:
            def update(self, p, y):
                self.s = torch.log(torch.abs(p - y)).sum()
            def compute(self):
                return self.s
        """,
        "torch.log(torch.abs(p - y))",
        NO,
    ),
    (
        "Keras metric base",
        """
        import tensorflow as tf
        class Angle(tf.keras.metrics.Metric):
            def helper(self, c):
                return tf.acos(c)
        """,
        "tf.acos(c)",
        NO,
    ),
    (
        "a test that never differentiates",
        """
        import torch
        def test_std():
            s = torch.sqrt(m2 - m ** 2)
            assert s.shape == ()
        """,
        "torch.sqrt(m2 - m ** 2)",
        NO,
    ),
    (
        "a test that backpropagates",
        """
        import torch
        def test_grad():
            s = torch.sqrt(m2 - m ** 2)
            s.backward()
        """,
        "torch.sqrt(m2 - m ** 2)",
        YES,
    ),
    (
        "named evaluation",
        """
        import tensorflow as tf
        def evaluate(x_embed):
            return x_embed / tf.sqrt(tf.reduce_sum(tf.square(x_embed)))
        """,
        "tf.sqrt(tf.reduce_sum(tf.square(x_embed)))",
        NO,
    ),
    (
        "target assignment called from the loss stays NO",
        """
        import torch
        class YoloLoss(torch.nn.Module):
            def forward(self, p, t):
                return self.build_targets(p, t)
            def build_targets(self, p, t):
                return torch.sqrt(((p - t) ** 2).sum())
        """,
        "torch.sqrt(((p - t) ** 2).sum())",
        NO,
    ),
    (
        "a helper called from forward",
        """
        import torch
        class Net(torch.nn.Module):
            def forward(self, a, b):
                return self.dist(a, b)
            def dist(self, a, b):
                return torch.sqrt(((a - b) ** 2).sum())
        """,
        "torch.sqrt(((a - b) ** 2).sum())",
        YES,
    ),
    (
        "an iou helper is not judged by its name",
        """
        import torch
        def bbox_iou(a, b):
            return torch.sqrt(((a - b) ** 2).sum())
        """,
        "torch.sqrt(((a - b) ** 2).sum())",
        UNKNOWN,
    ),
    (
        "library function never called",
        """
        import torch
        def dist(a, b):
            return torch.sqrt(((a - b) ** 2).sum(1))
        """,
        "torch.sqrt(((a - b) ** 2).sum(1))",
        UNKNOWN,
    ),
    (
        # `main()` discards what main returns; main back-propagates itself, so
        # what its helpers compute gets gradients
        "a helper of a main() run as a script",
        """
        import torch

        def masked_mean(values, mask):
            return (values * mask).sum() / mask.sum()

        def main(model, loader, opt):
            for x, mask in loader:
                loss = masked_mean(model(x), mask.float())
                opt.zero_grad()
                loss.backward()
                opt.step()

        if __name__ == "__main__":
            main(net, data, optimizer)
        """,
        "(values * mask).sum() / mask.sum()",
        YES,
    ),
    (
        # the same helper, called from a function that never differentiates and
        # whose result is discarded: no gradient
        "a helper of a reporting function",
        """
        import torch

        def masked_mean(values, mask):
            return (values * mask).sum() / mask.sum()

        def report(model, loader):
            for x, mask in loader:
                print(masked_mean(model(x), mask.float()).item())

        if __name__ == "__main__":
            report(net, data)
        """,
        "(values * mask).sum() / mask.sum()",
        NO,
    ),
    (
        "module-level snippet",
        """
        import torch
        d = torch.sqrt(((a - b) ** 2).sum(1))
        """,
        "torch.sqrt(((a - b) ** 2).sum(1))",
        UNKNOWN,
    ),
]


@pytest.mark.parametrize(
    ("source", "expr", "expected"),
    [pytest.param(s, e, r, id=i) for i, s, e, r in CASES],
)
def test_reach(source: str, expr: str, expected: Reach) -> None:
    reach, why = _reach(source, expr)
    assert reach is expected, why


NOTEBOOK_HEAD = """
import torch
import torch.nn.functional as F

class ArcMargin(torch.nn.Module):
    def forward(self, x, w):
        cosine = F.linear(F.normalize(x), F.normalize(w))
        return torch.sqrt(1.0 - torch.pow(cosine, 2))
"""


def test_a_notebook_that_never_trains_takes_no_gradient() -> None:
    inference = NOTEBOOK_HEAD + "model = ArcMargin()\nmodel.eval()\nout = model(x, w)\n"
    sqrt = "torch.sqrt(1.0 - torch.pow(cosine, 2))"
    assert _reach(inference, sqrt, "infer.ipynb")[0] is NO
    # the same code as a module: another file may train it
    assert _reach(inference, sqrt, "heads.py")[0] is YES
    # a notebook that trains (here through a trainer object) is asked as before
    trains = inference + "trainer.train()\n"
    assert _reach(trains, sqrt, "train.ipynb")[0] is YES
    # fitting a nearest-neighbour index on the embeddings trains no network
    knn = (
        "from sklearn.neighbors import NearestNeighbors\n" + inference + "def neighbours(emb):\n"
        "    index = NearestNeighbors(n_neighbors=50)\n"
        "    index.fit(emb)\n"
        "    found = index.kneighbors(emb)\n"
        "    del index\n"
        "    return found\n"
    )
    assert _reach(knn, sqrt, "infer.ipynb")[0] is NO


def test_why_names_the_evidence() -> None:
    source = """
    import torch
    with torch.no_grad():
        d = torch.sqrt(x)
    """
    assert "no_grad" in _reach(source, "torch.sqrt(x)")[1]


def test_mutual_recursion_is_not_an_answer() -> None:
    source = """
    import torch
    def a(x):
        return b(torch.sqrt(x))
    def b(x):
        return a(x)
    """
    assert _reach(source, "torch.sqrt(x)")[0] is UNKNOWN


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("build_targets", ["build", "targets"]),
        ("BoxCoder", ["box", "coder"]),
        ("post_process", ["post", "process", "postprocess"]),
        ("validation_step", ["validation", "step"]),
    ],
)
def test_name_tokens(name: str, tokens: list[str]) -> None:
    assert name_tokens(name) == tokens


def test_a_long_chain_of_callers_does_not_recurse_deeply() -> None:
    chain = "\n".join(f"def f{i}(x):\n    return f{i + 1}(x)\n" for i in range(400))
    source = f"import torch\n{chain}\ndef f400(x):\n    return torch.sqrt(x)\n"
    assert _reach(source, "torch.sqrt(x)")[0] is UNKNOWN


def test_a_helper_every_caller_gives_numpy_carries_no_gradient() -> None:
    source = """
    import numpy as np
    import torch
    def normalize(arr):
        return (arr - arr.mean()) / arr.std()
    def prepare(path):
        return normalize(np.load(path))
    data = prepare("x.npy")
    """
    source = textwrap.dedent(source)
    assert _reach(source, "arr.std()")[0] is NO
    # one caller hands it the model's output: no longer known
    mixed = source + "feats = normalize(model(x))\n"
    assert _reach(mixed, "arr.std()")[0] is not NO
    # ``x = normalize(x)``: what it returns, from what its callers pass
    fed_back = source.replace('data = prepare("x.npy")', "v = np.ones(3)\nv = normalize(v)")
    assert _reach(fed_back, "arr.std()")[0] is NO


_MAGNITUDE = """
import torch

def transform(re, im):
    return torch.sqrt(re**2 + im**2), torch.atan2(im.data, re.data)

def mel(re, im):
{body}
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # audit s20 (melgan/tacotron2 STFT): detached after a tuple unpack
        ("    mags, phases = transform(re, im)\n    return mags.data", NO),
        ("    mags, _ = transform(re, im)\n    mags = mags.data\n    return mags * 2", NO),
        # the other part is kept with its graph: the call as a whole is not detached
        ("    mags, phases = transform(re, im)\n    return mags.data, phases", UNKNOWN),
        # read before the rebinding that detaches it
        ("    m, p = transform(re, im)\n    s = m.sum()\n    m = m.data\n    return s", UNKNOWN),
        # detached on one path only
        (
            "    m, p = transform(re, im)\n    if p.any():\n        m = m.data\n    return m",
            UNKNOWN,
        ),
        # starred parts count like names: unread, or read with their graph
        ("    *ms, p = transform(re, im)\n    return p.data", NO),
        ("    *ms, p = transform(re, im)\n    return ms", UNKNOWN),
        # an attribute target keeps a part out of sight
        ("    self.m, p = transform(re, im)\n    return p.data", UNKNOWN),
        # a name the function declares global is read elsewhere
        ("    global m\n    m, p = transform(re, im)\n    return m.data", UNKNOWN),
    ],
)
def test_detaching_an_unpacked_or_rebound_result(body: str, expected: Reach) -> None:
    source = _MAGNITUDE.format(body=body)
    assert _reach(source, "transform(re, im)")[0] is expected
    assert _reach(source, "torch.sqrt(re**2 + im**2)")[0] is expected


def test_rebinding_a_name_to_its_own_data_detaches_it() -> None:
    source = """
    import torch
    def magnitude(re, im):
        return torch.sqrt(re**2 + im**2)
    def mel(re, im):
        m = magnitude(re, im)
        m = m.data
        return m
    """
    assert _reach(source, "torch.sqrt(re**2 + im**2)")[0] is NO
    # in a loop, the value of the previous pass may reach the use: not known
    looped = source.replace(
        "        m = m.data\n", "        for _ in range(3):\n            m = m.data + m\n"
    )
    assert _reach(looped, "torch.sqrt(re**2 + im**2)")[0] is not NO


_LOGGED_AT_MODULE_LEVEL = """
import torch

for epoch in range(10):
    for x, y in loader:
        loss = crit(model(x), y)
        loss.backward()
    loss = crit(model(x_valid), y_valid)
    history.append(loss.item())
{after}
"""


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # a script's or notebook's name: its module-level reads are followed
        ("", NO),
        ("print(f'{loss.item():.3f}')", NO),
        ("loss = crit(model(x), y)\nloss.backward()", NO),
        # read with its graph after the loop
        ("total = loss * 2\ntotal.backward()", UNKNOWN),
        # a function reads the name: whenever it runs, it may see this value
        ("def step():\n    loss.backward()", UNKNOWN),
        # names read by their text
        ("print(globals()['loss'])", UNKNOWN),
    ],
)
def test_a_module_level_value_only_logged_leaves_the_graph(after: str, expected: Reach) -> None:
    source = _LOGGED_AT_MODULE_LEVEL.format(after=after)
    reach = _reach(source, "crit(model(x_valid), y_valid)")[0]
    assert (reach is NO) is (expected is NO), reach
