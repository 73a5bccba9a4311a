"""Academies: a named session with a region, its own teams, a token per team and a
trainer key; the logic behind ``sectorwb academy`` and the trainer's console."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from . import config, listfile, teams
from .errors import AcademyError, SectorwbError, TeamLinkError
from .store import AcademyRecord, Store, TeamRecord, academy_slugs, academy_store

MAX_TEAMS = 200
MAX_NAME = 80
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8866"
# Codes a person types from a card: no 0/O, 1/I/L look-alikes. 31 symbols x 10: 49
# bits, far beyond guessing online through a server that caps kernels per address.
TOKEN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TOKEN_LENGTH = 10
KEY_LENGTH = 20
# scrypt's interactive-login cost: ~50 ms per check, so a stolen file cannot be
# searched fast for the key.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def new_token(length: int = TOKEN_LENGTH) -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(length))


def typed_token(text: object) -> str:
    """A code as typed from a card: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]+", "", text).upper() if isinstance(text, str) else ""


def slug_of(name: str) -> str:
    """The folder name of an Academy: ASCII, lowercase, hyphens."""
    slug = teams.ascii_slug(name, 60)
    if not slug:
        raise AcademyError(
            f"The Academy name {name!r} has no Latin letters or digits to make a "
            "folder name from. Add some, e.g. “Denver Metro 2027”."
        )
    return slug


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or len(slug) > 60 or not _SLUG.match(slug):
        raise AcademyError(
            f"{slug!r} is not an Academy name: use the slug that `sectorwb academy "
            "new` printed, e.g. 'denver-metro-2027'."
        )
    return slug


def read_teams_file(path: str | Path) -> list[str]:
    """Team names from a file: one per line, or a ``.csv`` with a ``team`` column.

    Blank lines are skipped; every invalid or repeated name is reported with its line
    number at once (AcademyError), so one fix of the file is enough."""
    path = Path(path)
    text = listfile.read_text(path, "teams", AcademyError)
    lines = _csv_lines(path, text) if path.suffix.lower() == ".csv" else _plain(text)
    found: list[tuple[str, str]] = []
    problems = []
    for number, raw in lines:
        if not raw.strip():
            continue
        try:
            found.append((f"line {number}", teams.validate(raw)))
        except SectorwbError as exc:
            problems.append(f"line {number}: {raw.strip()!r}: {exc}")
    problems += listfile.repeats(found, "team")
    names = list(dict.fromkeys(name for _, name in found))
    if len(names) > MAX_TEAMS:
        problems.append(
            f"{len(names)} teams; an Academy can have at most {MAX_TEAMS}. Split it "
            "into several Academies."
        )
    if not names and not problems:
        problems.append("no team names in it. Write one team name per line.")
    listfile.refuse(path, "teams", problems, AcademyError)
    return names


def _plain(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.splitlines(), start=1))


def _csv_lines(path: Path, text: str) -> list[tuple[int, str]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower(): c for c in reader.fieldnames or [] if c}
    if "team" not in columns:
        raise AcademyError(
            f"{path}: a CSV teams file needs a column called 'team'; its columns "
            f"are: {', '.join(reader.fieldnames or []) or 'none'}."
        )
    return [(reader.line_num, row[columns["team"]] or "") for row in reader]


def _hash_key(key: str, salt: bytes) -> str:
    return hashlib.scrypt(key.encode(), salt=salt, **_SCRYPT).hex()


def _check_public_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", url):
        raise AcademyError(
            f"--public-url {url!r}: give the address teams type, starting with "
            "http:// or https://, e.g. http://venue-laptop.local:8866"
        )
    return url


def _check_region(region: str) -> None:
    # Imported here: regions brings PyYAML, which a page (that imports this module to
    # check a team's link) must not pay for.
    from . import regions

    try:
        regions.load_region(region).qcew_paths()
    except SectorwbError as exc:
        known = ", ".join(r.slug for r in regions.list_regions()) or "none"
        raise AcademyError(
            f"Region {region!r} cannot be used: {exc} Known regions: {known}."
        ) from None


@dataclass
class Academy:
    """One Academy, read from its own answer database."""

    record: AcademyRecord
    store: Store = field(repr=False)

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def slug(self) -> str:
        return self.record.slug

    @property
    def region(self) -> str:
        return self.record.region

    def refused(self) -> str:
        """What a page says to a link or code that opens no team here."""
        return (
            f"This link does not open a team of {self.name}. Ask the trainer for "
            "your team's link or card."
        )

    # -- reads --------------------------------------------------------------------
    def organisations(self) -> list[tuple[str, str | None]]:
        """The Academy's own local organisations (name, kind); empty: its region's
        are offered instead."""
        return self.store.organisations()

    def teams(self, removed: bool = False, counts: bool = True) -> list[TeamRecord]:
        """The Academy's teams, first added first (removed ones too, if asked), with
        their answered questions unless ``counts`` is False."""
        return [t for t in self.store.team_records(counts) if removed or t.token]

    def _find(self, name: str, removed: bool = False) -> TeamRecord:
        """The team called ``name`` (any case or spacing); its count is not read."""
        wanted = teams.key(name) if isinstance(name, str) else ""
        for team in self.teams(removed, counts=False):
            if teams.key(team.name) == wanted:
                return team
        raise AcademyError(
            f"{self.name} has no team {name!r}. `sectorwb academy teams {self.slug}` "
            "lists them."
        )

    def open_team(self, name: object, token: object) -> str:
        """The stored name of the team this link or card opens; TeamLinkError
        (saying nothing of any team) when the name or the code does not match."""
        given = typed_token(token)
        try:
            team = self._find(name) if isinstance(name, str) else None
        except AcademyError:
            team = None
        # Compared even for an unknown team, so timing tells nothing of the names.
        expected = team.token if team and team.token else new_token()
        if not (hmac.compare_digest(given.encode(), expected.encode()) and team):
            if len(given) == KEY_LENGTH and self.check_trainer_key(given):
                raise TeamLinkError(
                    "This is the trainer key, not a team code: it opens the trainer "
                    f"console ({teams.TRAINER_NOTEBOOK}), not a team's worksheets. "
                    "Keep it private; give each team its own link or card."
                )
            raise TeamLinkError(self.refused())
        return team.name

    def token(self, name: str) -> str:
        token = self._find(name).token
        assert token is not None  # _find without removed gives teams with a token
        return token

    def check_trainer_key(self, key: object) -> bool:
        if not isinstance(key, str) or not key:
            return False
        # Typed from paper like a team code: case, spaces and dashes do not matter.
        digest = _hash_key(typed_token(key), bytes.fromhex(self.record.key_salt))
        return hmac.compare_digest(digest, self.record.key_hash)

    def link(self, name: str, public_url: str | None = None) -> str:
        """The start page link of one team, with its token."""
        query = teams.page_query(name, token=self.token(name))
        return f"{self._base(public_url)}/{teams.START_NOTEBOOK}?{query}"

    def console_link(self, public_url: str | None = None) -> str:
        """The trainer console's link; it carries no key (the console asks)."""
        return f"{self._base(public_url)}/{teams.TRAINER_NOTEBOOK}"

    def _base(self, public_url: str | None) -> str:
        base = _check_public_url(public_url) if public_url else self.record.public_url
        return f"{base}/voila/render"

    def new_trainer_key(self) -> str:
        """Replace the trainer key (a lost or leaked one); the new key, shown once."""
        key, salt, digest = _new_key()
        self.store.set_trainer_key(salt, digest)
        self.record = replace(self.record, key_salt=salt, key_hash=digest)
        return key

    def links(self, public_url: str | None = None) -> list[tuple[str, str, str]]:
        """(team, code, link) of every team."""
        return [
            (t.name, t.token or "", self.link(t.name, public_url)) for t in self.teams()
        ]

    # -- team changes (every answer and its history is kept) -----------------------
    def add_team(self, name: str) -> str:
        """Add a team, or bring a removed one back with a new token; its name."""
        name = teams.validate(name)
        try:
            current = self._find(name, removed=True)
        except AcademyError:
            current = None
        if current is not None and current.token:
            raise AcademyError(f"{self.name} has a team {current.name!r} already.")
        name = current.name if current else name
        self.store.set_team(name, new_token())
        return name

    def replace_token(self, name: str) -> str:
        """A new token for one team (a lost or leaked card); the old link stops."""
        team = self._find(name)
        token = new_token()
        self.store.set_team(team.name, token)
        return token

    def remove_team(self, name: str) -> TeamRecord:
        """Stop the team's link; its answers stay (returned with their count)."""
        found = self._find(name)
        self.store.set_team(found.name, None, datetime.now(UTC).isoformat())
        return next(t for t in self.teams(removed=True) if t.name == found.name)

    def rename_team(self, old: str, new: str) -> int:
        """Rename a team; its answer rows (history included) move along; the count."""
        team = self._find(old)
        new = teams.validate(new)
        clash = [
            t for t in self.teams(True, False) if teams.key(t.name) == teams.key(new)
        ]
        if clash and clash[0].name != team.name:
            raise AcademyError(
                f"{self.name} has a team {clash[0].name!r} already"
                f"{' (removed)' if not clash[0].token else ''}: merge into it instead."
            )
        return self.store.move_answers(team.name, new, merge=False)

    def merge_teams(self, source: str, into: str) -> int:
        """Move every answer row of ``source`` to ``into`` and drop ``source``.

        Rows keep their save times: where both answered a question, the newer save
        is current (the store's one rule), and both histories stay in full."""
        src, target = self._find(source, removed=True), self._find(into)
        if src.name == target.name:
            raise AcademyError(f"{source!r} and {into!r} are the same team.")
        return self.store.move_answers(src.name, target.name, merge=True)


def load(slug: str, data_dir: str | Path | None = None) -> Academy:
    """The Academy called ``slug`` in the data directory (or the database server)."""
    store = academy_store(validate_slug(slug), data_dir)
    if not store.exists():
        where = (
            store.path.parent.parent
            if store.path
            else replace(store.location, schema=None).shown  # the database
        )
        raise AcademyError(
            f"There is no Academy {slug!r} in {where}. Known: "
            f"{', '.join(academy_slugs(data_dir)) or 'none'}. Create one with "
            "`sectorwb academy new`."
        )
    return from_store(store)


def from_store(store: Store) -> Academy:
    record = store.academy()
    if record is None:
        raise AcademyError(
            f"{store.shown} holds no Academy. Create one with `sectorwb academy new`."
        )
    return Academy(record, store)


def create(
    name: str,
    region: str,
    team_names: Sequence[str],
    public_url: str | None = None,
    organisations: Sequence[tuple[str, str | None]] = (),
) -> tuple[Academy, str]:
    """Create an Academy with its teams (and its own list of local organisations,
    see ``organisations.read_organisations``); returns it and the trainer key (shown once,
    stored only hashed). Everything is checked before anything is written."""
    name = " ".join(str(name).split())
    if not name or len(name) > MAX_NAME:
        raise AcademyError(f"Give the Academy a name of 1-{MAX_NAME} characters.")
    slug = slug_of(name)
    db = config.academy_db_path(slug)
    store = academy_store(slug)
    if db.parent.exists() if store.is_sqlite else store.exists():
        raise AcademyError(
            f"An Academy {slug!r} exists already "
            f"({db.parent if store.is_sqlite else store.shown}). Pick another name, "
            f"or add teams to it with `sectorwb academy add {slug} NAME`."
        )
    url = _check_public_url(public_url or DEFAULT_PUBLIC_URL)
    _check_region(region)
    if len(team_names) > MAX_TEAMS:
        raise AcademyError(f"An Academy can have at most {MAX_TEAMS} teams.")
    key, salt, digest = _new_key()
    record = AcademyRecord(
        slug, name, region, url, datetime.now(UTC).isoformat(), salt, digest
    )
    tokens = _distinct_tokens(len(team_names))
    if store.is_sqlite:
        db.parent.mkdir(parents=True)
    try:
        store.create_academy(record, list(zip(team_names, tokens, strict=True)))
        if organisations:
            store.set_organisations(organisations)
    except BaseException:
        store.close()
        if store.is_sqlite:
            shutil.rmtree(db.parent, ignore_errors=True)  # ours: made just above
        raise
    return Academy(record, store), key


def _new_key() -> tuple[str, str, str]:
    """A trainer key, its salt (hex) and its hash: only the last two are stored."""
    key, salt = new_token(KEY_LENGTH), secrets.token_bytes(16)
    return key, salt.hex(), _hash_key(key, salt)


def _distinct_tokens(count: int) -> list[str]:
    tokens: set[str] = set()
    while len(tokens) < count:  # a repeat is ~never drawn, but must not pass
        tokens.add(new_token())
    return list(tokens)
