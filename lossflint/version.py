"""lossflint's version: a leaf module, so that any part of the tool (the result
cache key, SARIF output, the LSP's ``serverInfo``) can read it without loading
the package's API. The build reads it too (``pyproject.toml``)."""

__version__ = "0.1.0"
