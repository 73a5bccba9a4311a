"""Academies through the real CLI and real SQLite files: creation and its bad input,
tokens, the hashed trainer key, and team changes that keep every answer row."""

from __future__ import annotations

import re
import socket
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sectorwb import academy
from sectorwb.cli import main
from sectorwb.errors import TeamLinkError
from sectorwb.store import SCHEMA_VERSION, Store

TEAMS = ["Metro Health", "Team C", "North County Manufacturing"]
SLUG = "denver-metro-2027"


def _teams_file(tmp_path: Path, text: str, name: str = "teams.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _new(tmp_path: Path, text: str, *extra: str, name: str = "teams.txt") -> int:
    path = _teams_file(tmp_path, text, name)
    argv = ["academy", "new", "Denver Metro 2027", "--region", "demo"]
    return main([*argv, "--teams", str(path), *extra])


def _links(out: str) -> dict[str, str]:
    """team -> token, read from the printed links."""
    found = {}
    for url in re.findall(r"https?://\S+", out):
        query = parse_qs(urlsplit(url).query)
        if "team" in query:
            found[query["team"][0]] = query["t"][0]
    return found


def _rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT id, team, worksheet, question, value, saved_at FROM answers"
            " ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


# -- academy new ------------------------------------------------------------------------
def test_new_prints_the_key_once_and_a_link_per_team(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Metro Health\n\n  Team C  \nNorth County Manufacturing\n\n"
    url = "http://venue-laptop.local:8866"
    assert _new(tmp_path, text, "--public-url", url) == 0
    out = capsys.readouterr().out
    assert "Keep it private" in out
    key = re.search(r"Trainer key: (\S+)", out).group(1)
    tokens = _links(out)
    assert list(tokens) == TEAMS
    assert f"{url}/voila/render/00_start_here.ipynb?team=Metro%20Health&t=" in out
    assert len(set(tokens.values())) == len(TEAMS)
    for token in tokens.values():
        assert len(token) == academy.TOKEN_LENGTH
        assert set(token) <= set(academy.TOKEN_ALPHABET)
    found = academy.load(SLUG)
    assert found.check_trainer_key(key)
    assert not found.check_trainer_key(key[:-1] + ("2" if key[-1] != "2" else "3"))
    assert not found.check_trainer_key(tokens["Metro Health"])
    assert [t.name for t in found.teams()] == TEAMS
    assert (data / "academies" / SLUG / "answers.sqlite3").exists()
    assert not (data / "answers.sqlite3").exists()  # nothing in the default store


def test_tokens_are_not_made_from_names(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = "\n".join(TEAMS)
    seen = []
    for academy_name in ("Spring Academy", "Fall Academy"):
        path = _teams_file(tmp_path, names)
        argv = ["academy", "new", academy_name, "--region", "demo", "--teams"]
        assert main([*argv, str(path)]) == 0
        seen.append(_links(capsys.readouterr().out))
    assert seen[0].keys() == seen[1].keys()
    assert all(seen[0][team] != seen[1][team] for team in TEAMS)


def test_the_trainer_key_is_not_in_the_database_file(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path, "Metro Health\n") == 0
    key = re.search(r"Trainer key: (\S+)", capsys.readouterr().out).group(1)
    folder = data / "academies" / SLUG
    academy.load(SLUG).store.close()
    files = list(folder.iterdir())
    assert files
    for path in files:
        raw = path.read_bytes()
        assert key.encode() not in raw and key.lower().encode() not in raw


@pytest.mark.parametrize(
    ("text", "name", "said"),
    [
        (
            "Metro Health\nmetro  HEALTH\n",
            "teams.txt",
            "line 2: 'metro HEALTH' is the ",
        ),
        ("Good Team\n\n../etc/passwd\n", "teams.txt", "line 3: '../etc/passwd'"),
        ("Мetro Health\n", "teams.txt", "line 1: 'Мetro Health': This team name mixes"),
        ("x" * 61 + "\n", "teams.txt", "at most 60 characters"),
        ("\n\n  \n", "teams.txt", "no team names in it"),
        ("".join(f"Team {i}\n" for i in range(201)), "teams.txt", "201 teams"),
        ("name,size\nMetro Health,5\n", "teams.csv", "needs a column called 'team'"),
        ("Team,size\nMetro Health,5\n\nmetro health,2\n", "teams.csv", "line 4:"),
    ],
    ids=[
        "duplicate",
        "invalid",
        "mixed-script",
        "long",
        "blank",
        "201",
        "no-col",
        "csv",
    ],
)
def test_a_bad_teams_file_creates_nothing(
    data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    name: str,
    said: str,
) -> None:
    assert _new(tmp_path, text, name=name) == 2
    captured = capsys.readouterr()
    assert said in captured.err
    assert "Traceback" not in captured.err and "Trainer key" not in captured.out
    assert not (data / "academies").exists()


def test_a_csv_teams_file_with_a_team_column(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '\ufeffcontact,Team\nAna,Metro Health\nBo,"Health, Care & Co"\n,\n'
    assert _new(tmp_path, text, name="teams.csv") == 0
    assert list(_links(capsys.readouterr().out)) == [
        "Metro Health",
        "Health, Care & Co",
    ]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--region", "atlantis"], "Region 'atlantis' cannot be used"),
        (["--region", "demo", "--public-url", "venue:8866"], "starting with http://"),
    ],
)
def test_new_refuses_a_bad_region_or_address(
    data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    path = _teams_file(tmp_path, "Metro Health\n")
    assert main(["academy", "new", "Denver", *argv, "--teams", str(path)]) == 2
    assert said in capsys.readouterr().err
    assert not (data / "academies").exists()


def test_new_refuses_an_existing_academy(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path, "Metro Health\n") == 0
    before = _links(capsys.readouterr().out)
    assert _new(tmp_path, "Other Team\n") == 2
    assert "exists already" in capsys.readouterr().err
    assert [t.name for t in academy.load(SLUG).teams()] == list(before)


def test_list_names_each_academy_and_where_its_answers_are(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["academy", "list"]) == 0
    assert "No Academies yet" in capsys.readouterr().out
    assert _new(tmp_path, "Metro Health\nTeam C\n") == 0
    capsys.readouterr()
    assert main(["academy", "list"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    db = data / "academies" / SLUG / "answers.sqlite3"
    assert line == f"{SLUG}  Denver Metro 2027  region demo  2 teams  ({db})"


def test_serve_refuses_an_unknown_academy(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workbooks = Path(__file__).resolve().parent.parent / "workbooks"
    argv = ["serve", "--academy", "nowhere", "--workbooks", str(workbooks)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main([*argv, "--port", str(port)]) == 2
    assert "There is no Academy 'nowhere'" in capsys.readouterr().err


def test_serve_names_a_missing_region_and_keeps_the_answers(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made, _key = academy.create("Denver Metro 2027", "demo", TEAMS)
    made.store.save("Team C", "ws", {"q": "kept"})
    db = made.store.path
    made.store.close()
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE academy SET region = 'gone-region'")  # folder deleted
    conn.close()
    before = _rows(db)
    workbooks = Path(__file__).resolve().parent.parent / "workbooks"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["serve", "--academy", SLUG, "--workbooks", str(workbooks)]
    assert main([*argv, "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert "The region 'gone-region' of the Academy denver-metro-2027" in err
    assert "--region SLUG" in err
    assert _rows(db) == before


# -- team links --------------------------------------------------------------------------
@pytest.fixture
def made(data: Path) -> academy.Academy:
    found, _key = academy.create("Denver Metro 2027", "demo", TEAMS)
    yield found
    found.store.close()


def test_a_link_opens_its_team_only_with_its_token(made: academy.Academy) -> None:
    token = made.token("Metro Health")
    assert made.open_team("Metro Health", token) == "Metro Health"
    # Typed from a card: any case, spaces or dashes; the name in any case.
    typed = f" {token[:5].lower()}-{token[5:]} "
    assert made.open_team("metro  health", typed) == "Metro Health"
    other = made.token("Team C")
    for name, given in [
        ("Metro Health", other),  # another team's token
        ("Metro Health", None),
        ("Metro Health", ""),
        ("Nobody", token),
        (None, token),
    ]:
        with pytest.raises(TeamLinkError) as caught:
            made.open_team(name, given)
        assert str(caught.value) == (
            "This link does not open a team of Denver Metro 2027. Ask the trainer "
            "for your team's link or card."
        )
    assert [t.name for t in made.teams(removed=True)] == TEAMS  # nothing was added


def test_the_trainer_key_typed_as_a_team_code_says_what_it_is(data: Path) -> None:
    made, key = academy.create("Denver Metro 2027", "demo", TEAMS)
    with pytest.raises(TeamLinkError, match="This is the trainer key, not a team code"):
        made.open_team("Metro Health", key.lower())
    made.store.close()


def test_a_new_trainer_key_replaces_the_old_one(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made, old = academy.create("Denver Metro 2027", "demo", TEAMS)
    made.store.close()
    assert made.check_trainer_key(f" {old[:10].lower()}-{old[10:]} ")  # as typed
    assert main(["academy", "key", SLUG]) == 0
    out = capsys.readouterr().out
    new = re.search(r"New trainer key of Denver Metro 2027: (\w+)", out).group(1)
    again = academy.load(SLUG)
    assert again.check_trainer_key(new)
    assert not again.check_trainer_key(old)
    assert new not in (
        data / "academies" / SLUG / "answers.sqlite3"
    ).read_bytes().decode("latin-1")
    again.store.close()


def _answer_history(made: academy.Academy) -> None:
    store = made.store
    store.save("Metro Health", "ws", {"q1": "MH first", "q2": "MH only"})
    store.save("Team C", "ws", {"q1": "C first", "q3": "C only"})
    store.save("Metro Health", "ws", {"q1": "MH second"})
    store.save("Team C", "ws", {"q1": "C second, newest"})
    store.save("Team C", "other", {"q9": "C elsewhere"})


def test_rename_moves_every_row_and_keeps_history(
    made: academy.Academy, capsys: pytest.CaptureFixture[str]
) -> None:
    _answer_history(made)
    before = _rows(made.store.path)
    assert main(["academy", "rename", SLUG, "Team C", "Front Range Care"]) == 0
    out = capsys.readouterr().out
    assert "4 saved answer rows" in out and "team=Front%20Range%20Care&t=" in out
    after = _rows(made.store.path)
    assert after == [
        (r[0], "Front Range Care" if r[1] == "Team C" else r[1], *r[2:]) for r in before
    ]
    assert [v for _, v in made.store.history("Front Range Care", "ws", "q1")] == [
        "C first",
        "C second, newest",
    ]
    again = academy.load(SLUG)
    names = [t.name for t in again.teams()]
    assert names == ["Metro Health", "Front Range Care", "North County Manufacturing"]
    assert again.open_team("Front Range Care", made.token("Front Range Care"))
    assert main(["academy", "rename", SLUG, "Metro Health", "front range CARE"]) == 2
    assert "has a team 'Front Range Care' already" in capsys.readouterr().err


def test_merge_keeps_both_histories_and_the_newer_answer(
    made: academy.Academy, capsys: pytest.CaptureFixture[str]
) -> None:
    _answer_history(made)
    before = _rows(made.store.path)
    assert main(["academy", "merge", SLUG, "Team C", "Metro Health"]) == 0
    assert "4 saved answer rows moved" in capsys.readouterr().out
    after = _rows(made.store.path)
    assert after == [
        (r[0], "Metro Health", *r[2:]) if r[1] == "Team C" else r for r in before
    ]
    current = made.store.all_answers("Metro Health")
    # q1: Team C's save was the newest, so it is current; q2, q3 and q9 come along.
    assert current == {
        "ws": {"q1": "C second, newest", "q2": "MH only", "q3": "C only"},
        "other": {"q9": "C elsewhere"},
    }
    history = [v for _, v in made.store.history("Metro Health", "ws", "q1")]
    assert history == ["MH first", "C first", "MH second", "C second, newest"]
    assert [t.name for t in made.teams(removed=True)] == [
        "Metro Health",
        "North County Manufacturing",
    ]


def test_merge_keeps_the_target_answer_when_it_is_newer(made: academy.Academy) -> None:
    made.store.save("Team C", "ws", {"q1": "C, older"})
    made.store.save("Metro Health", "ws", {"q1": "MH, newer"})
    made.merge_teams("team c", "METRO HEALTH")
    assert made.store.answers("Metro Health", "ws") == {"q1": "MH, newer"}


def test_remove_stops_the_link_keeps_answers_and_add_brings_it_back(
    made: academy.Academy, capsys: pytest.CaptureFixture[str]
) -> None:
    _answer_history(made)
    before = _rows(made.store.path)
    old = made.token("Team C")
    assert main(["academy", "remove", SLUG, "Team C"]) == 0
    out = capsys.readouterr().out
    assert "its link stops working" in out and "3 answered questions are kept" in out
    assert _rows(made.store.path) == before
    with pytest.raises(TeamLinkError):
        made.open_team("Team C", old)
    assert main(["academy", "teams", SLUG]) == 0
    assert "Team C  removed (link stopped)  3 answered" in capsys.readouterr().out
    assert main(["academy", "add", SLUG, "team c"]) == 0
    new = _links(capsys.readouterr().out)["Team C"]
    assert new != old
    assert made.open_team("Team C", new) == "Team C"
    assert made.store.answers("Team C", "ws") == {
        "q1": "C second, newest",
        "q3": "C only",
    }
    assert _rows(made.store.path) == before


def test_links_new_token_replaces_one_teams_code(
    made: academy.Academy, capsys: pytest.CaptureFixture[str]
) -> None:
    old = {t.name: t.token for t in made.teams()}
    argv = ["academy", "links", SLUG, "--new-token", "Team C"]
    assert main([*argv, "--public-url", "http://venue.local:8866/"]) == 0
    out = capsys.readouterr().out
    printed = _links(out)
    assert "http://venue.local:8866/voila/render/" in out
    assert printed["Metro Health"] == old["Metro Health"]
    assert printed["Team C"] != old["Team C"]
    with pytest.raises(TeamLinkError):
        made.open_team("Team C", old["Team C"])
    assert made.open_team("Team C", printed["Team C"]) == "Team C"


def test_team_commands_name_what_is_wrong(
    made: academy.Academy, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv, said in [
        (["teams", "no-such"], "There is no Academy 'no-such'"),
        (["teams", "../etc"], "is not an Academy name"),
        (["remove", SLUG, "Nobody"], "has no team 'Nobody'"),
        (["add", SLUG, "metro HEALTH"], "has a team 'Metro Health' already"),
        (["add", SLUG, "a/b"], "Remove: /"),
        (["merge", SLUG, "Team C", "team c"], "are the same team"),
    ]:
        assert main(["academy", *argv]) == 2, argv
        assert said in capsys.readouterr().err


# -- old files ------------------------------------------------------------------------
def test_an_old_database_is_migrated_on_open_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "answers.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE answers (id INTEGER PRIMARY KEY AUTOINCREMENT, team TEXT NOT NULL,"
        " worksheet TEXT NOT NULL, question TEXT NOT NULL, value TEXT NOT NULL,"
        " saved_at TEXT NOT NULL);"
        "CREATE TABLE teams (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);"
        "INSERT INTO teams VALUES ('Old Team', '2026-01-01');"
        "INSERT INTO answers (team, worksheet, question, value, saved_at)"
        " VALUES ('Old Team', 'ws', 'q', '\"kept\"', '2026-01-01');"
    )
    conn.close()
    before = _rows(db)
    store = Store(db)
    assert store.answers("Old Team", "ws") == {"q": "kept"}
    assert store.academy() is None
    assert [(t.name, t.token, t.answered) for t in store.team_records()] == [
        ("Old Team", None, 1)
    ]
    store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert _rows(db) == before
