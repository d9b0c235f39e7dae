"""lambdalint's rules inside cfn-lint (and so inside cfn-lint's editor integrations).

Use either form (lambdalint must be installed in the environment cfn-lint runs in)::

    cfn-lint --append-rules lambdalint.cfnlint_plugin template.yaml
    cfn-lint --append-rules "$(lambdalint cfn-lint-plugin-path)" template.yaml

or, for every run and for editors, in ``.cfnlintrc``::

    append_rules:
      - lambdalint.cfnlint_plugin

cfn-lint loads a module path by importing it and instantiating the ``CloudFormationLintRule``
subclasses it holds (this package's namespace), and a directory by importing each of its
``[A-Za-z1-9]*.py`` files on its own (``lambdalint_rules.py``, which imports the same classes).
The rule ids are ``E9nnn`` / ``W9nnn`` / ``I9nnn`` for lambdalint's ``LLnnn``; see ``_impl``.
"""

from lambdalint.cfnlint_plugin._impl import rule_classes

globals().update(rule_classes())
