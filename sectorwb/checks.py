"""Worksheet checks: warnings (never errors) computed from a team's current answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    message: str = Field(min_length=1)

    def refs(self) -> list[str]:
        """Question ids the check reads; the warning shows under the last one."""
        raise NotImplementedError

    def warning(self, answers: dict[str, Any], today: dt.date) -> str | None:
        raise NotImplementedError


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


class DaysBefore(_Check):
    """Warn when ``earlier`` is less than ``days`` days before ``later`` (or after it)."""

    kind: Literal["days_before"]
    earlier: str
    later: str
    days: int = Field(ge=0)

    def refs(self) -> list[str]:
        return [self.earlier, self.later]

    def warning(self, answers: dict[str, Any], today: dt.date) -> str | None:
        first, second = _date(answers.get(self.earlier)), _date(answers.get(self.later))
        if first is None or second is None:
            return None
        gap = (second - first).days
        if gap >= self.days:
            return None
        if gap < 0:
            return f"{self.message} (the dates are out of order: {-gap} days the wrong way)"
        return (
            f"{self.message} (only {gap} days apart; at least {self.days} recommended)"
        )


class NotPast(_Check):
    """Warn when a planned date lies in the past."""

    kind: Literal["not_past"]
    question: str

    def refs(self) -> list[str]:
        return [self.question]

    def warning(self, answers: dict[str, Any], today: dt.date) -> str | None:
        day = _date(answers.get(self.question))
        if day is None or day >= today:
            return None
        return f"{self.message} ({day.isoformat()} is in the past)"


class Majority(_Check):
    """Warn when rows of a table with ``column`` == ``value`` are not a majority of the
    rows whose ``column`` is filled in (e.g. industry members of a task team)."""

    kind: Literal["majority"]
    table: str
    column: str
    value: str

    def refs(self) -> list[str]:
        return [self.table]

    def warning(self, answers: dict[str, Any], today: dt.date) -> str | None:
        rows = [r for r in answers.get(self.table) or [] if isinstance(r, dict)]
        filled = [str(r.get(self.column) or "").strip() for r in rows]
        filled = [v for v in filled if v]
        if not filled:
            return None
        count = sum(v == self.value for v in filled)
        if count * 2 > len(filled):
            return None
        return f"{self.message} ({count} of {len(filled)} are {self.value})"


Check = Annotated[Union[DaysBefore, NotPast, Majority], Field(discriminator="kind")]  # noqa: UP007
