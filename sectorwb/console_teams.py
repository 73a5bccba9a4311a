"""The console's team changes: add, rename, merge and remove teams, as the
``sectorwb academy`` commands do, keeping every saved answer and its history."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as W

from . import academy
from .errors import AcademyError, SectorwbError
from .ui import lean, message, text_html


class TeamChanges(W.VBox):
    """Forms for the four changes; ``changed`` is called after each one succeeds.
    Merging and removing ask for a second click: both stop a team's link."""

    def __init__(self, served: academy.Academy, changed: Callable[[], None]):
        self.served, self._changed = served, changed
        self.result = lean(W.HTML)
        self.new_name = W.Text(description="New team", placeholder="team name")
        self.rename_from = W.Dropdown(description="Rename")
        self.rename_to = W.Text(description="to", placeholder="new name")
        self.merge_from = W.Dropdown(description="Merge")
        self.merge_into = W.Dropdown(description="into")
        self.remove_one = W.Dropdown(description="Remove")
        self._armed: str | None = None  # the change waiting for its second click
        # Each button's name differs from its row's first box ("Rename"): a screen
        # reader lists both, and two controls of one name cannot be told apart.
        rows = [
            (self.new_name, "Add team", self._add),
            ((self.rename_from, self.rename_to), "Rename team", self._rename),
            ((self.merge_from, self.merge_into), "Merge teams", self._merge),
            (self.remove_one, "Remove team", self._remove),
        ]
        boxes = []
        for inputs, label, action in rows:
            button = W.Button(description=label)
            button.on_click(lambda b, action=action: self._run(b, action))
            parts = inputs if isinstance(inputs, tuple) else (inputs,)
            boxes.append(W.HBox([*parts, button]))
        head = text_html("Change teams", "sectorwb-h2", "h2") + text_html(
            "Every saved answer and its history is kept. Renaming changes the team's "
            "link; merging moves a team's answers into another and stops its link; "
            "removing stops the link and keeps the answers (adding the name again "
            "brings them back with a new code)."
        )
        super().__init__([lean(W.HTML, value=head), *boxes, self.result])
        self.update()

    def update(self) -> None:
        """Offer the Academy's current teams (after any change, here or the CLI)."""
        names = [t.name for t in self.served.teams(counts=False)]
        for box in (
            self.rename_from,
            self.merge_from,
            self.merge_into,
            self.remove_one,
        ):
            current = box.value
            box.options = names
            box.value = current if current in names else None

    def _run(self, button: W.Button, action: Callable[[], str | None]) -> None:
        try:
            said = action()
        except SectorwbError as exc:
            self._armed = None
            self.result.value = message(str(exc)).value
            return
        if said is None:  # waiting for the second click
            return
        self._armed = None
        self.result.value = message(said, "info").value
        self.update()
        self._changed()

    def _confirmed(self, what: str, warning: str) -> bool:
        """True on the second click of the same change; the first one says what it
        will do."""
        if self._armed == what:
            return True
        self._armed = what
        self.result.value = message(
            f"{warning} Click again to confirm.", "warning"
        ).value
        return False

    def _add(self) -> str:
        name = self.served.add_team(self.new_name.value)
        self.new_name.value = ""
        return f"Added {name}. Its link: {self.served.link(name)}"

    def _rename(self) -> str:
        old, new = _chosen(self.rename_from), self.rename_to.value
        moved = self.served.rename_team(old, new)
        self.rename_to.value = ""
        return f"Renamed {old} to {new.strip()}: {moved} answer rows moved along."

    def _merge(self) -> str | None:
        source, into = _chosen(self.merge_from), _chosen(self.merge_into)
        if source == into:
            raise AcademyError("Choose two different teams to merge.")
        if not self._confirmed(
            f"merge {source} {into}",
            f"Merge {source} into {into}: {source}'s answers move to {into} and "
            f"{source}'s link stops.",
        ):
            return None
        moved = self.served.merge_teams(source, into)
        return f"Merged {source} into {into}: {moved} answer rows moved, history kept."

    def _remove(self) -> str | None:
        name = _chosen(self.remove_one)
        if not self._confirmed(
            f"remove {name}",
            f"Remove {name}: its link stops working; its answers are kept.",
        ):
            return None
        team = self.served.remove_team(name)
        return (
            f"Removed {team.name}: its link stops working. Its {team.answered} "
            "answered questions are kept; add the name again to bring it back."
        )


def _chosen(box: W.Dropdown) -> str:
    if box.value is None:
        raise AcademyError(f"Choose a team for “{box.description}”.")
    return box.value
