"""Team names: validated before they reach the store, and read from a page's URL."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qs, quote, urlencode

from .errors import TeamNameError

MAX_LENGTH = 60
# Letters and digits of any script, then spaces and a little punctuation. No slashes,
# quotes, angle brackets or leading '=', so a name is harmless in a URL, a spreadsheet
# and HTML alike; it is never used as a file path.
_ALLOWED = re.compile(r"^\w[\w .,'&()+-]*$")


def validate(name: object) -> str:
    """The cleaned team name, or TeamNameError saying what to change."""
    if not isinstance(name, str):
        raise TeamNameError("Type a team name, for example “Metro Health Team”.")
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not cleaned:
        raise TeamNameError("Type a team name, for example “Metro Health Team”.")
    if len(cleaned) > MAX_LENGTH:
        raise TeamNameError(
            f"A team name can have at most {MAX_LENGTH} characters; this one has "
            f"{len(cleaned)}. Use a shorter name."
        )
    if not _ALLOWED.match(cleaned):
        bad = sorted({c for c in cleaned if not re.match(r"[\w .,'&()+-]", c)})
        shown = " ".join(bad) if bad else cleaned[0]
        raise TeamNameError(
            "A team name must start with a letter or digit and may contain only "
            f"letters, digits, spaces and these marks: . , ' & ( ) + -  Remove: {shown}"
        )
    return cleaned


def query_param(query_string: str, name: str) -> str | None:
    """A raw parameter of a URL query string, or None when absent or blank."""
    values = parse_qs(query_string or "", keep_blank_values=True).get(name)
    if not values or not values[0].strip():
        return None
    return values[0]


def from_query(query_string: str) -> str | None:
    """The raw ``team`` parameter of a URL query string, or None when absent/empty."""
    return query_param(query_string, "team")


def page_query(team: str, region: str | None = None) -> str:
    """The query string of a page for this team (and region, when one is chosen)."""
    params = {"team": team} | ({"region": region} if region else {})
    return urlencode(params, quote_via=quote)


def file_slug(team: str) -> str:
    """ASCII fragment for download file names (never a server path)."""
    ascii_name = unicodedata.normalize("NFKD", team).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).lower()
    return slug[:40].strip("-") or "team"
