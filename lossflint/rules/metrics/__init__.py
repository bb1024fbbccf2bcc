"""LF5xx: metrics computed on the wrong kind of values."""
