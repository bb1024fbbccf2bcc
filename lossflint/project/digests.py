"""What a computation used of one module, as the string its deps record.

A lint or a summary may use, of another module, its whole summary, its
exports (names and literal constants, from the syntax alone) and the
summaries of some of its items (:mod:`lossflint.project.items`); each is
checked again, by hash, before a cached result built on them is served.

Forms (the first three were the only ones before item summaries; they are
still written when no item was used):

- ``<summary hash>``
- ``x:<exports hash>``
- ``b:<summary hash>:<exports hash>``
- ``u:s=<summary hash>;x=<exports hash>;i.<item>=<item summary hash>;...;p=<hash>``
  (each part optional, items sorted; ``p``: the hash of the module's call
  records with its parameters pinned by its own callers, ``store.pinned_calls``)
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: how a computation's deps tell "used this module's exports" from "used its summary"
EXPORTS_DIGEST = "x:"
#: used both: ``b:<summary hash>:<exports hash>`` (a constant, which no summary
#: holds, and the summary)
BOTH_DIGEST = "b:"
#: any combination, with item summaries
USES_DIGEST = "u:"

_HEX = frozenset("0123456789abcdef")
#: between a module's path and an item's name in the store's keys of item summaries
ITEM_SEPARATOR = "::"


def item_key(rel: str, item: str) -> str:
    return f"{rel}{ITEM_SEPARATOR}{item}"


@dataclass
class Uses:
    #: the whole summary's hash ("" when not used, or read while being computed)
    summary: str = ""
    #: the exports' hash ("" when not used)
    exports: str = ""
    #: item → its summary's hash
    items: dict[str, str] = field(default_factory=dict)
    #: the hash of its pinned call records ("" when not used)
    pinned: str = ""

    def render(self) -> str:
        if self.items or self.pinned:
            parts = [f"s={self.summary}"] if self.summary else []
            if self.exports:
                parts.append(f"x={self.exports}")
            parts.extend(f"i.{item}={digest}" for item, digest in sorted(self.items.items()))
            if self.pinned:
                parts.append(f"p={self.pinned}")
            return USES_DIGEST + ";".join(parts)
        if self.summary and self.exports:
            return f"{BOTH_DIGEST}{self.summary}:{self.exports}"
        if self.exports:
            return EXPORTS_DIGEST + self.exports
        return self.summary


def parse(digest: str) -> Uses | None:
    """The parts of ``digest``; None when it is not one of the forms."""
    if digest.startswith(USES_DIGEST):
        out = Uses()
        for part in digest[len(USES_DIGEST) :].split(";"):
            key, sep, value = part.partition("=")
            if not sep or not _is_hash(value):
                return None
            if key == "s":
                out.summary = value
            elif key == "x":
                out.exports = value
            elif key.startswith("i.") and all(p.isidentifier() for p in key[2:].split(".")):
                out.items[key[2:]] = value
            elif key == "p":
                out.pinned = value
            else:
                return None
        return out if out.summary or out.exports or out.items or out.pinned else None
    if digest.startswith(BOTH_DIGEST):
        summary, _, exports = digest[len(BOTH_DIGEST) :].partition(":")
        ok = _is_hash(summary) and _is_hash(exports)
        return Uses(summary, exports) if ok else None
    if digest.startswith(EXPORTS_DIGEST):
        exports = digest[len(EXPORTS_DIGEST) :]
        return Uses(exports=exports) if _is_hash(exports) else None
    return Uses(summary=digest) if _is_hash(digest) else None


def only_exports(digest: str) -> bool:
    """Whether ``digest`` records the exports and nothing else (exports come
    from the bytes alone: they never move while a cycle settles)."""
    return digest.startswith(EXPORTS_DIGEST)


def _is_hash(value: str) -> bool:
    return len(value) == 64 and set(value) <= _HEX
