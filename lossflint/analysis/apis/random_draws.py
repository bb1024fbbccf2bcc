"""Random integer draws: the class labels of synthetic data (NumPy, TensorFlow).

Read by ``tf_cross_entropy.drawn_class_indices`` (LF414). Each table maps a
drawing function or method to the position of its ``size``/``shape`` argument
(the rank of the labels drawn).
"""

#: NumPy's legacy module-level draws of integers
NUMPY_RANDINT: dict[str, int] = {"numpy.random.randint": 2}
#: NumPy's generator constructors (``rng = np.random.default_rng(0)``)
NUMPY_GENERATORS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"}
)
#: methods of those generators that draw integers
GENERATOR_INTEGER_METHODS: dict[str, int] = {"integers": 2, "randint": 2}
#: TensorFlow's uniform draw: integers when its ``dtype`` is an integer type
TF_RANDOM_UNIFORM = "tensorflow.random.uniform"
#: the keyword that gives each draw's shape
SIZE_KEYWORDS = frozenset({"size", "shape"})
#: ``.astype("int32")``: dtype strings of integers
INT_DTYPE_STRINGS = frozenset({"int", "int8", "int16", "int32", "int64", "uint8", "long"})
