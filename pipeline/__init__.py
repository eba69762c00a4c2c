"""edu-audit: read, extract and re-check compulsory-education self-assessment reports."""

__version__ = "0.1.0"
