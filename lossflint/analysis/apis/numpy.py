"""NumPy and scikit-learn names (and the scikit-learn-style classifiers of other
libraries).

Tables that other frameworks share hold the NumPy part only; ``apis/__init__``
joins them with the PyTorch and Keras/TF parts.
"""

from __future__ import annotations

# --- NumPy ----------------------------------------------------------------------------

SOFTMAX = frozenset({"numpy.softmax"})
LOG = frozenset({"numpy.log"})
LOG_BASES = {"numpy.log10": 10, "numpy.log2": 2}
EXP = frozenset({"numpy.exp"})
ARGMAX = frozenset({"numpy.argmax"})
ACOS = frozenset({"numpy.arccos", "numpy.arcsin"})
LOG1P = frozenset({"numpy.log1p"})
SUM = frozenset({"numpy.sum"})
MEAN = frozenset({"numpy.mean"})
NORM = frozenset({"numpy.linalg.norm"})
STD = frozenset({"numpy.std"})
#: NumPy functions giving an array's centre or spread along its rows
#: (``np.mean(X, axis=0)``): a standardisation with named statistics
CENTER_FUNCS = frozenset({"numpy.mean", "numpy.nanmean", "numpy.min", "numpy.amin"})
SPREAD_FUNCS = frozenset({"numpy.std", "numpy.nanstd", "numpy.var", "numpy.max", "numpy.amax"})
#: uniform draws in [0, 1): ``np.random.rand(n) < 0.8`` is a random mask of rows
UNIFORM_DRAWS = frozenset(
    {
        "numpy.random.rand",
        "numpy.random.random",
        "numpy.random.random_sample",
        "numpy.random.uniform",
    }
)
LOGICAL_NOT = frozenset({"numpy.logical_not"})
CLAMP = frozenset({"numpy.clip"})
MAXIMUM = frozenset({"numpy.maximum"})
FINFO = frozenset({"numpy.finfo"})
WHERE = frozenset({"numpy.where"})
NAN_TO_NUM = frozenset({"numpy.nan_to_num"})
#: what ``log(exp(a) + exp(b))`` becomes (LF204's message, as NumPy code spells it)
NUMPY_LOGADDEXP = "np.logaddexp"
INT_DTYPES = frozenset(f"numpy.{t}" for t in ("int32", "int64", "int16", "int8", "uint8"))
#: functions that keep what an array holds (pixels stay pixels, labels stay labels)
PRESERVING_FUNCS = frozenset(
    {
        "numpy.expand_dims",
        "numpy.reshape",
        "numpy.asarray",
        "numpy.array",
        "numpy.squeeze",
        "numpy.ravel",
        "numpy.transpose",
        # OpenCV's resize interpolates: the values keep their 0-255 scale
        "cv2.resize",
    }
)

#: functions joining arrays along their rows: raw pixels joined stay raw pixels
JOINING_FUNCS = frozenset({"numpy.concatenate", "numpy.vstack", "numpy.row_stack"})

# comparisons and reductions (metrics)
EQ_FUNCS = frozenset({"numpy.equal"})
ROUND_FUNCS = frozenset({"numpy.round", "numpy.around", "numpy.rint"})
THRESHOLD_FUNCS = frozenset({"numpy.greater", "numpy.greater_equal"})
#: elementwise membership tests: boolean arrays, whatever they test
MEMBERSHIP_FUNCS = frozenset({"numpy.isin", "numpy.in1d", "torch.isin"})
#: reductions that turn an elementwise comparison into an accuracy
REDUCE_FUNCS = frozenset({"numpy.mean", "numpy.sum", "numpy.count_nonzero", "numpy.average"})

# --- scikit-learn ---------------------------------------------------------------------

SKLEARN_PREFIX = "sklearn."
#: libraries of scikit-learn estimators: their ``*Classifier`` classes predict hard labels
SKLEARN_LIKE_PREFIXES = ("sklearn.", "imblearn.")
#: libraries whose models ``fit`` without gradients (no autograd graph)
CLASSIC_ML_PREFIXES = ("sklearn.", "cuml.", "xgboost.", "lightgbm.", "catboost.", "scipy.")
SCALERS = frozenset(
    f"sklearn.preprocessing.{n}"
    for n in (
        "StandardScaler",
        "MinMaxScaler",
        "MaxAbsScaler",
        "RobustScaler",
        "Normalizer",
        "QuantileTransformer",
        "PowerTransformer",
    )
)
SKLEARN_AUC = frozenset(
    {"sklearn.metrics.roc_auc_score", "sklearn.metrics.average_precision_score"}
)
SKLEARN_PRF = frozenset(
    f"sklearn.metrics.{n}"
    for n in (
        "precision_score",
        "recall_score",
        "f1_score",
        "fbeta_score",
        "precision_recall_fscore_support",
    )
)
SKLEARN_ACCURACY = frozenset(
    {"sklearn.metrics.accuracy_score", "sklearn.metrics.balanced_accuracy_score"}
)
#: classifiers (besides ``*Classifier``) whose ``predict`` gives hard labels
SKLEARN_CLASSIFIERS = frozenset(
    {
        "LogisticRegression",
        "LogisticRegressionCV",
        "SVC",
        "LinearSVC",
        "NuSVC",
        "GaussianNB",
        "MultinomialNB",
        "BernoulliNB",
        "ComplementNB",
        "LinearDiscriminantAnalysis",
        "QuadraticDiscriminantAnalysis",
        "Perceptron",
    }
)
#: scikit-learn-style classifiers of other libraries
THIRD_PARTY_CLASSIFIERS = frozenset(
    {"xgboost.XGBClassifier", "lightgbm.LGBMClassifier", "catboost.CatBoostClassifier"}
)

# --- more arrays, data sets and preprocessing -----------------------------------------

#: arrays built from a Python value: constant when that value is
#: sklearn pipelines: their ``predict`` is their last step's
SKLEARN_PIPELINES = frozenset({"sklearn.pipeline.Pipeline", "sklearn.pipeline.make_pipeline"})
#: stack the rows of several tables into one (``pd.concat([train, test])``)
ROW_CONCATS = frozenset({"pandas.concat", "numpy.concatenate", "numpy.vstack", "numpy.append"})
#: arrays filled with one value, their shape the first argument
FILLED_ARRAYS = frozenset(
    {
        "numpy.ones",
        "numpy.zeros",
        "numpy.full",
        "numpy.empty",
        "tensorflow.ones",
        "tensorflow.zeros",
    }
)
#: functions returning their first argument's rows, in order (columns changed)
ROW_KEEPING_FUNCS = frozenset({"pandas.get_dummies"})
#: arrays put side by side, or 1-D pieces end to end (``np.hstack``)
HSTACK = "numpy.hstack"
#: element-wise maps and rank transforms: each row stays a row (a stacked
#: train+test array mapped so is still the stacked array)
ELEMENTWISE_ROW_MAPS = frozenset(
    {"scipy.special.erfinv", "scipy.stats.rankdata", "scipy.stats.mstats.rankdata"}
    | {f"numpy.{n}" for n in ("log", "log1p", "sqrt", "exp", "abs", "clip")}
)
#: concatenations that put arrays side by side when ``axis`` names the columns
#: (``pd.concat([df, dummies], axis=1)``); ``column_stack`` always does
COLUMN_CONCATS = frozenset({"pandas.concat", "numpy.concatenate", "numpy.column_stack"})
ALWAYS_COLUMN_CONCATS = frozenset({"numpy.column_stack"})
#: DataFrame methods keeping the rows in place (columns changed), or dropping
#: rows only to clean them (``dropna``, ``drop_duplicates``)
FRAME_ROW_KEEPING_METHODS = frozenset(
    {
        "assign",
        "rename",
        "fillna",
        "replace",
        "round",
        "clip",
        "add_prefix",
        "add_suffix",
        "select_dtypes",
        "infer_objects",
        "convert_dtypes",
        "dropna",
        "drop_duplicates",
    }
)
#: methods (and attributes) only a pandas DataFrame/Series has: the object
#: they are read from is a frame, not a tensor
FRAME_ONLY_METHODS = frozenset(
    {
        "fillna",
        "dropna",
        "drop_duplicates",
        "iloc",
        "loc",
        "groupby",
        "reset_index",
        "set_index",
        "value_counts",
        "to_numpy",
        "sort_values",
        "isnull",
        "isna",
        "nunique",
        "describe",
        "to_csv",
    }
)
#: copies of an array (the same values)
ARRAY_COPIES = frozenset({"numpy.copy", "copy.copy", "copy.deepcopy"})
CONSTANT_TENSORS = frozenset({"numpy.array", "numpy.asarray"})
#: a grid of numbers fixed by constant arguments (a curve plotted over it)
CONSTANT_GRIDS = frozenset({"numpy.arange", "numpy.linspace", "numpy.logspace"})
FILLED_TENSORS = frozenset({"numpy.ones", "numpy.zeros", "numpy.ones_like", "numpy.zeros_like"})
FULL_TENSORS = frozenset({"numpy.full", "numpy.full_like"})
#: functions whose value is fixed when their arguments are (``softmax([0.5, 0.2])``
#: as a test's expected value)
PURE_ARRAY_FUNCS = frozenset(
    {
        "numpy.exp",
        "numpy.log",
        "numpy.tanh",
        "scipy.special.softmax",
        "scipy.special.log_softmax",
        "scipy.special.expit",
    }
)
#: NumPy powers and roots (a power of a positive constant is positive)
SCALAR_POWERS = frozenset({"numpy.square", "numpy.sqrt"})
#: calls that gather or convert predictions and keep what they hold (metrics)
COLLECT_FUNCS = frozenset(
    {
        "numpy.concatenate",
        "numpy.stack",
        "numpy.hstack",
        "numpy.vstack",
        "numpy.array",
        "numpy.asarray",
        "numpy.squeeze",
        "numpy.ravel",
    }
)
#: calls that keep the rows (and the statistics) of their first argument (LF601)
ARRAY_WRAPPERS = frozenset({"numpy.array", "numpy.asarray", "numpy.float32", "pandas.DataFrame"})
#: scalers whose ``fit`` learns statistics of the data set (``Normalizer`` scales
#: each sample on its own and learns nothing: not here)
#: scikit-learn transformers of columns, each column by its own transformer
COLUMN_TRANSFORMERS = frozenset(
    {"sklearn.compose.make_column_transformer", "sklearn.compose.ColumnTransformer"}
)
FIT_SCALERS = frozenset(
    {
        "sklearn.preprocessing.StandardScaler",
        "sklearn.preprocessing.MinMaxScaler",
        "sklearn.preprocessing.RobustScaler",
        "sklearn.preprocessing.MaxAbsScaler",
    }
)
#: transformers that learn no statistic of the rows (``PolynomialFeatures``
#: learns only the column count; ``Normalizer`` scales each row on its own):
#: their output holds the statistics their input holds
ROW_WISE_TRANSFORMERS = frozenset(
    {
        "sklearn.preprocessing.PolynomialFeatures",
        "sklearn.preprocessing.Normalizer",
        "sklearn.preprocessing.FunctionTransformer",
        "sklearn.preprocessing.Binarizer",
    }
)
#: scalers that centre and scale each column: refitted, they absorb any affine
#: map of the columns before them
CENTRING_SCALERS = frozenset(
    {
        "sklearn.preprocessing.StandardScaler",
        "sklearn.preprocessing.MinMaxScaler",
        "sklearn.preprocessing.RobustScaler",
    }
)
#: estimators whose predictions a per-feature affine map of the inputs leaves
#: unchanged (trees split each feature at a threshold; least squares with an
#: intercept absorbs a shift and a scale): by class name, in the libraries of
#: ``CLASSIC_ML_PREFIXES`` (``sklearn.ensemble.forest`` of old releases too)
SCALE_INVARIANT_ESTIMATORS = frozenset(
    {"DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier"}
    | {"ExtraTreeRegressor", "RandomForestClassifier", "RandomForestRegressor"}
    | {"ExtraTreesClassifier", "ExtraTreesRegressor", "GradientBoostingClassifier"}
    | {"GradientBoostingRegressor", "HistGradientBoostingClassifier"}
    | {"HistGradientBoostingRegressor", "XGBClassifier", "XGBRegressor", "LGBMClassifier"}
    | {"LGBMRegressor", "CatBoostClassifier", "CatBoostRegressor", "LinearRegression"}
)
#: functions that standardise an array with its own statistics (a scaler's
#: ``fit_transform`` in one call)
STANDARDISE_FUNCS = frozenset(
    {"scipy.stats.zscore", "scipy.stats.mstats.zscore"}
    | {f"sklearn.preprocessing.{n}" for n in ("scale", "minmax_scale", "robust_scale")}
    | {"sklearn.preprocessing.maxabs_scale"}
)
#: transformers fitted on the rows whose output keeps whatever statistics their
#: input already holds (PCA of a whole array standardised before the split)
LEAK_KEEPING_TRANSFORMERS = frozenset(
    f"sklearn.decomposition.{n}" for n in ("PCA", "TruncatedSVD", "KernelPCA", "FastICA")
)
TRAIN_TEST_SPLIT = frozenset(
    {"sklearn.model_selection.train_test_split", "sklearn.cross_validation.train_test_split"}
)
#: cross-validation splitters: ``splitter.split(X)`` yields each fold's
#: (train rows, test rows) as arrays of row numbers (LF601: an array scaled
#: whole, indexed with them, trains on rows scaled with the test fold's statistics)
CV_SPLITTERS = frozenset(
    f"sklearn.model_selection.{name}"
    for name in (
        "KFold",
        "StratifiedKFold",
        "GroupKFold",
        "StratifiedGroupKFold",
        "RepeatedKFold",
        "RepeatedStratifiedKFold",
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        "TimeSeriesSplit",
        "LeaveOneOut",
        "LeavePOut",
        "LeaveOneGroupOut",
        "LeavePGroupsOut",
        "PredefinedSplit",
    )
)
#: calls that return their arrays in one random order (LF602: a data set over
#: them is already a random permutation)
SHUFFLE_ARRAYS = frozenset({"sklearn.utils.shuffle"})
#: a random subset of a sequence, in a random order
RANDOM_SUBSETS = frozenset({"random.sample", "numpy.random.permutation", "torch.randperm"})
#: add an axis to an array (rows kept unless the new axis is the first)
EXPAND_DIMS = frozenset({"numpy.expand_dims"})
#: shuffle their one argument in place
SHUFFLE_IN_PLACE = frozenset({"random.shuffle", "numpy.random.shuffle"})
#: ``df.sample(frac=1)``: a pandas frame's rows in a random order
FRAME_SAMPLE_METHOD = "sample"
FRAME_SAMPLE_KEYWORDS = ("frac",)
#: calls that evaluate: metrics over predictions
SKLEARN_METRICS_PREFIX = "sklearn.metrics."
#: loaders of regression data: continuous targets
REGRESSION_DATA_LOADERS = frozenset(
    {
        "sklearn.datasets.fetch_california_housing",
        "sklearn.datasets.load_boston",
        "sklearn.datasets.load_diabetes",
        "sklearn.datasets.load_linnerud",
        "sklearn.datasets.make_regression",
        "sklearn.datasets.make_friedman1",
        "sklearn.datasets.make_friedman2",
        "sklearn.datasets.make_friedman3",
    }
)

# --- random integer draws: the class labels of synthetic data (LF414) -----------------
# each table maps a drawing function or method to the position of its
# ``size``/``shape`` argument (the rank of the labels drawn)

#: NumPy's legacy module-level draws of integers
NUMPY_RANDINT: dict[str, int] = {"numpy.random.randint": 2}
#: NumPy's generator constructors (``rng = np.random.default_rng(0)``)
NUMPY_GENERATORS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"}
)
#: methods of those generators that draw integers
GENERATOR_INTEGER_METHODS: dict[str, int] = {"integers": 2, "randint": 2}
#: the keyword that gives each draw's shape
SIZE_KEYWORDS = frozenset({"size", "shape"})
#: ``.astype("int32")``: dtype strings of integers
INT_DTYPE_STRINGS = frozenset(
    {"int", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "long"}
)

#: draws that pick items or numbers at random (a data set sampling its items)
RANDOM_PICKS = frozenset(
    {
        "numpy.random.choice",
        "random.choice",
        "random.randint",
        "random.sample",
        "random.random",
        "random.uniform",
    }
)
