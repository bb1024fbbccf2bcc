"""LF9xx: findings about the linter itself (emitted by the linter, not by check)."""
