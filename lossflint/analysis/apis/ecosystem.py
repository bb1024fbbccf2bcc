"""Names of the training libraries around PyTorch: Lightning, Accelerate,
transformers, DeepSpeed, ignite."""

from __future__ import annotations

#: optimisers outside ``torch.optim`` → (framework, class name, LF307 family)
TRANSFORMERS_OPTIMIZERS: dict[str, tuple[str, str, str]] = {
    "transformers.AdamW": ("torch", "AdamW", "adaptive"),
    "transformers.optimization.AdamW": ("torch", "AdamW", "adaptive"),
}
SCHEDULER_FUNCTIONS = frozenset(
    {
        "transformers.get_scheduler",
        "transformers.get_linear_schedule_with_warmup",
        "transformers.get_cosine_schedule_with_warmup",
        "transformers.get_constant_schedule_with_warmup",
        "transformers.get_polynomial_decay_schedule_with_warmup",
        "transformers.optimization.get_linear_schedule_with_warmup",
        "transformers.optimization.get_cosine_schedule_with_warmup",
        "transformers.optimization.get_scheduler",
    }
)
#: methods of trainer objects that clip (Accelerate / Lightning / FSDP)
CLIP_METHODS = frozenset({"clip_grad_norm_", "clip_grad_value_", "clip_gradients"})

#: Lightning trainers: ``fit(model, train_dataloaders)`` trains on the loader
LIGHTNING_TRAINERS = frozenset(
    {
        "pytorch_lightning.Trainer",
        "pytorch_lightning.trainer.Trainer",
        "lightning.Trainer",
        "lightning.pytorch.Trainer",
    }
)
#: ``Trainer(precision=...)`` values that run the steps under autocast
LIGHTNING_AUTOCAST_PRECISIONS = frozenset({16, "16", "16-mixed", "bf16", "bf16-mixed"})
#: the Lightning hooks such a trainer runs under autocast
LIGHTNING_AUTOCAST_HOOKS = frozenset(
    {"training_step", "validation_step", "test_step", "predict_step", "forward"}
)
#: the ``fit`` arguments that hold the training loader (position after the model)
LIGHTNING_TRAIN_LOADER_KEYWORDS = ("train_dataloaders", "train_dataloader")
#: hooks a LightningDataModule runs before its ``*_dataloader`` hooks: the
#: attributes they set are as their body leaves them
LIGHTNING_SETUP_HOOKS = frozenset({"setup", "prepare_data"})

#: Accelerate's accelerator: its methods hand back what they are given
#: (``model, loader = accelerator.prepare(model, loader)``)
ACCELERATORS = frozenset({"accelerate.Accelerator", "accelerate.accelerator.Accelerator"})
#: method → "each" (one result per argument, a tuple for several) or "first"
ACCELERATOR_PASS_THROUGH = {
    "prepare": "each",
    "prepare_model": "first",
    "prepare_optimizer": "first",
    "prepare_data_loader": "first",
    "prepare_scheduler": "first",
    "gather_for_metrics": "first",
    "gather": "first",
    "reduce": "first",
    "unwrap_model": "first",
    "pad_across_processes": "first",
}

#: Opacus's privacy engine: ``make_private(module=model, optimizer=opt,
#: data_loader=loader, ...)`` gives back the same three, the model wrapped in a
#: ``GradSampleModule`` (calls run its forward), the optimiser in a DP one
PRIVACY_ENGINES = frozenset({"opacus.PrivacyEngine", "opacus.privacy_engine.PrivacyEngine"})
#: method → the keywords (in the order of the tuple it returns)
PRIVACY_ENGINE_PASS_THROUGH = {
    "make_private": ("module", "optimizer", "data_loader"),
    "make_private_with_epsilon": ("module", "optimizer", "data_loader"),
}

#: ignite's engine: ``Engine(process_function)`` runs the function once per batch,
#: and nothing else in ignite clears the gradients
IGNITE_ENGINES = frozenset({"ignite.engine.Engine", "ignite.engine.engine.Engine"})
#: MONAI's trainer engine: ``SupervisedTrainer(device, max_epochs,
#: train_data_loader, network, optimizer, loss_function)`` steps the optimiser
#: on every batch of its loader
MONAI_SUPERVISED_TRAINERS = frozenset(
    {"monai.engines.SupervisedTrainer", "monai.engines.trainer.SupervisedTrainer"}
)
MONAI_TRAIN_LOADER_POSITION = 2
#: Gaussian-process libraries whose models hold a few kernel hyperparameters
GAUSSIAN_PROCESS_ROOTS = ("gpytorch.",)
#: ignite's trainer whose own process function steps the optimiser every iteration
IGNITE_SUPERVISED_TRAINERS = frozenset({"ignite.engine.create_supervised_trainer"})
#: ignite events fired before an epoch's first iteration (``Events.EPOCH_STARTED``)
IGNITE_EARLY_EVENTS = frozenset(
    f"ignite.engine.{module}Events.{event}"
    for module in ("", "events.")
    for event in ("EPOCH_STARTED", "STARTED")
)

#: Hugging Face trainers that hand ``compute_metrics`` an ``EvalPrediction``
#: whose ``predictions`` are the model's logits (``transformers.Trainer`` and
#: the libraries' subclasses of it), by their roots and class names
HF_TRAINERS = frozenset(
    {
        "transformers.Trainer",
        "transformers.trainer.Trainer",
        "trl.SFTTrainer",
        "trl.trainer.SFTTrainer",
        "trl.trainer.sft_trainer.SFTTrainer",
    }
)
HF_METRICS_KEYWORD = "compute_metrics"
#: Hugging Face trainers whose ``compute_loss(self, model, inputs, ...)`` a
#: subclass overrides: ``model`` is the model being trained, ``inputs`` the
#: batch (a dict; its labels under ``"labels"``), by the trainer's contract
HF_LOSS_TRAINERS = HF_TRAINERS | frozenset(
    {
        "transformers.Seq2SeqTrainer",
        "transformers.trainer_seq2seq.Seq2SeqTrainer",
        "trl.SFTTrainer",
        "trl.RewardTrainer",
        "trl.trainer.RewardTrainer",
    }
)
HF_COMPUTE_LOSS = "compute_loss"
#: the key a Hugging Face batch keeps its labels under
HF_LABELS_KEY = "labels"
#: what an HF model output holds its scores under (``outputs.logits``)
HF_LOGITS_FIELD = "logits"
#: what makes the predictions something else: a hook that may argmax them,
#: generation (token ids), a trainer class that generates
HF_PREDICTIONS_CHANGED_BY = ("preprocess_logits_for_metrics", "predict_with_generate")
HF_GENERATING_TRAINERS = ("Seq2SeqTrainer",)
#: methods of a trainer subclass that may change what ``compute_metrics`` gets
HF_PREDICTION_METHODS = ("prediction_step", "evaluation_loop", "evaluate", "predict")

#: words in a file's text that may take a gradient or train (any framework):
#: a project file without any of them trains nothing
TRAINING_TEXT_MARKERS = (
    "backward(",
    "step(",
    "minimize(",
    "apply_gradients(",
    "fit(",
    "fit_generator(",
    "train_on_batch(",
    "GradientTape",
    "gradients(",
    "autograd",
    "grad(",
    "Trainer",
    "trainer",
    "training_step",
    "compute_loss",
    "optim.",
    "optimizer",
    "Optimizer",
    "Estimator",
    "estimator",
    "get_updates",
    "train_model(",
    "fine_tune(",
    "optax",
)
#: text that holds a marker above without training: gradients switched off,
#: the profiler (EDM's ``torch_utils/misc.py``, audit s164)
NOT_TRAINING_TEXT = ("no_grad(", "enable_grad(", "autograd.profiler")
#: a Hugging Face model's loader, and the keywords giving its weights' dtype
PRETRAINED_LOADERS = frozenset({"from_pretrained"})
PRETRAINED_DTYPE_KEYWORDS = ("torch_dtype", "dtype")
#: libraries that wrap a loaded model in trainable adapters of their own dtype
ADAPTER_LIBRARIES = ("peft.",)

#: attribute-style settings objects a config module fills at import time
#: (``__C = EasyDict(); __C.LR = 1e-5``; py-faster-rcnn and yacs configs)
CONFIG_NAMESPACES = frozenset(
    {
        "easydict.EasyDict",
        "yacs.config.CfgNode",
        "ml_collections.ConfigDict",
        "ml_collections.config_dict.ConfigDict",
        "types.SimpleNamespace",
    }
)
