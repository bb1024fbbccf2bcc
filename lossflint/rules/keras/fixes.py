"""The libcst rewrites behind the LF4xx fixes."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from lossflint.rules.cst_edits import with_keyword


def set_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """``call`` with ``name=value`` (replaced, or appended)."""
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            args = list(call.args)
            args[index] = arg.with_changes(value=cst.Name(value))
            return call.with_changes(args=args)
    return with_keyword(call, name, cst.Name(value))


def name_arguments(call: cst.Call, args: Sequence[cst.Arg], names: Sequence[str]) -> cst.Call:
    """``call`` with ``args`` passed as ``names[i]=args[i]``; its other
    arguments (``name=``, ``axis=``) kept where they are."""
    renamed = {id(arg): name for arg, name in zip(args, names, strict=True)}
    return call.with_changes(
        args=[
            arg.with_changes(
                keyword=cst.Name(renamed[id(arg)]),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
            if id(arg) in renamed
            else arg
            for arg in call.args
        ]
    )


def swap_values(call: cst.Call, first: cst.Arg, second: cst.Arg) -> cst.Call:
    """``call`` with the values of its arguments ``first`` and ``second`` exchanged."""
    return call.with_changes(
        args=[
            arg.with_changes(value=second.value)
            if arg is first
            else arg.with_changes(value=first.value)
            if arg is second
            else arg
            for arg in call.args
        ]
    )
