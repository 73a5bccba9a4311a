"""The ``sectorwb academy`` commands: parse, call ``academy``, print."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import academy, cards, wordfile
from .errors import AcademyError
from .store import academy_slugs


def _print_links(found: academy.Academy, public_url: str | None) -> None:
    print(
        f"Trainer console (asks for the trainer key): {found.console_link(public_url)}"
    )
    print(f"Team links of {found.name} (each team's code is in its link):")
    for name, code, link in found.links(public_url):
        print(f"  {name}  code {code}\n    {link}")
    print(
        "Print a card per team (name, QR code, link, code): sectorwb academy cards "
        f"{found.slug} --out team-cards.pdf"
        + (f" --public-url {public_url}" if public_url else "")
    )


def _read_organisations(path: str) -> list[tuple[str, str | None]]:
    from .organisations import read_organisations  # pydantic: not for --help

    return [(o.name, o.kind) for o in read_organisations(path)]


def cmd_new(args: argparse.Namespace) -> int:
    names = academy.read_teams_file(args.teams)
    listed = _read_organisations(args.organisations) if args.organisations else []
    created, key = academy.create(
        args.name, args.region, names, args.public_url, listed
    )
    print(
        f"Created the Academy {created.name} ({created.slug}), region {created.region}"
    )
    if listed:
        print(
            f"  {len(listed)} local organisations, offered on its pages instead of "
            "the region's"
        )
    print(f"  answers: {created.store.shown}")
    print(f"Trainer key: {key}")
    print(
        "  Keep it private: it opens the trainer's view of every team. It is shown "
        "only now (only a hash of it is stored)."
    )
    _print_links(created, None)
    print(f"Serve it with: sectorwb serve --academy {created.slug}")
    return 0


def cmd_list(_args: argparse.Namespace) -> int:
    slugs = academy_slugs()
    if not slugs:
        print(
            "No Academies yet. Create one with `sectorwb academy new NAME --region "
            "SLUG --teams FILE`."
        )
    for slug in slugs:
        found = academy.load(slug)
        try:
            teams = found.teams(counts=False)
            print(
                f"{slug}  {found.name}  region {found.region}  {len(teams)} teams  "
                f"({found.store.shown})"
            )
        finally:
            found.store.close()
    return 0


def cmd_teams(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    print(f"Teams of {found.name}:")
    for team in found.teams(removed=True):
        state = f"code {team.token}" if team.token else "removed (link stopped)"
        print(f"  {team.name}  {state}  {team.answered} answered questions")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    name = found.add_team(args.name)
    print(f"Added {name} to {found.name}: {found.link(name, args.public_url)}")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    moved = found.rename_team(args.old, args.new)
    print(
        f"Renamed {args.old!r} to {args.new!r}: {moved} saved answer rows (with "
        "their history) moved along. The team's link now carries the new name:"
    )
    print(f"  {found.link(args.new, args.public_url)}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    moved = found.merge_teams(args.source, args.into)
    print(
        f"Merged {args.source!r} into {args.into!r}: {moved} saved answer rows moved, "
        "history kept. Where both teams answered a question, the newer answer is "
        f"the current one. The link of {args.source!r} no longer opens anything."
    )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    team = found.remove_team(args.name)
    print(
        f"Removed {team.name!r} from {found.name}: its link stops working. Its "
        f"{team.answered} answered questions are kept; `sectorwb academy add "
        f"{found.slug} {team.name!r}` brings the team back with a new link."
    )
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    if args.new_token:
        found.replace_token(args.new_token)
        print(f"New code for {args.new_token!r}: its old link and card stop working.")
    _print_links(found, args.public_url)
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    key = found.new_trainer_key()
    print(f"New trainer key of {found.name}: {key}")
    print(
        "  The old key no longer opens the console. Keep this one private; it is "
        "shown only now."
    )
    return 0


def cmd_organisations(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    if args.file and args.clear:
        raise AcademyError("Give a FILE or --clear, not both.")
    if args.file or args.clear:
        listed = _read_organisations(args.file) if args.file else []
        found.store.set_organisations(listed)
        print(
            f"{found.name} now offers {len(listed)} local organisations of its own."
            if listed
            else f"{found.name} now offers its region's ({found.region}) organisations."
        )
        print("  Pages opened from now on offer them; open pages keep the old list.")
        return 0
    listed = found.organisations()
    if not listed:
        print(
            f"{found.name} has no list of its own: its pages offer the organisations "
            f"of the region {found.region}."
        )
    for name, kind in listed:
        print(f"  {name}" + (f"  ({kind})" if kind else ""))
    return 0


def cmd_cards(args: argparse.Namespace) -> int:
    found = academy.load(args.slug)
    out = Path(args.out)
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("pdf", "docx"):
        raise AcademyError(
            f"--out {args.out}: name a .pdf or a .docx file, e.g. team-cards.pdf."
        )
    if out.exists() and not args.replace:
        raise AcademyError(
            f"{out} exists already. Give another file name, or add --replace to "
            "write over it."
        )
    if not out.parent.is_dir():
        raise AcademyError(f"{out.parent} is not a folder: create it first.")
    if kind == "pdf" and wordfile.libreoffice() is None:
        raise AcademyError(wordfile.NO_LIBREOFFICE)
    data = cards.cards_docx(found, args.public_url, args.paper)
    if kind == "pdf":
        data = wordfile.pdf_bytes(data, "team-cards")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise AcademyError(
            f"{out} cannot be written ({exc.strerror}): pick a file in a folder you "
            "can write to."
        ) from None
    count = len(found.teams(counts=False))
    print(
        f"Wrote {count} team cards of {found.name} to {out}. Print at actual size "
        "(100%), then cut along the dashed lines."
    )
    warning = cards.font_warning(found) if kind == "pdf" else None
    if warning:
        print(f"sectorwb: warning: {warning}", file=sys.stderr)
    return 0


def _public_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the address teams type at the venue, e.g. "
        "http://venue-laptop.local:8866 (default: the one given at `academy new`)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sectorwb academy ...`` to the ``sectorwb`` parser."""
    parser = subparsers.add_parser(
        "academy", help="create an Academy and manage its teams and links"
    )
    sub = parser.add_subparsers(dest="academy_command", required=True)
    new = sub.add_parser("new", help="create an Academy; prints the trainer key, links")
    new.add_argument("name", help='e.g. "Denver Metro 2027"')
    new.add_argument("--region", required=True, help="region slug, e.g. demo")
    new.add_argument(
        "--teams",
        required=True,
        metavar="FILE",
        help="one team name per line, or a .csv with a 'team' column",
    )
    new.add_argument(
        "--public-url",
        metavar="URL",
        help="the address teams type at the venue, e.g. http://venue-laptop.local:8866"
        f" (default: {academy.DEFAULT_PUBLIC_URL})",
    )
    new.add_argument(
        "--organisations",
        metavar="FILE",
        help="a CSV of local organisations (columns name and kind, kind optional), "
        "offered on the pages instead of the region's list",
    )
    new.set_defaults(func=cmd_new)
    listing = sub.add_parser("list", help="list the Academies, each with its region")
    listing.set_defaults(func=cmd_list)

    commands = [
        ("teams", cmd_teams, "list the teams, codes and answer counts", ()),
        ("add", cmd_add, "add a team (or bring a removed one back)", ("name",)),
        ("rename", cmd_rename, "rename a team; its answers move along", ("old", "new")),
        ("merge", cmd_merge, "move a team's answers into another", ("source", "into")),
        ("remove", cmd_remove, "stop a team's link; its answers are kept", ("name",)),
        ("links", cmd_links, "print every team's link again", ()),
        ("key", cmd_key, "make a new trainer key (a lost or leaked one)", ()),
        ("cards", cmd_cards, "write a printable card per team (QR code)", ()),
        (
            "organisations",
            cmd_organisations,
            "show, replace (FILE) or clear the Academy's local organisations",
            (),
        ),
    ]
    for command, func, help_text, positional in commands:
        one = sub.add_parser(command, help=help_text)
        one.add_argument("slug", help="the Academy, e.g. denver-metro-2027")
        for name in positional:
            one.add_argument(name)
        if command in ("add", "rename", "links", "cards"):
            _public_url(one)
        if command == "links":
            one.add_argument(
                "--new-token",
                metavar="NAME",
                help="give this team a new code (a lost or leaked card)",
            )
        if command == "cards":
            _cards_options(one)
        if command == "organisations":
            one.add_argument(
                "file",
                nargs="?",
                metavar="FILE",
                help="a CSV of local organisations (as for `academy new "
                "--organisations`); replaces the Academy's list",
            )
            one.add_argument(
                "--clear",
                action="store_true",
                help="drop the Academy's list: its pages offer the region's again",
            )
        one.set_defaults(func=func)


def _cards_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the file to write: .pdf (needs LibreOffice) or .docx",
    )
    parser.add_argument(
        "--paper", choices=sorted(cards.PAPERS), default="letter", help="page size"
    )
    parser.add_argument(
        "--replace", action="store_true", help="write over FILE if it exists"
    )
