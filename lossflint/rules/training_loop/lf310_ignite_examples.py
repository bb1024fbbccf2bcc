"""LF310 examples of ignite's event handlers (audit s37: reid-strong-baseline
steps its warm-up schedule in an ``Events.EPOCH_STARTED`` handler); kept
apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.training_loop.lf310_method_examples import METHOD_INVALID, METHOD_VALID

#: an engine whose process function steps the optimiser, and a handler
_ENGINE = """
import torch
from ignite.engine import Engine, Events, create_supervised_evaluator

def create_trainer(model, optimizer):
    def _update(engine, batch):
        model.train()
        optimizer.zero_grad()
        x, y = batch
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()
    return Engine(_update)

def do_train(model, optimizer, loader):
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[40, 70])
    trainer = create_trainer(model, optimizer)
    evaluator = create_supervised_evaluator(model)
{handler}
    trainer.run(loader, max_epochs=120)
"""

IGNITE_INVALID = [
    *METHOD_INVALID,
    Invalid(
        _ENGINE.format(
            handler="    @trainer.on(Events.EPOCH_STARTED)\n"
            "    def adjust_learning_rate(engine):\n"
            "        scheduler.step()  # error: LF310"
        )
    ),
    Invalid(
        _ENGINE.format(
            handler="    def adjust_learning_rate(engine):\n"
            "        scheduler.step()  # error: LF310\n"
            "    trainer.add_event_handler(Events.STARTED, adjust_learning_rate)"
        )
    ),
]

IGNITE_INVALID.append(
    # ignite's own supervised trainer steps the optimiser every iteration
    Invalid(
        """
        import torch
        from ignite.engine import Events, create_supervised_trainer

        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
        trainer = create_supervised_trainer(model, optimizer, torch.nn.CrossEntropyLoss())
        trainer.add_event_handler(Events.EPOCH_STARTED, lambda engine: None)

        @trainer.on(Events.EPOCH_STARTED)
        def adjust(engine):
            scheduler.step()  # error: LF310
        """
    )
)

IGNITE_VALID = [
    *METHOD_VALID,
    # after the epoch's iterations
    _ENGINE.format(
        handler="    @trainer.on(Events.EPOCH_COMPLETED)\n"
        "    def adjust_learning_rate(engine):\n"
        "        scheduler.step()"
    ),
    # from the second epoch on: the optimiser has stepped by then
    _ENGINE.format(
        handler="    @trainer.on(Events.EPOCH_STARTED(every=2))\n"
        "    def adjust_learning_rate(engine):\n"
        "        scheduler.step()\n"
        "    @trainer.on(Events.EPOCH_STARTED)\n"
        "    def warm(engine):\n"
        "        if engine.state.epoch > 1:\n"
        "            scheduler.step()"
    ),
    # ReduceLROnPlateau stepped with a metric at the start of an epoch
    _ENGINE.format(
        handler="    @trainer.on(Events.EPOCH_STARTED)\n"
        "    def adjust_learning_rate(engine):\n"
        "        scheduler.step(engine.state.metrics.get('loss', 0.0))"
    ),
    # an evaluator's handler: no optimiser step there
    _ENGINE.format(
        handler="    @evaluator.on(Events.EPOCH_STARTED)\n"
        "    def adjust_learning_rate(engine):\n"
        "        scheduler.step()"
    ),
]
