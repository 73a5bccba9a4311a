"""Tests for sectorwb.teams: which team names are accepted, and team names in URLs."""

from __future__ import annotations

import pytest

from sectorwb import teams
from sectorwb.errors import TeamNameError


@pytest.mark.parametrize(
    "name",
    [
        "Metro Health Team",
        "Équipe Nord",
        "日本",
        "Zürich Süd",
        "R&D (North) + South",
        "O'Brien, St. Paul-Area",
        "Team 42",
        "x" * teams.MAX_LENGTH,
    ],
)
def test_valid_names_are_kept(name: str) -> None:
    assert teams.validate(name) == name


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  Metro   Health \t Team \n", "Metro Health Team"),
        ("Alpha\u00a0Team", "Alpha Team"),
        ("E\u0301quipe", "\u00c9quipe"),  # decomposed accent becomes one character
    ],
    ids=["spaces", "no-break-space", "nfc"],
)
def test_whitespace_collapsed_and_normalised(raw: str, cleaned: str) -> None:
    assert teams.validate(raw) == cleaned


@pytest.mark.parametrize("name", ["", "   ", "\n\t", None, 42])
def test_empty_or_not_text_is_rejected(name: object) -> None:
    with pytest.raises(TeamNameError, match="Type a team name"):
        teams.validate(name)


def test_too_long_is_rejected_with_the_length() -> None:
    name = "a" * (teams.MAX_LENGTH + 1)
    with pytest.raises(TeamNameError) as info:
        teams.validate(name)
    message = str(info.value)
    assert f"at most {teams.MAX_LENGTH}" in message
    assert f"has {teams.MAX_LENGTH + 1}" in message


def test_length_counts_after_collapsing_whitespace() -> None:
    name = "a" * 30 + " " * 20 + "b" * 29
    assert teams.validate(name) == "a" * 30 + " " + "b" * 29


@pytest.mark.parametrize(
    ("name", "offending"),
    [
        ("../etc", ["/"]),
        ("a/b", ["/"]),
        ("a\\b", ["\\"]),
        ("<script>", ["<", ">"]),
        ("=cmd", ["="]),
        ("Team=1+1", ["="]),
        ('Team "Alpha"', ['"']),
        ("Team \u201cAlpha\u201d", ["\u201c", "\u201d"]),
        ("Team`s", ["`"]),
        ("@home", ["@"]),
        ("Team;drop", [";"]),
    ],
)
def test_unsafe_characters_are_rejected_and_named(
    name: str, offending: list[str]
) -> None:
    with pytest.raises(TeamNameError) as info:
        teams.validate(name)
    message = str(info.value)
    removed = message.split("Remove:")[-1].split()
    assert removed == sorted(offending)


@pytest.mark.parametrize("name", ["-cmd", "+cmd", ".hidden", "(a)", "'quoted"])
def test_must_start_with_letter_or_digit(name: str) -> None:
    with pytest.raises(
        TeamNameError, match="must start with a letter or digit"
    ) as info:
        teams.validate(name)
    assert str(info.value).rstrip().endswith(name[0])


@pytest.mark.parametrize(
    ("query", "team"),
    [
        ("team=A%20B&x=1", "A B"),
        ("x=1&team=Metro+Health", "Metro Health"),
        ("team=%C3%89quipe%20Nord", "Équipe Nord"),
        ("team=First&team=Second", "First"),
    ],
)
def test_from_query_reads_the_team_parameter(query: str, team: str) -> None:
    assert teams.from_query(query) == team


@pytest.mark.parametrize("query", ["", "x=1", "team=", "team=%20%20&x=1", None])
def test_from_query_blank_or_missing_is_none(query: str | None) -> None:
    assert teams.from_query(query) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "team",
    ["Metro Health", "R&D (North) + South", "Équipe Nord", "日本", "O'Brien, St. Paul"],
)
def test_page_query_round_trips_through_from_query(team: str) -> None:
    param = teams.page_query(team)
    assert param.startswith("team=")
    assert param.isascii()
    for unsafe in (" ", "&", "+", "'", "(", "/"):
        assert unsafe not in param.removeprefix("team=")
    assert teams.from_query(param) == team
    assert teams.from_query(f"x=1&{param}&y=2") == team


@pytest.mark.parametrize(
    ("team", "slug"),
    [
        ("Metro Health Team", "metro-health-team"),
        ("Équipe Nord", "equipe-nord"),
        ("a/b", "a-b"),
        ("../etc", "etc"),
        ("日本", "team"),
        ("R&D (North)", "r-d-north"),
    ],
)
def test_file_slug(team: str, slug: str) -> None:
    result = teams.file_slug(team)
    assert result == slug
    assert result.isascii()
    assert "/" not in result and "\\" not in result


def test_file_slug_is_short() -> None:
    result = teams.file_slug("Very Long Team Name " * 10)
    assert 30 <= len(result) <= 40
    assert not result.endswith("-")
    assert result.startswith("very-long-team-name-very-long")


def test_page_query_carries_the_region() -> None:
    query = teams.page_query("A & B", "demo")
    assert teams.from_query(query) == "A & B"
    assert teams.query_param(query, "region") == "demo"


# -- one team, one name ---------------------------------------------------------------
CYRILLIC_LOOK_ALIKE = "\u041c\u0435tro Health"  # Cyrillic М and е, then Latin


@pytest.mark.parametrize(
    "spelling",
    [
        "Metro Health",
        "metro health",
        "METRO HEALTH",
        "  Metro   HEALTH ",
        "\uff2detro Health",  # fullwidth M, as some input methods type it
        "Metro\u00a0Health",
    ],
)
def test_key_is_one_for_every_spelling_of_a_name(spelling: str) -> None:
    assert teams.key(spelling) == teams.key("Metro Health") == "metro health"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Metro Health", CYRILLIC_LOOK_ALIKE),
        ("Metro Health", "Metro Health 2"),
        ("Équipe", "Equipe"),  # an accent is a different letter
    ],
)
def test_key_keeps_different_names_apart(a: str, b: str) -> None:
    assert teams.key(a) != teams.key(b)


def test_key_folds_ligatures_and_decomposed_accents() -> None:
    assert teams.key("O\ufb03ce") == teams.key("Office")  # the "ffi" ligature
    assert teams.key("E\u0301quipe") == teams.key("\u00c9QUIPE")


@pytest.mark.parametrize(
    ("name", "odd"),
    [
        (CYRILLIC_LOOK_ALIKE, "М е"),
        ("Metro Healt\u04bb", "һ"),  # Cyrillic shha
        ("\u0391lpha Team", "Α"),  # Greek capital alpha
        ("Team \u03bf\u03bd\u03b5 Nord", "ο ν ε"),  # a Greek word in a Latin name
    ],
)
def test_mixed_scripts_are_refused_naming_the_odd_letters(name: str, odd: str) -> None:
    with pytest.raises(TeamNameError) as info:
        teams.validate(name)
    message = str(info.value)
    assert "mixes Latin letters with" in message
    assert f"({odd})" in message
    assert "one keyboard layout" in message


@pytest.mark.parametrize(
    "name",
    [
        "\u041c\u0435\u0442\u0440\u043e \u0417\u0434\u043e\u0440\u043e\u0432\u044c\u0435",
        "\u0391\u03b8\u03ae\u03bd\u03b1 2",  # all Greek, with a digit
        "Team 日本",  # Latin with a script that has no look-alikes
        "Équipe Nord 42",
    ],
)
def test_one_script_names_are_kept(name: str) -> None:
    assert teams.validate(name) == name


@pytest.mark.parametrize(
    ("typed", "opens"),
    [
        ("metro health", "Metro Health"),
        ("METRO  HEALTH", "Metro Health"),
        ("\uff2detro health", "Metro Health"),
        ("Metro Health", "Metro Health"),
        ("Alpha", "alpha"),
        ("New Team", "New Team"),
    ],
)
def test_resolve_opens_the_stored_spelling(typed: str, opens: str) -> None:
    assert teams.resolve(typed, ["alpha", "Metro Health", "Zeta"]) == opens


def test_resolve_first_stored_spelling_wins_unless_one_is_exact() -> None:
    known = ["Metro Health", "METRO HEALTH"]  # a collision stored before matching
    assert teams.resolve("metro health", known) == "Metro Health"
    assert teams.resolve("METRO HEALTH", known) == "METRO HEALTH"
    assert teams.resolve("Metro Health", known) == "Metro Health"


def test_resolve_refuses_a_new_mixed_name_but_opens_a_stored_one() -> None:
    with pytest.raises(TeamNameError, match="mixes Latin letters with Cyrillic"):
        teams.resolve(CYRILLIC_LOOK_ALIKE, ["Metro Health"])
    assert teams.resolve(CYRILLIC_LOOK_ALIKE, [CYRILLIC_LOOK_ALIKE]) == (
        CYRILLIC_LOOK_ALIKE
    )


@pytest.mark.parametrize("bad", ["", "a/b", "x" * (teams.MAX_LENGTH + 1), None])
def test_resolve_validates_like_validate(bad: object) -> None:
    with pytest.raises(TeamNameError):
        teams.resolve(bad, ["a/b", ""])


def test_collisions_group_spellings_in_stored_order() -> None:
    names = ["Metro Health", "Alpha", "metro health", "Beta", "METRO  HEALTH", "ALPHA"]
    assert teams.collisions(names) == [
        ["Metro Health", "metro health", "METRO  HEALTH"],
        ["Alpha", "ALPHA"],
    ]
    assert teams.collisions(["Metro Health", CYRILLIC_LOOK_ALIKE, "Beta"]) == []
