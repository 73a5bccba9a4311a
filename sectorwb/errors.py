"""The few exceptions sectorwb raises, each with a message a trainer can act on."""

from __future__ import annotations


class SectorwbError(Exception):
    """Base class: the message is shown to the user as it is, never a traceback."""


class ContentError(SectorwbError):
    """A worksheet YAML file is malformed (the message names file, line, field, fix)."""


class TeamNameError(SectorwbError):
    """A team name is empty, too long or has characters we do not accept."""


class StoreError(SectorwbError):
    """The answer database cannot be read or written (locked, read-only, corrupt)."""


class ConcurrentSaveError(StoreError):
    """Another page saved the worksheet after the row a save was based on; nothing
    was written, so the page can take that save in and try again."""


class AnswerTooLargeError(SectorwbError):
    """Answers larger than the store accepts; ``sizes`` maps question id -> length of
    what is too large (the answer, or its longest table cell) and ``why`` the limit in
    words, to follow "N characters" ("; the limit is 100,000")."""

    def __init__(
        self,
        message: str,
        sizes: dict[str, int] | None = None,
        why: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.sizes = sizes or {}
        self.why = why or {}


class DataFileError(SectorwbError):
    """A data file (QCEW CSV, region config) cannot be used."""


class ConversionError(SectorwbError):
    """A file cannot be converted (LibreOffice, which makes the PDFs, missing or failing)."""


class AcademyError(SectorwbError):
    """An Academy cannot be created, found or changed (the message says what to fix)."""


class TeamLinkError(AcademyError):
    """A link or team code does not open a team of the Academy being served."""
