"""Emails an operator sends by hand from the CLI, through the parts the backend mails with."""
