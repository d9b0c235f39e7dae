"""The file cfn-lint loads from this directory (``--append-rules DIR`` imports every
``[A-Za-z1-9]*.py`` file in it as a standalone module): lambdalint's rules as cfn-lint rules."""

from lambdalint.cfnlint_plugin._impl import rule_classes

globals().update(rule_classes())
