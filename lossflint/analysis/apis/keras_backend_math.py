"""The Keras backend's (and ``keras.ops``') spellings of log, exp, sum and mean
(``K.log(K.sum(K.exp(x)))``), read by LF204's naive-form search only. Kept
apart from ``keras.py`` while another helper works there; to be joined into
``apis.LOG``/``EXP``/``SUM``/``MEAN`` once the other LF2xx rules are checked
against Keras-backend code."""

KERAS_BACKEND_LOG = frozenset({"keras.backend.log", "keras.ops.log"})
KERAS_BACKEND_EXP = frozenset({"keras.backend.exp", "keras.ops.exp"})
KERAS_BACKEND_SUM = frozenset({"keras.backend.sum", "keras.ops.sum"})
KERAS_BACKEND_MEAN = frozenset({"keras.backend.mean", "keras.ops.mean"})
