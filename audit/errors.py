"""Errors raised by the domain code; only the CLI turns them into messages."""


class AuditError(Exception):
    """A run failed for a reason the user can fix; the CLI exits with status 1."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix


class UsageError(AuditError):
    """The command line or configuration is wrong; the CLI exits with status 2."""


class InputFileError(AuditError):
    """An input file cannot be read at all (format, encoding, size)."""


class MissingColumnError(AuditError):
    """An input lacks a required column."""


class ConfigError(UsageError):
    """The configuration file is invalid."""


class RuleError(AuditError):
    """A rule file is malformed or its SQL fails in DuckDB."""


class TemplateError(AuditError):
    """A workbook template lacks a sheet, table or defined name the tool fills."""
