"""LF2xx: hand-written numerics where NaNs are born.

Logarithms of values that can be 0 (LF201-LF203), ``exp`` that overflows
(LF204), square roots and divisions whose gradient or value is infinite at 0
(LF205, LF206), ``acos`` of a cosine past ±1 (LF207), eps values float16
rounds to 0 (LF208) and a zero tensor allocated for a hinge (LF209). Shared
shapes live in ``common.py``, the fix builders in ``fixes.py``; finding the
log calls is ``lossflint.analysis.log_calls``.
"""
