"""The parts of ``lossflint server`` (:mod:`lossflint.server`): what a document
is, when it is linted and where, and the code actions."""
