"""Customer Contact Manager: change and announcement notifications for many customer organizations."""

__version__ = "1.0.0"
