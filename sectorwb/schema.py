"""Pydantic models of a worksheet: what a YAML file in ``worksheets/`` may say."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from .checks import Check
from .offers import REGION_OFFERS

# Ids become widget keys and database keys, never paths; keep them plain.
_ID = r"^[a-z][a-z0-9_]{0,63}$"
# What `offers` names: one list, or several offered together (the team's support
# partners and the region's organisations), written as a name or a list of names.
OfferNames = Annotated[
    tuple[Annotated[str, Field(pattern=_ID)], ...],
    BeforeValidator(lambda v: (v,) if isinstance(v, str) else v),
]


class _Model(BaseModel):
    # A typo in a YAML key must fail loudly instead of being ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Where in the manual the worksheet's wording comes from."""

    document: str = "Colorado Convener Guide 2017"
    section: str
    page: int | None = None


class ShowIf(_Model):
    """Show a question only while any of the named questions has this answer (a yes/no
    or single choice), or includes it (a multiple choice).

    Hiding never clears what was typed: the answer comes back with the question.
    """

    any_of: list[str] = Field(min_length=1)
    answer: str = "No"

    def holds(self, answers: dict[str, Any]) -> bool:
        return any(self._hit(answers.get(q)) for q in self.any_of)

    def _hit(self, value: Any) -> bool:
        if isinstance(value, dict):
            return value.get("answer") == self.answer
        if isinstance(value, list):
            return self.answer in value
        return value == self.answer


class _Question(_Model):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)
    help: str = ""
    show_if: ShowIf | None = None
    # A sub-item of the question above it (the manual's "a.", "b." ...): indented.
    sub_item: bool = False
    # A named list this answer adds to (e.g. "target_sectors"), which questions that
    # `offer` the same name suggest, on any worksheet of the same team.
    provides: str | None = Field(default=None, pattern=_ID)

    @field_validator("provides")
    @classmethod
    def _not_the_regions(cls, name: str | None) -> str | None:
        if name in REGION_OFFERS:
            raise ValueError(
                f"{name!r} is the region's list of organisations: a question can offer "
                "it but not provide it; pick another name"
            )
        return name

    def items(self, value: Any) -> list[str]:
        """The answer as a list of short texts (what `provides` contributes)."""
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return []

    def empty(self) -> Any:
        """The value of an unanswered question."""
        return ""

    def is_answered(self, value: Any) -> bool:
        return bool(value.strip()) if isinstance(value, str) else bool(value)


class ShortText(_Question):
    kind: Literal["short_text"]
    placeholder: str = ""
    offers: OfferNames = ()


class LongText(_Question):
    kind: Literal["long_text"]
    placeholder: str = ""


class YesNo(_Question):
    kind: Literal["yes_no"]
    notes_label: str = "Notes"

    def empty(self) -> dict[str, Any]:
        return {"answer": None, "notes": ""}

    def is_answered(self, value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        return bool(value.get("answer") or str(value.get("notes") or "").strip())


class SingleChoice(_Question):
    kind: Literal["single_choice"]
    options: list[str] = Field(min_length=2)
    # Text shown under the choice once an option is picked (e.g. what a stage needs).
    option_help: dict[str, str] = {}

    @model_validator(mode="after")
    def _help_for_known_options(self) -> SingleChoice:
        unknown = set(self.option_help) - set(self.options)
        if unknown:
            raise ValueError(f"option_help names options not listed: {sorted(unknown)}")
        return self

    def empty(self) -> None:
        return None


class MultiChoice(_Question):
    kind: Literal["multi_choice"]
    options: list[str] = Field(min_length=1)

    def empty(self) -> list[str]:
        return []


class DateQ(_Question):
    kind: Literal["date"]

    def empty(self) -> None:
        return None


class ItemList(_Question):
    kind: Literal["list"]
    placeholder: str = "One per line"

    def empty(self) -> list[str]:
        return []


class Table(_Question):
    kind: Literal["table"]
    columns: list[str] = Field(min_length=1)
    # Rows the manual prints: the first column of each is filled in already.
    preset: list[str] = []
    # Blank rows with this placeholder in the first column (the manual's "Other?").
    blank_rows: int = Field(default=1, ge=0, le=50)
    blank_placeholder: str = ""
    # Columns answered by picking from a list instead of typing.
    column_options: dict[str, list[str]] = {}
    # Columns typed freely, with these offered as you type (e.g. the manual's stages).
    column_suggestions: dict[str, list[str]] = {}
    # Columns typed freely that also offer named lists of the team's answers (e.g. the
    # support partners of the Step 1 roster) or the region's organisations, as
    # `offers` does for a short text.
    column_offers: dict[str, OfferNames] = {}

    @field_validator("columns")
    @classmethod
    def _unique_columns(cls, columns: list[str]) -> list[str]:
        if len(set(columns)) != len(columns):
            raise ValueError("column names must be different from each other")
        return columns

    @model_validator(mode="after")
    def _options_for_known_columns(self) -> Table:
        for name in ("column_options", "column_suggestions", "column_offers"):
            unknown = set(getattr(self, name)) - set(self.columns)
            if unknown:
                raise ValueError(f"{name} names unknown columns: {sorted(unknown)}")
        both = set(self.column_options) & (self.typed_with_suggestions())
        if both:
            raise ValueError(
                f"columns {sorted(both)} have both column_options (pick one) and "
                "column_suggestions or column_offers (type freely); choose one"
            )
        return self

    def typed_with_suggestions(self) -> set[str]:
        """Columns typed freely with values offered as you type."""
        return set(self.column_suggestions) | set(self.column_offers)

    def known(self) -> dict[str, list[str]]:
        """Each column's listed values, in the worksheet's order."""
        return self.column_options | self.column_suggestions

    def items(self, value: Any) -> list[str]:
        rows = value if isinstance(value, list) else []
        first = self.columns[0]
        return [
            str(r.get(first)).strip()
            for r in rows
            if isinstance(r, dict) and str(r.get(first) or "").strip()
        ]

    def empty(self) -> list[dict[str, str]]:
        first = self.columns[0]
        rows = [{c: "" for c in self.columns} | {first: p} for p in self.preset]
        return rows + [{c: "" for c in self.columns} for _ in range(self.blank_rows)]

    def is_answered(self, value: Any) -> bool:
        if not isinstance(value, list):
            return False
        preset = set(self.preset)
        return any(
            any(v for c, v in row.items() if not (c == self.columns[0] and v in preset))
            for row in value
            if isinstance(row, dict)
        )


QUESTION_TYPES = (
    ShortText,
    LongText,
    YesNo,
    SingleChoice,
    MultiChoice,
    DateQ,
    ItemList,
    Table,
)
KINDS = frozenset(
    get_args(t.model_fields["kind"].annotation)[0] for t in QUESTION_TYPES
)
Question = Annotated[Union[QUESTION_TYPES], Field(discriminator="kind")]  # noqa: UP007


class Bar(_Model):
    group: str = ""
    label: str
    value: float


class Figure(_Model):
    """A small bar chart of figures the manual prints (drawn offline as SVG)."""

    title: str
    unit: str = "%"
    note: str = ""
    bars: list[Bar] = Field(min_length=1)


# The columns each kind of picture reads from its table (see sectorwb.maps).
PICTURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "journey_map": ("Program", "Stage", "Step", "Strong or weak", "Notes"),
    "tables": (
        "Table",
        "Convened by",
        "Purpose",
        "Types of businesses",
        "Businesses at the table",
        "How well it serves its purpose",
    ),
    "knocks": (
        "Organization",
        "Program",
        "Position",
        "Purpose",
        "Businesses or sector targeted",
        "How often",
    ),
    "connections": ("Organization", "Connected to", "Kind"),
    "information_flow": (
        "Hop",
        "What passes",
        "Does it get through?",
        "Where it breaks",
    ),
    "career_pathway": (
        "Stage",
        "Credential",
        "Duration",
        "Institution",
        "Entry point",
        "Exit to a job",
    ),
}


class Picture(_Model):
    """A picture drawn from a table of the section as the team types (a journey map,
    the many knocks, ...), with the discussion questions shown beside it."""

    kind: Literal[tuple(PICTURE_COLUMNS)]  # type: ignore[valid-type]
    title: str = Field(min_length=1)
    source: str = Field(pattern=_ID)
    # Questions of the same section shown next to the picture, in this order.
    beside: list[str] = []


class ExplorerSpec(_Model):
    """The LMI sector explorer; its "Add to shortlist" fills this table question."""

    shortlist: str = Field(pattern=_ID)


class Section(_Model):
    id: str = Field(pattern=_ID)
    title: str
    intro: str = ""
    explorer: ExplorerSpec | None = None
    # Whose questions these are (e.g. "Conveners"); see Worksheet.audience_question.
    audience: str | None = None
    figure: Figure | None = None
    pictures: list[Picture] = []
    questions: list[Question] = []

    @model_validator(mode="after")
    def _has_content(self) -> Section:
        if not (self.questions or self.figure or self.intro or self.explorer):
            raise ValueError("a section needs questions, a figure or intro text")
        return self


class ActionTable(_Model):
    """The next-steps table every worksheet ends with."""

    id: str = Field(default="next_steps", pattern=_ID)
    title: str = "Next Steps"
    intro: str = ""
    columns: list[str] = ["Action", "Timeline", "Who's committed"]
    preset: list[str] = []
    blank_rows: int = Field(default=3, ge=0, le=50)
    blank_placeholder: str = ""

    @field_validator("columns")
    @classmethod
    def _starts_with_the_three(cls, columns: list[str]) -> list[str]:
        if len(columns) < 3 or len(set(columns)) != len(columns):
            raise ValueError(
                "needs at least three different columns: Action, Timeline and "
                "Who's committed (plus any the worksheet adds)"
            )
        return columns

    def as_question(self) -> Table:
        """The action table is stored and rendered as a table question."""
        return Table(
            kind="table",
            id=self.id,
            text=self.title,
            help=self.intro,
            columns=self.columns,
            preset=self.preset,
            blank_rows=self.blank_rows,
            blank_placeholder=self.blank_placeholder,
        )


def _check_pictures(section: Section) -> None:
    """A picture draws a table of its own section that has the columns it reads."""
    mine = {q.id: q for q in section.questions}
    sources = {p.source for p in section.pictures}
    placed: set[str] = set()  # a question is shown beside one picture at most
    for pic in section.pictures:
        source = mine.get(pic.source)
        if not isinstance(source, Table):
            raise ValueError(
                f"section {section.id}: picture {pic.title!r} source {pic.source!r} "
                "must name a table question of the same section"
            )
        missing = [c for c in PICTURE_COLUMNS[pic.kind] if c not in source.columns]
        if missing:
            raise ValueError(
                f"section {section.id}: a {pic.kind} picture needs the table "
                f"{pic.source!r} to have the columns {missing}"
            )
        stray = [q for q in pic.beside if q not in mine or q in sources | placed]
        placed |= set(pic.beside)
        if stray:
            raise ValueError(
                f"section {section.id}: picture {pic.title!r} beside names {stray}: "
                "each must be another question of this section, beside one picture"
            )


class Worksheet(_Model):
    id: str = Field(pattern=_ID)
    title: str
    # A column heading of the trainer's grid; default: the title up to its colon.
    short_title: str = ""
    order: int = 0
    source: Source
    intro: str = ""
    sections: list[Section] = Field(min_length=1)
    action_table: ActionTable
    # A single_choice question whose answer puts the sections of that audience first.
    audience_question: str | None = None
    checks: list[Check] = []

    @model_validator(mode="after")
    def _ids_unique(self) -> Worksheet:
        seen: set[str] = set()
        for q in self.questions():
            if q.id in seen:
                raise ValueError(
                    f"question id {q.id!r} is used twice; ids must be unique"
                )
            seen.add(q.id)
        self._check_references(seen)
        return self

    def _check_references(self, ids: set[str]) -> None:
        by_id = {q.id: q for q in self.questions()}
        for q in self.questions():
            for ref in q.show_if.any_of if q.show_if else []:
                target = by_id.get(ref)
                if isinstance(target, SingleChoice | MultiChoice):
                    allowed = target.options
                elif isinstance(target, YesNo):
                    allowed = ["Yes", "No"]
                else:
                    raise ValueError(
                        f"{q.id}.show_if names {ref!r}: not a yes_no or choice question"
                    )
                if q.show_if.answer not in allowed:
                    raise ValueError(
                        f"{q.id}.show_if.answer {q.show_if.answer!r} is not an answer "
                        f"of {ref!r}: one of {allowed}"
                    )
        for section in self.sections:
            if section.explorer and not isinstance(
                by_id.get(section.explorer.shortlist), Table
            ):
                raise ValueError(
                    f"section {section.id}: explorer.shortlist must name a table question"
                )
            _check_pictures(section)
        for check in self.checks:
            missing = [r for r in check.refs() if r not in ids]
            if missing:
                raise ValueError(
                    f"a {check.kind} check names unknown questions {missing}"
                )
        if self.audience_question is not None:
            chooser = by_id.get(self.audience_question)
            if not isinstance(chooser, SingleChoice):
                raise ValueError(
                    f"audience_question {self.audience_question!r} must be a "
                    "single_choice question of this worksheet"
                )
            unknown = {s.audience for s in self.sections if s.audience} - set(
                chooser.options
            )
            if unknown:
                raise ValueError(f"section audiences {sorted(unknown)} are not options")

    @property
    def short(self) -> str:
        return self.short_title or self.title.split(":")[0]

    def progress(self, answers: dict[str, Any]) -> tuple[int, int]:
        """(answered, total) of the questions shown, the action table counting as
        one: a question hidden by the answers above it is not asked."""
        qs = self.shown(answers)
        done = sum(1 for q in qs if q.id in answers and q.is_answered(answers[q.id]))
        return done, len(qs)

    def shown(self, answers: dict[str, Any]) -> list[Any]:
        """The questions the page shows for these answers, in page order."""
        visible: dict[str, Any] = {}  # a hidden question cannot show another
        out = []
        for q in self.questions():
            if q.show_if is None or q.show_if.holds(visible):
                visible[q.id] = answers.get(q.id)
                out.append(q)
        return out

    def pictures(self) -> list[tuple[Picture, Table]]:
        """Every picture in page order, with the table it draws."""
        by_id = {q.id: q for q in self.questions()}
        return [(p, by_id[p.source]) for s in self.sections for p in s.pictures]

    def offered(self) -> set[str]:
        """Every named list a question of this worksheet offers as you type."""
        found: set[str] = set()
        for q in self.questions():
            found.update(getattr(q, "offers", ()))
            for names in getattr(q, "column_offers", {}).values():
                found.update(names)
        return found

    def questions(self) -> list[Any]:
        """Every question in page order, the action table last."""
        qs = [q for s in self.sections for q in s.questions]
        return [*qs, self.action_table.as_question()]
