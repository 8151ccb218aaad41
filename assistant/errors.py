"""Errors a user can act on. Each message says what went wrong and what to do next."""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits non-zero."""

    exit_code = 1


class InvalidQuestionError(AssistantError, ValueError):
    exit_code = 2


class UnreadableDocumentError(AssistantError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot read {path.name}: {reason}")
        self.path = path
        self.reason = reason


class DocumentContentError(AssistantError):
    """A file's content cannot be read as a document (damaged, scanned, binary, not UTF-8)."""

    exit_code = 2


class UploadError(AssistantError):
    exit_code = 2


class MirrorNotFoundError(AssistantError):
    pass


class ManifestError(AssistantError):
    pass


class IndexMissingError(AssistantError):
    exit_code = 3


class IndexStaleError(AssistantError):
    exit_code = 3


class IndexCorruptError(AssistantError):
    exit_code = 3


class IndexBuildError(AssistantError):
    exit_code = 3


class DiskFullError(AssistantError):
    """The disk holding a folder the assistant must write to is full (the message names the folder)."""

    exit_code = 5
