"""Skip files that cannot contain a finding, before parsing them.

Parsing with libcst is the largest cost of a run, and most files of a big
repository (``setup.py``, utilities, I/O code) never mention a loss, an
optimiser or a framework. A file is skipped only when *all* of these hold:

- every enabled rule declares ``needs`` (words a file must mention for the
  rule to possibly fire) and none of those words occurs in the text; a rule
  with an empty ``needs`` means "always run" and switches the filter off;
- the text mentions none of :data:`FRAMEWORK_WORDS`, a safety net for rules
  whose ``needs`` is too narrow;
- with LF901 (unused-noqa) enabled, the text has no ``noqa`` comment.

Words are matched as case-sensitive substrings of the decoded text (``"log"``
matches ``logits`` and ``torch.log``), which can only keep more files, never
fewer. Substring search is done in C by ``str.__contains__``; the word list is
reduced first so that a word containing another listed word is not searched.

A skipped file is not analysed, but its syntax is still checked (LF900 stays
reliable): see :func:`syntax_ok` and ``docs/performance.md``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lossflint.linter import RuleSet

#: mentioned by (nearly) every file a rule could fire on: imports of the
#: frameworks, and the vocabulary of training code even when the framework
#: objects arrive as parameters (``loss.backward()``, ``optimizer.step()``)
FRAMEWORK_WORDS: tuple[str, ...] = (
    "torch",
    "tensorflow",
    "keras",
    "Keras",
    "jax",
    "flax",
    "sklearn",
    "optim",
    "Optim",
    "loss",
    "Loss",
    "backward",
    "grad",
    "softmax",
    "Softmax",
    "sigmoid",
    "Sigmoid",
    "logit",
)


def reduce_words(words: Iterable[str]) -> tuple[str, ...]:
    """Drop every word that contains another word of the set (if the longer
    one occurs, so does the shorter); shortest first, as short words hit most."""
    unique = sorted({w for w in words if w}, key=lambda w: (len(w), w))
    kept: list[str] = []
    for word in unique:
        if not any(shorter in word for shorter in kept):
            kept.append(word)
    return tuple(kept)


class Prefilter:
    """Decides, from the text alone, whether a file must be analysed."""

    def __init__(self, ruleset: RuleSet) -> None:
        words: set[str] = set(FRAMEWORK_WORDS)
        #: False when some enabled rule declares no ``needs``: nothing is skipped
        self.active = True
        for rule in ruleset.rules:
            if not rule.needs:
                self.active = False
            words.update(rule.needs)
        if ruleset.report_unused_noqa:
            words.add("noqa")
        self.words = reduce_words(words)
        #: files skipped so far (an observable for tests and benchmarks)
        self.skipped = 0

    def must_lint(self, text: str) -> bool:
        """True unless the file provably cannot produce a rule finding."""
        if not self.active:
            return True
        for word in self.words:
            if word in text:
                return True
        return False

    def skips(self, text: str, filename: str) -> bool:
        """True when the file need not be analysed: nothing can fire and
        CPython compiles it (so there is no LF900 to report either)."""
        if self.must_lint(text) or not syntax_ok(text, filename):
            return False
        self.skipped += 1
        return True


def syntax_ok(text: str, filename: str) -> bool:
    """Whether CPython compiles ``text``.

    Used on skipped files so that LF900 is reported for them as well.
    Compiling to bytecode measured faster than ``PyCF_ONLY_AST`` (which builds
    Python AST objects) and about 15x faster than libcst's parse. A
    ``False`` only means "lint it fully": libcst then decides, so a file that
    this interpreter rejects but libcst accepts (newer syntax) is not reported.
    """
    try:
        with warnings.catch_warnings():
            # invalid escape sequences etc. are not our business here
            warnings.simplefilter("ignore")
            compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True
