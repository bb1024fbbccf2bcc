"""Framework names the data and evaluation facts read (LF6xx; to be merged into
the framework modules)."""

from __future__ import annotations

# --- loaders and data sets (LF602) -------------------------------------------------------

DATA_LOADERS = frozenset(
    {
        "torch.utils.data.DataLoader",
        "torch.utils.data.dataloader.DataLoader",
    }
)
#: where ``DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, ...)``
#: takes its arguments
LOADER_SHUFFLE_POSITION = 2
LOADER_SAMPLER_POSITION = 3
LOADER_BATCH_SAMPLER_POSITION = 4

#: data sets that are map-style (indexable, in a fixed order)
MAP_DATASETS = frozenset(
    {
        "torch.utils.data.TensorDataset",
        "torch.utils.data.dataset.TensorDataset",
    }
)
#: every data set class under these prefixes is map-style
MAP_DATASET_PREFIXES = ("torchvision.datasets.",)
RANDOM_SPLIT = "torch.utils.data.random_split"
#: torchvision data sets that are iterable (streamed)
ITERABLE_TORCHVISION = frozenset({"torchvision.datasets.Kinetics"})
#: base classes of map-style / iterable user data sets
MAP_DATASET_BASES = frozenset({"torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset"})
ITERABLE_DATASET_BASES = frozenset(
    {
        "torch.utils.data.IterableDataset",
        "torch.utils.data.dataset.IterableDataset",
        "torch.utils.data.IterDataPipe",
        "torchdata.datapipes.iter.IterDataPipe",
    }
)

#: calls that iterate their first argument element by element
ITERATION_WRAPPERS = frozenset(
    {
        "builtins.enumerate",
        "builtins.iter",
        "tqdm.tqdm",
        "tqdm.auto.tqdm",
        "tqdm.notebook.tqdm",
        "tqdm.tqdm_notebook",
    }
)
NEXT = "builtins.next"

#: Lightning trainers: ``fit(model, train_dataloaders)`` trains on the loader
LIGHTNING_TRAINERS = frozenset(
    {
        "pytorch_lightning.Trainer",
        "pytorch_lightning.trainer.Trainer",
        "lightning.Trainer",
        "lightning.pytorch.Trainer",
    }
)
#: the ``fit`` arguments that hold the training loader (position after the model)
LIGHTNING_TRAIN_LOADER_KEYWORDS = ("train_dataloaders", "train_dataloader")

# --- preprocessing fitted before the split (LF601) -----------------------------------------

#: scalers whose ``fit`` learns statistics of the data set (``Normalizer`` scales
#: each sample on its own and learns nothing: not here)
FIT_SCALERS = frozenset(
    {
        "sklearn.preprocessing.StandardScaler",
        "sklearn.preprocessing.MinMaxScaler",
        "sklearn.preprocessing.RobustScaler",
        "sklearn.preprocessing.MaxAbsScaler",
    }
)
KERAS_NORMALIZATION = frozenset(
    {"keras.layers.Normalization", "keras.layers.experimental.preprocessing.Normalization"}
)
TRAIN_TEST_SPLIT = frozenset(
    {"sklearn.model_selection.train_test_split", "sklearn.cross_validation.train_test_split"}
)
#: calls that keep the rows (and the statistics) of their first argument
ARRAY_WRAPPERS = frozenset(
    {
        "numpy.array",
        "numpy.asarray",
        "numpy.float32",
        "pandas.DataFrame",
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
        "torch.FloatTensor",
    }
)
#: methods that keep the rows of an array
ROW_KEEPING_METHODS = frozenset({"reshape", "astype", "copy", "to_numpy", "values", "float"})
#: reductions of an array whose use in ``(x - mean) / std`` is a standardisation
MEAN_METHODS = frozenset({"mean"})
SPREAD_METHODS = frozenset({"std", "var", "max"})

# --- layers that behave differently in eval mode (LF603) -----------------------------------

MODE_DEPENDENT_LAYERS = frozenset(
    {
        "torch.nn.Dropout",
        "torch.nn.Dropout1d",
        "torch.nn.Dropout2d",
        "torch.nn.Dropout3d",
        "torch.nn.AlphaDropout",
        "torch.nn.FeatureAlphaDropout",
        "torch.nn.BatchNorm1d",
        "torch.nn.BatchNorm2d",
        "torch.nn.BatchNorm3d",
        "torch.nn.SyncBatchNorm",
        "torch.nn.LazyBatchNorm1d",
        "torch.nn.LazyBatchNorm2d",
        "torch.nn.LazyBatchNorm3d",
    }
)
TORCH_DROPOUT_LAYERS = frozenset(n for n in MODE_DEPENDENT_LAYERS if "Dropout" in n)
#: what a module holds when it is built from these: a container of its arguments
MODULE_CONTAINERS = frozenset({"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"})
#: Python's built-ins (``print(model)`` does not switch its mode)
BUILTINS_PREFIX = "builtins."
TORCH_MODULE_BASES = frozenset({"torch.nn.Module"})
#: calls that evaluate: metrics over predictions
SKLEARN_METRICS_PREFIX = "sklearn.metrics."

# --- losses whose argument order matters (LF604) -------------------------------------------

#: PyTorch losses ``(input, target)`` where swapping changes what is computed
ORDERED_TORCH_LOSSES = frozenset(
    {
        "torch.nn.functional.cross_entropy",
        "torch.nn.functional.nll_loss",
        "torch.nn.functional.binary_cross_entropy",
        "torch.nn.functional.binary_cross_entropy_with_logits",
        "torch.nn.functional.multilabel_soft_margin_loss",
        "torch.nn.functional.multi_margin_loss",
    }
)
