"""Team names: validated before they reach the store, matched whatever their case,
and read from a page's URL."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import parse_qs, quote, urlencode

from .errors import TeamNameError

MAX_LENGTH = 60
# Letters and digits of any script, then spaces and a little punctuation. No slashes,
# quotes, angle brackets or leading '=', so a name is harmless in a URL, a spreadsheet
# and HTML alike; it is never used as a file path.
_ALLOWED = re.compile(r"^\w[\w .,'&()+-]*$")


# Scripts whose letters look alike ("М" and "M", "е" and "e", "ο" and "o"): a name
# that mixes them is almost always a slip of the keyboard layout or an impostor.
_LOOK_ALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def validate(name: object) -> str:
    """The cleaned team name, or TeamNameError saying what to change."""
    cleaned = _clean(name)
    _one_script(cleaned)
    return cleaned


def key(name: str) -> str:
    """What makes two spellings one team: case, width, ligatures and spacing aside
    ("METRO  HEALTH", "ｍetro health" and "Metro Health" share a key)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def resolve(name: object, known: Sequence[str]) -> str:
    """The team a typed or linked name opens: the stored name spelt exactly so, else
    the first stored spelling with the same key, else the new (validated) name.

    ``known`` is every stored team name in the order first seen. An exact match wins
    so that, while two stored spellings collide (``sectorwb check`` reports them),
    each still opens its own answers; it also keeps a name stored before the
    one-script rule reachable."""
    cleaned = _clean(name)
    if cleaned in known:
        return cleaned
    same = [team for team in known if key(team) == key(cleaned)]
    return same[0] if same else validate(cleaned)


def collisions(names: Sequence[str]) -> list[list[str]]:
    """Groups of stored names that share a key (one team under several spellings),
    each in the order given; names without a twin are left out."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(key(name), []).append(name)
    return [group for group in groups.values() if len(group) > 1]


def _clean(name: object) -> str:
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


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return next((s for s in _LOOK_ALIKE_SCRIPTS if name.startswith(s + " ")), None)


def _one_script(name: str) -> None:
    """Refuse Latin, Cyrillic and Greek letters mixed in one name; a name written
    wholly in one of them, or with letters of other scripts, is fine."""
    letters: dict[str, list[str]] = {}
    for char in unicodedata.normalize("NFKC", name):
        script = _script(char) if char.isalpha() else None
        if script is not None:
            letters.setdefault(script, []).append(char)
    if len(letters) < 2:
        return
    # The script with the fewest letters is the odd one out: name it and its letters.
    main, *others = sorted(letters, key=lambda s: -len(letters[s]))
    odd = " ".join(dict.fromkeys(c for s in others for c in letters[s]))
    scripts = " and ".join(s.title() for s in others)
    raise TeamNameError(
        f"This team name mixes {main.title()} letters with {scripts} letters "
        f"({odd}). Letters of these alphabets look alike, so the name could pass "
        "for another team's. Retype it with one keyboard layout."
    )


# The start page: every team link points at it.
START_NOTEBOOK = "00_start_here.ipynb"
TRAINER_NOTEBOOK = "trainer.ipynb"
# The pages' own titles (their notebooks' heading and the browser tab's).
START_TITLE = "Start here"
TRAINER_TITLE = "Trainer console"


def tab_title(page: str, who: str) -> str:
    """The browser tab's title once a page knows its team (or Academy)."""
    return f"{page} — {who}"


def query_param(query_string: str, name: str) -> str | None:
    """A raw parameter of a URL query string, or None when absent or blank."""
    values = parse_qs(query_string or "", keep_blank_values=True).get(name)
    if not values or not values[0].strip():
        return None
    return values[0]


def from_query(query_string: str) -> str | None:
    """The raw ``team`` parameter of a URL query string, or None when absent/empty."""
    return query_param(query_string, "team")


def page_query(team: str, region: str | None = None, token: str | None = None) -> str:
    """The query string of a page for this team (with its Academy token and the
    region, when there are)."""
    params = {"team": team} | ({"t": token} if token else {})
    params |= {"region": region} if region else {}
    return urlencode(params, quote_via=quote)


def ascii_slug(text: str, length: int) -> str:
    """Lowercase ASCII letters and digits joined by hyphens, at most ``length``
    characters; empty when the text has none (e.g. a name in another script)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:length].strip("-")


def file_slug(team: str) -> str:
    """ASCII fragment for download file names (never a server path)."""
    return ascii_slug(team, 40) or "team"
