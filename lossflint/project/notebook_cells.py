"""A notebook's code cells read from its JSON alone.

What the project side wants of a notebook it does not lint (does a cell name
a function, edit ``sys.path``?) is its text: read here, without
``lossflint.notebook``, which imports the linter, which imports the project
package.
"""

from __future__ import annotations

import json


def code_cells(data: bytes) -> list[str] | None:
    """The sources of the notebook's code cells in order; None when the
    JSON cannot be read."""
    try:
        nb = json.loads(data)
    except (ValueError, RecursionError):
        return None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return None
    out: list[str] = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            out.append("".join(source) if isinstance(source, list) else str(source))
    return out
