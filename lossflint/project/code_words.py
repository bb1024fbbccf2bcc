"""How often a Python file names a word in its code, not in its comments or
prose strings.

Whether a project function is used other than called (passed on, aliased) is
decided by counting the words of a file against the calls its summary lists:
a mention the summary does not explain makes the callers opaque. A comment
(``# same as init_normc_(w)``) or a docstring naming the function explains
nothing and must not change what a rule says about the function. A string that
is exactly the name (``getattr(losses, "nll")``, ``__all__``) and f-strings
(their ``{...}`` is code) still count, unless compared with ``==``/``!=``
(``decoder_type == "attention"`` tests a value) or listed as an argparse flag's
``choices=[...]`` in a module that looks no name up (thuml/CDAN's
``choices=['CDAN', 'CDAN-E', 'DANN']``, audit s155).
"""

from __future__ import annotations

import functools
import re

_TOKENS = re.compile(
    r"""(?P<comment>\#[^\n]*)"""
    r"""|(?P<prefix>[rRbBuUfF]{0,2})(?P<string>'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\""""
    r"""|'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*")""",
    re.S,
)
_IDENTIFIER = re.compile(r"""(['"])[A-Za-z_]\w*\1""")
#: a name-like string compared with ``==``/``!=`` (``decoder_type == 'attention'``):
#: a value tested, never a reference to a function
_COMPARED = re.compile(
    r"""(?P<op>[=!]=)[ \t]*(['"])[A-Za-z_]\w*\2|(['"])[A-Za-z_]\w*\3(?=[ \t]*[=!]=)"""
)


#: an argparse ``choices=[...]`` list of literals: values a flag may take
#: (``choices=['CDAN', 'DANN']``), names of nothing unless the module looks
#: names up (``getattr(losses, args.method)``)
_CHOICES = re.compile(r"""\bchoices[ \t]*=[ \t]*[\[(][^\[\]()]*[\])]""")
_QUOTED_IDENTIFIER = re.compile(r"""(['"])[A-Za-z_]\w*\1""")
#: a name looked up at run time (not ``model.eval()``, a method)
_LOOKUPS = re.compile(r"(?<![\w.])(?:getattr|globals|locals|vars|eval)[ \t]*\(|__dict__")


def _choices(match: re.Match[str]) -> str:
    return _QUOTED_IDENTIFIER.sub('""', match.group(0))


def _compared(match: re.Match[str]) -> str:
    return f'{match.group("op")} ""' if match.group("op") else '""'


def _kept(match: re.Match[str]) -> str:
    if match.group("comment") is not None:
        return ""
    if "f" in match.group("prefix").lower() or _IDENTIFIER.fullmatch(match.group("string")):
        return match.group(0)
    return '""'


@functools.lru_cache(maxsize=64)
def code_text(text: str) -> str:
    """``text`` without comments and with prose strings emptied."""
    if "#" not in text and "'" not in text and '"' not in text:
        return text
    if "==" in text or "!=" in text:
        text = _COMPARED.sub(_compared, text)
    if "choices" in text and not _LOOKUPS.search(text):
        text = _CHOICES.sub(_choices, text)
    return _TOKENS.sub(_kept, text)


def code_words(text: str, name: str) -> int:
    """How often ``name`` is a word of ``text``'s code."""
    if name not in text:
        return 0
    return len(re.findall(rf"\b{re.escape(name)}\b", code_text(text)))
