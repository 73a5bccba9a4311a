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
    rows whose ``column`` is filled in (e.g. industry members of a task team); with
    ``per``, separately for each group of rows sharing that column's value."""

    kind: Literal["majority"]
    table: str
    column: str
    value: str
    per: str | None = None

    def refs(self) -> list[str]:
        return [self.table]

    def warning(self, answers: dict[str, Any], today: dt.date) -> str | None:
        groups: dict[str, list[str]] = {}
        for row in answers.get(self.table) or []:
            if not isinstance(row, dict):
                continue
            kind = str(row.get(self.column) or "").strip()
            group = str(row.get(self.per) or "").strip() if self.per else ""
            if kind:
                groups.setdefault(group, []).append(kind)
        short = []
        for group, kinds in groups.items():
            count = sum(k == self.value for k in kinds)
            if count * 2 <= len(kinds):
                where = f"{group}: " if group else ""
                short.append(f"{where}{count} of {len(kinds)} are {self.value}")
        return f"{self.message} ({'; '.join(short)})" if short else None


Check = Annotated[Union[DaysBefore, NotPast, Majority], Field(discriminator="kind")]  # noqa: UP007
