"""What a typed answer offers as you type: the team's own named answers beside the
region's organisations, each of those shown with its kind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .teams import key

# Names a worksheet's `offers:` / `column_offers:` may use for the region's list (the
# Academy's own list when it has one); no question may `provides:` them.
REGION_ORGANISATIONS = "region_organisations"
REGION_EMPLOYERS = "region_employers"
REGION_OFFERS = frozenset({REGION_ORGANISATIONS, REGION_EMPLOYERS})
EMPLOYER = "employer"
# Between a name and its kind in an option: names often end in "(...)" already.
KIND_MARK = " — "

Named = Mapping[str, Sequence[str]]
Kinds = Mapping[str, str]  # teams.key(name) -> kind


def region_named(
    organisations: Iterable[tuple[str, str | None]],
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The region's (name, kind) pairs as named lists to offer, and their kinds."""
    pairs = list(organisations)
    named = {
        REGION_ORGANISATIONS: [name for name, _ in pairs],
        REGION_EMPLOYERS: [name for name, kind in pairs if kind == EMPLOYER],
    }
    return named, {key(name): kind for name, kind in pairs if kind}


def options(
    names: Sequence[str], named: Named, kinds: Kinds, first: Sequence[str] = ()
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The options of a question offering the lists ``names`` (after ``first``, the
    YAML's own suggestions), and the name each option with a kind is saved as.

    A name is offered once, however it is spelt (the first spelling wins, so the
    team's own names come before the region's); an organisation of the region shows
    its kind ("Birch College — college") and saves as its plain name."""
    spelt: dict[str, str] = {}
    for item in (*first, *(i for n in names for i in named.get(n, ()))):
        if item.strip():
            spelt.setdefault(key(item), item)
    shown: list[str] = []
    saved: dict[str, str] = {}
    for k, name in spelt.items():
        kind = kinds.get(k)
        if kind:
            saved[f"{name}{KIND_MARK}{kind}"] = name
        shown.append(f"{name}{KIND_MARK}{kind}" if kind else name)
    return tuple(shown), saved
