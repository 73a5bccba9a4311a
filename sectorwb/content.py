"""Load, validate and list the worksheet YAML files (package data plus a trainer's folder)."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ContentError
from .schema import KINDS, Worksheet

PACKAGE_DIR = Path(__file__).parent / "worksheets"
# A trainer's folder of extra or replacement worksheets (same id replaces ours).
EXTRA_DIR_ENV = "SECTORWB_WORKSHEETS_DIR"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def worksheet_files() -> list[Path]:
    files = sorted(PACKAGE_DIR.glob("*.yaml"))
    extra = os.environ.get(EXTRA_DIR_ENV)
    if extra:
        files += sorted(Path(extra).expanduser().glob("*.yaml"))
    return files


def load_file(path: Path) -> Worksheet:
    """Parse and validate one file; any problem raises ContentError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot be read as UTF-8 text ({exc}).") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ContentError(
            f"{path}{_yaml_where(exc)}. Check indentation and quotes "
            "around text that contains a colon."
        ) from None
    if not isinstance(data, dict):
        raise ContentError(
            f"{path}: expected a mapping with id, title, source, sections and "
            f"action_table at the top level, found {type(data).__name__}."
        )
    try:
        return Worksheet.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_describe(path, text, exc)) from None


def _yaml_where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f", line {mark.line + 1}" if mark else ""
    if context is not None and (mark is None or context.line != mark.line):
        # e.g. a quote opened on one line and never closed: that line is the culprit.
        what = getattr(exc, "context", None) or "the construct"
        where += f" ({what} that starts on line {context.line + 1})"
    return f"{where}: not valid YAML ({problem})"


def _describe(path: Path, text: str, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s) in the worksheet:"]
    root = yaml.compose(text, Loader=_Loader)
    for err in exc.errors()[:10]:
        loc = [p for p in err["loc"] if not _is_union_tag(p)]
        field = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(root, loc)
        at = f"line {line}, " if line else ""
        lines.append(f"  - {at}field {field}: {err['msg']}")
    return "\n".join(lines)


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the discriminator value ("yes_no") into the location.
    return isinstance(part, str) and part in KINDS


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """Line of the deepest YAML node that the error location reaches."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, best = child, child.start_mark.line + 1
    return best


@functools.cache
def _all() -> dict[str, Worksheet | ContentError]:
    """Every worksheet file by id (= file name); a broken file maps to its error, so
    one bad file shows its message where it is used instead of breaking every page."""
    found: dict[str, Worksheet | ContentError] = {}
    for path in worksheet_files():
        try:
            ws = load_file(path)
            if ws.id != path.stem:
                raise ContentError(
                    f"{path}: field id: the worksheet says id {ws.id!r} but the file is "
                    f"named {path.name!r}. Rename the file to {ws.id}.yaml or change id."
                )
            found[path.stem] = ws
        except ContentError as exc:
            found[path.stem] = exc
    return dict(sorted(found.items(), key=lambda kv: (_order(kv[1]), kv[0])))


def _order(entry: Worksheet | ContentError) -> int:
    return entry.order if isinstance(entry, Worksheet) else 10**9


def worksheets() -> list[Worksheet]:
    """Every valid worksheet, in the manual's order."""
    return [ws for ws in _all().values() if isinstance(ws, Worksheet)]


def problems() -> list[ContentError]:
    """The errors of every worksheet file that could not be loaded."""
    return [e for e in _all().values() if isinstance(e, ContentError)]


def get(worksheet_id: str) -> Worksheet:
    entry = _all().get(worksheet_id)
    if isinstance(entry, ContentError):
        raise entry
    if entry is None:
        known = ", ".join(ws.id for ws in worksheets()) or "none"
        raise ContentError(
            f"There is no worksheet with id {worksheet_id!r}. Known worksheets: {known}."
        )
    return entry


def named_answers(answers: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Items of every answer that ``provides`` a name (e.g. ``target_sectors``), from a
    team's answers by worksheet then question; each item once, in worksheet order."""
    named: dict[str, dict[str, None]] = {}
    for ws in worksheets():
        for q in ws.questions():
            if q.provides and q.id in answers.get(ws.id, {}):
                items = q.items(answers[ws.id][q.id])
                named.setdefault(q.provides, {}).update(dict.fromkeys(items))
    return {name: list(items) for name, items in named.items()}
