"""lambdalint: a static configuration linter for AWS Lambda wiring."""

__version__ = "0.1.0"
