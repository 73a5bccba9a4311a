"""Load, validate and list the worksheet YAML files (package data plus a trainer's folder)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from . import config
from .errors import ContentError
from .schema import KINDS, Worksheet

if TYPE_CHECKING:
    import yaml

PACKAGE_DIR = Path(__file__).parent / "worksheets"
# A trainer's folder of extra or replacement worksheets (same id replaces ours).
EXTRA_DIR_ENV = "SECTORWB_WORKSHEETS_DIR"

# Parsed YAML of the worksheet files, in the data directory (see _YamlCache).
CACHE_FILE = Path("cache") / "worksheet-yaml.json"
_CACHE_FORMAT = 1


def worksheet_files() -> list[Path]:
    files = sorted(PACKAGE_DIR.glob("*.yaml"))
    extra = os.environ.get(EXTRA_DIR_ENV)
    if extra:
        files += sorted(Path(extra).expanduser().glob("*.yaml"))
    return files


def load_file(path: Path, cache: _YamlCache | None = None) -> Worksheet:
    """Parse and validate one file; any problem raises ContentError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot be read as UTF-8 text ({exc}).") from None
    data = _parse(path, text) if cache is None else cache.parse(path, text)
    if not isinstance(data, dict):
        raise ContentError(
            f"{path}: expected a mapping with id, title, source, sections and "
            f"action_table at the top level, found {type(data).__name__}."
        )
    try:
        return Worksheet.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_describe(path, text, exc)) from None


def _safe_loader() -> Any:
    import yaml  # only for a new, changed or broken file (see _YamlCache)

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(path: Path, text: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_safe_loader())
    except yaml.YAMLError as exc:
        raise ContentError(
            f"{path}{_yaml_where(exc)}. Check indentation and quotes "
            "around text that contains a colon."
        ) from None


class _YamlCache:
    """Parsed worksheet files by the SHA-256 of their text, kept as JSON in the data
    directory, so that opening a page needs neither PyYAML nor a parse (~18 ms of a
    page's kernel, paid by every team opening a page).

    Only the parse is cached: pydantic validates every worksheet every time, and an edit
    changes the text and so the key. The file lives with the answers (a place only the
    trainer's account writes, never a shared temporary folder), and a cache that cannot
    be read or written is only slower. Entries are kept only when JSON gives back
    exactly what YAML gave (no dates, only text keys).
    """

    def __init__(self) -> None:
        self.path = config.data_dir() / CACHE_FILE
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        ok = isinstance(saved, dict) and saved.get("format") == _CACHE_FORMAT
        entries = saved.get("parsed") if ok else None
        self._saved: dict[str, Any] = entries if isinstance(entries, dict) else {}
        self._now: dict[str, Any] = {}  # entries of the files read this time

    def parse(self, path: Path, text: str) -> Any:
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        saved = key in self._saved
        data = self._saved[key] if saved else _parse(path, text)
        if saved or _same_as_json(data):
            self._now[key] = data
        return data

    def save(self) -> None:
        """Write the entries of the current files, if they changed."""
        if self._now.keys() == self._saved.keys():
            return
        body = {
            "generator": f"{__name__} (parsed worksheet YAML; safe to delete)",
            "format": _CACHE_FORMAT,
            "parsed": self._now,
        }
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(body), encoding="utf-8")
            os.replace(tmp, self.path)  # pages opening at once each see a whole file
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _same_as_json(data: Any) -> bool:
    try:
        return json.loads(json.dumps(data)) == data
    except (TypeError, ValueError):  # e.g. a date, or NaN
        return False


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
    import yaml

    lines = [f"{path}: {exc.error_count()} problem(s) in the worksheet:"]
    root = yaml.compose(text, Loader=_safe_loader())
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
    import yaml

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
    cache = _YamlCache()
    for path in worksheet_files():
        try:
            ws = load_file(path, cache)
            if ws.id != path.stem:
                raise ContentError(
                    f"{path}: field id: the worksheet says id {ws.id!r} but the file is "
                    f"named {path.name!r}. Rename the file to {ws.id}.yaml or change id."
                )
            found[path.stem] = ws
        except ContentError as exc:
            found[path.stem] = exc
    cache.save()
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
