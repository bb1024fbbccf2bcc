"""Random edits of a text, as the language-server tests apply them: a
strategy of edits and the function that applies one (shared by the reparse,
shared-walk and subtree-memo tests)."""

from __future__ import annotations

from hypothesis import strategies as st

#: one edit: where (any int, taken modulo the text's length), how many
#: characters to delete, what to insert, whether to move to the line's start
Edit = tuple[int, int, str, bool]


def edits(pieces: list[str], max_size: int) -> st.SearchStrategy[list[Edit]]:
    return st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**6),
            st.integers(min_value=0, max_value=4),
            st.sampled_from(pieces),
            st.booleans(),
        ),
        min_size=1,
        max_size=max_size,
    )


def apply_edit(text: str, where: int, delete: int, insert: str, at_line_start: bool) -> str:
    where = where % (len(text) + 1)
    if at_line_start:
        where = text.rfind("\n", 0, where) + 1
    return text[:where] + insert + text[where + delete :]
