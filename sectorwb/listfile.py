"""Files of names a trainer writes (teams, organisations): read as UTF-8 text, every
problem reported at once with its line, nothing created unless all is well."""

from __future__ import annotations

from pathlib import Path

from . import teams
from .errors import SectorwbError


def read_text(path: Path, what: str, error: type[SectorwbError]) -> str:
    """The file's text; ``error`` naming the ``what`` file when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")  # Excel writes a BOM
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(
            f"{path}: cannot be read as UTF-8 text ({exc}). Save it as UTF-8 (Excel: "
            '"CSV UTF-8").'
        ) from None


def repeats(entries: list[tuple[str, str]], noun: str) -> list[str]:
    """A problem for each name that repeats an earlier one (case and spacing aside);
    each entry is (where, name), e.g. ("line 4", "Birch College")."""
    first: dict[str, str] = {}
    problems = []
    for where, name in entries:
        seen = first.setdefault(teams.key(name), where)
        if seen != where:
            problems.append(
                f"{where}: {name!r} is the same {noun} as {seen} (names that differ "
                "only in case or spacing are one); remove one"
            )
    return problems


def refuse(
    path: Path,
    what: str,
    problems: list[str],
    error: type[SectorwbError],
    shown: int | None = None,
) -> None:
    """Raise ``error`` listing the problems (the first ``shown``), if there are any."""
    if not problems:
        return
    more = len(problems) - shown if shown is not None else 0
    raise error(
        f"{path}: nothing was created. Fix the {what} file:\n  "
        + "\n  ".join(problems[:shown])
        + (f"\n  ... and {more} more problems." if more > 0 else "")
    )
