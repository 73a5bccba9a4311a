"""The ``sectorwb`` command: serve the workbooks, check content, write notebooks."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

from . import config, content, handouts, regions, store
from .app import START_NOTEBOOK, notebook_name
from .errors import SectorwbError
from .lmi.cli import register as _register_lmi

PACKAGE_DIR = Path(__file__).parent


def voila_command(workbooks: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The Voila command line with sectorwb's configuration and template."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(workbooks),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--Voila.config_file_paths",
        str(PACKAGE_DIR),
    ]


def voila_env(data_dir: Path | None = None) -> dict[str, str]:
    """Environment for the Voila server; its kernels inherit it."""
    env = dict(os.environ)
    # Lets Voila find the sectorwb template shipped inside the package.
    jupyter_path = str(PACKAGE_DIR / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (jupyter_path, env.get("JUPYTER_PATH")) if p
    )
    if data_dir is not None:
        env[config.DATA_DIR_ENV] = str(Path(data_dir).resolve())
    return env


def _free_port(host: str, wanted: int) -> int:
    with socket.socket() as s:
        try:
            s.bind((host, wanted))
        except OSError:
            s.bind((host, 0))
        return s.getsockname()[1]


def default_workbooks() -> Path:
    return Path.cwd() / "workbooks"


def cmd_serve(args: argparse.Namespace) -> int:
    workbooks = Path(args.workbooks).resolve()
    if not (workbooks / START_NOTEBOOK).exists():
        print(
            f"sectorwb: no {START_NOTEBOOK} in {workbooks}. Run this from the sectorwb "
            "folder or pass --workbooks PATH.",
            file=sys.stderr,
        )
        return 2
    for problem in content.problems():
        # One broken file must not take down a live session: warn, serve the rest.
        print(f"sectorwb: warning: {problem}", file=sys.stderr)
    port = _free_port(args.host, args.port)
    env = voila_env(Path(args.data_dir) if args.data_dir else None)
    data = env.get(config.DATA_DIR_ENV) or config.data_dir()
    print(f"sectorwb: answers are saved in {data}", flush=True)
    query = ""
    if args.region:
        # Checked now, so a typo is reported here and not on every team's page.
        regions.load_region(args.region).qcew_paths()
        query = f"?region={args.region}"
    print(
        f"sectorwb: open http://{args.host}:{port}/voila/render/{START_NOTEBOOK}{query}",
        flush=True,
    )
    try:
        return subprocess.call(voila_command(workbooks, port, args.host), env=env)
    except KeyboardInterrupt:
        return 0


def write_notebooks(folder: Path) -> list[Path]:
    """One thin notebook per worksheet plus the start page (a title, one call)."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [
        (START_NOTEBOOK, "Start here", "from sectorwb import show_start\nshow_start()")
    ]
    pages += [
        (notebook_name(ws.id), ws.title, f'from sectorwb import show\nshow("{ws.id}")')
        for ws in content.worksheets()
    ]
    written = []
    for filename, title, code in pages:
        path = folder / filename
        nbformat.write(thin_notebook(title, [code]), path)
        written.append(path)
    return written


def thin_notebook(title: str, code_cells: list[str]) -> nbformat.NotebookNode:
    """A Python 3 notebook: a title cell, then the code cells (no outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
    }
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")]
    nb.cells += [nbformat.v4.new_code_cell(code) for code in code_cells]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # stable ids keep regenerated notebooks diff-free
    return nb


def cmd_notebooks(args: argparse.Namespace) -> int:
    for path in write_notebooks(Path(args.out)):
        print(path)
    return 0


def cmd_check(_args: argparse.Namespace) -> int:
    for ws in content.worksheets():
        print(f"ok  {ws.id}: {len(ws.questions())} questions")
    for problem in content.problems():
        print(f"BAD {problem}")
    return 1 if content.problems() else 0


def _db_in(data_dir: str | None) -> Path:
    return Path(data_dir) / config.DB_FILENAME if data_dir else config.db_path()


def cmd_backup(args: argparse.Namespace) -> int:
    source = _db_in(args.data_dir)
    rows = store.Store(source).backup(args.file)
    print(f"sectorwb: backed up {rows} answer rows from {source} to {args.file}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    done = store.restore(args.file, _db_in(args.data_dir), replace=args.replace)
    if done.kept:
        print(f"sectorwb: the answers that were there are kept in {done.kept}")
    print(f"sectorwb: restored {done.rows} answer rows from {args.file} to {done.path}")
    return 0


def _add_backup_commands(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser(
        "backup", help="copy the answer store, history included, while teams type"
    )
    backup.add_argument("file", help="the backup file to write (must not exist)")
    backup.add_argument(
        "--data-dir", help=f"the server's data directory (${config.DATA_DIR_ENV})"
    )
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore", help="bring a backup back as a data directory's answer store"
    )
    restore.add_argument("file", help="a file that `sectorwb backup` wrote")
    restore.add_argument(
        "--data-dir", help=f"where to restore it (${config.DATA_DIR_ENV})"
    )
    restore.add_argument(
        "--replace",
        action="store_true",
        help="replace an existing answer store, keeping it as a timestamped copy",
    )
    restore.set_defaults(func=cmd_restore)


def cmd_handouts(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.worksheet:
        files = {handouts.filename(ws): [ws] for ws in map(content.get, args.worksheet)}
    else:
        sheets = content.worksheets()
        files = {handouts.filename(ws): [ws] for ws in sheets}
        files[handouts.filename(None)] = sheets
    written = []
    for name, sheets in files.items():
        (out / name).write_bytes(handouts.blank_docx(sheets))
        written.append(out / name)
    if args.pdf:
        written += handouts.to_pdf(written, out)
    for path in written:
        print(path)
    return 0


def _add_handouts_command(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("handouts", help="write blank worksheets to print for paper")
    cmd.add_argument("--out", default="handouts", help="folder to write them to")
    cmd.add_argument(
        "--worksheet",
        action="append",
        metavar="ID",
        help="only this worksheet (repeat for more; default: each one and all in one)",
    )
    cmd.add_argument(
        "--pdf", action="store_true", help="also write PDFs (needs LibreOffice)"
    )
    cmd.set_defaults(func=cmd_handouts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sectorwb", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the workbooks as Voila apps")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--data-dir", help=f"where answers are saved (${config.DATA_DIR_ENV})"
    )
    serve.add_argument("--workbooks", default=str(default_workbooks()))
    serve.add_argument(
        "--region",
        default="demo",
        help="region of the LMI explorer, added to the start page link (default: demo)",
    )
    serve.set_defaults(func=cmd_serve)

    nbs = sub.add_parser("notebooks", help="write the thin workbook notebooks")
    nbs.add_argument("--out", default=str(default_workbooks()))
    nbs.set_defaults(func=cmd_notebooks)

    check = sub.add_parser("check", help="load and validate every worksheet YAML")
    check.set_defaults(func=cmd_check)
    _add_backup_commands(sub)
    _add_handouts_command(sub)
    _register_lmi(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SectorwbError as exc:
        print(f"sectorwb: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
