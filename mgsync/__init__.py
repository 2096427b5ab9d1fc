"""mgsync: Mailgun configuration as code (plan / apply / import)."""

__version__ = "0.1.0"
