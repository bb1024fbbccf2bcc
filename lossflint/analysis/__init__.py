"""The semantic model: the only part of lossflint that knows framework APIs."""
