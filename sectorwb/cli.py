"""The ``sectorwb`` command: serve the workbooks, check content, write notebooks."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from . import (
    academy,
    backup,
    config,
    content,
    handouts,
    jupyterdata,
    kernels,
    regions,
    serving,
    teams,
    wordfile,
)
from .academy_cli import register as _register_academy
from .backup import restore
from .db_cli import register as _register_db
from .errors import AcademyError, SectorwbError
from .lmi.cli import register as _register_lmi
from .store import Store, open_store
from .teams import START_NOTEBOOK, TRAINER_NOTEBOOK
from .workbooks import served_folder, write_notebooks

PACKAGE_DIR = Path(__file__).parent


def voila_command(
    workbooks: Path,
    port: int,
    host: str = "127.0.0.1",
    *,
    max_kernels: int = kernels.DEFAULT_MAX_KERNELS,
    max_kernels_per_client: int = kernels.DEFAULT_MAX_KERNELS_PER_CLIENT,
    unconnected_timeout: float = kernels.DEFAULT_UNCONNECTED_TIMEOUT_S,
    left_timeout: float = kernels.DEFAULT_LEFT_TIMEOUT_S,
    base_url: str = "/",
    behind_proxy: str = "",
) -> list[str]:
    """The command line of sectorwb's Voila server, its configuration and template."""
    return [
        sys.executable,
        "-m",
        "sectorwb.server",
        str(workbooks),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--Voila.config_file_paths",
        str(PACKAGE_DIR),
        f"--PageKernelManager.max_kernels={max_kernels}",
        f"--PageKernelManager.max_kernels_per_client={max_kernels_per_client}",
        f"--PageKernelManager.unconnected_timeout={unconnected_timeout}",
        f"--PageKernelManager.left_timeout={left_timeout}",
        f"--Voila.base_url={base_url}",
        f"--SectorwbVoila.behind_proxy={behind_proxy}",  # "": no proxy
    ]


def voila_env(
    data_dir: Path | None = None, academy_slug: str | None = None
) -> dict[str, str]:
    """Environment for the Voila server; its kernels inherit it."""
    env = dict(os.environ)
    # Voila finds the template of this very package first, even when pip installed
    # no data files (`pip install -e`) or those of another version.
    jupyter_path = str(jupyterdata.JUPYTER_DIR)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (jupyter_path, env.get("JUPYTER_PATH")) if p
    )
    if data_dir is not None:
        env[config.DATA_DIR_ENV] = str(Path(data_dir).resolve())
    if academy_slug:
        env[config.ACADEMY_ENV] = academy.validate_slug(academy_slug)
        # The Academy's own database, never another file named in the environment.
        env.pop(config.DB_ENV, None)
    else:
        env.pop(config.ACADEMY_ENV, None)
    return env


def cmd_serve(args: argparse.Namespace) -> int:
    if args.db_url:
        os.environ[config.DB_URL_ENV] = args.db_url  # for the kernels, and below
    env = voila_env(Path(args.data_dir) if args.data_dir else None, args.academy)
    workbooks = served_folder(args.workbooks, env.get(config.DATA_DIR_ENV))
    if not (workbooks / START_NOTEBOOK).exists():
        print(
            f"sectorwb: no {START_NOTEBOOK} in {workbooks}. Pass the folder of "
            "sectorwb's notebooks with --workbooks PATH, or leave --workbooks out.",
            file=sys.stderr,
        )
        return 2
    for problem in content.problems():
        # One broken file must not take down a live session: warn, serve the rest.
        print(f"sectorwb: warning: {problem}", file=sys.stderr)
    problem = serving.port_problem(args.host, args.port)
    if problem:
        # Never another port silently: every team's link names this one.
        print(f"sectorwb: {problem}", file=sys.stderr)
        return 2
    print(f"sectorwb: serving the notebooks in {workbooks}", flush=True)
    query, region = "", args.region or "demo"
    if args.academy:
        served = academy.load(args.academy, env.get(config.DATA_DIR_ENV))
        served.store.close()
        region = args.region or served.region
        print(f"sectorwb: serving the Academy {served.name}", flush=True)
        print(f"sectorwb: answers are saved in {served.store.shown}", flush=True)
        print(f"sectorwb: team links: sectorwb academy links {served.slug}", flush=True)
    elif config.db_url():
        # Checked now, so a wrong URL or a server that is down is reported here.
        store = Store(config.db_url() or "")
        try:
            store.read_only  # noqa: B018 - connects, creating the tables at first use
        finally:
            store.close()
        print(f"sectorwb: answers are saved in {store.shown}", flush=True)
    else:
        data = env.get(config.DATA_DIR_ENV) or config.data_dir()
        print(f"sectorwb: answers are saved in {data}", flush=True)
    # Checked now, so a typo is reported here and not on every team's page.
    try:
        regions.load_region(region).qcew_paths()
    except SectorwbError as exc:
        if not args.academy or args.region:
            raise
        raise AcademyError(
            f"The region {region!r} of the Academy {args.academy} cannot be used: "
            f"{exc} Bring the region back (`sectorwb region list` shows the known "
            "ones), or serve it with another: `sectorwb serve --academy "
            f"{args.academy} --region SLUG`. Its answers are untouched."
        ) from None
    if args.region or not args.academy:
        query = f"?region={region}"
    base = f"http://{args.host}:{args.port}{args.base_url}voila/render"
    print(f"sectorwb: open {base}/{START_NOTEBOOK}{query}", flush=True)
    if args.academy:
        print(f"sectorwb: trainer console: {base}/{TRAINER_NOTEBOOK}", flush=True)
    command = voila_command(
        workbooks,
        args.port,
        args.host,
        max_kernels=args.max_kernels,
        max_kernels_per_client=args.max_kernels_per_client,
        unconnected_timeout=args.unconnected_timeout,
        left_timeout=args.left_timeout,
        base_url=args.base_url,
        behind_proxy=args.behind_proxy,
    )
    return serving.run(command, env)


def _url_prefix(text: str) -> str:
    """A --base-url as Voila wants it: /path/ with both slashes."""
    path = "/" + text.strip("/") + "/" if text.strip("/") else "/"
    segments = path.strip("/").split("/")
    if not re.fullmatch(r"/(?:[A-Za-z0-9._~-]+/)*", path) or {".", ".."} & set(
        segments
    ):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a URL path prefix: use letters, digits, '.', '_', '~' "
            "and '-' between slashes, e.g. /services/sectorwb-denver/"
        )
    return path


def _proxy_network(text: str) -> str:
    if text not in ("", "loopback"):  # "": not behind a proxy (the default)
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a network: give the proxy's, e.g. 10.0.0.0/8, or "
                "nothing for a proxy on this machine"
            ) from None
    return text


def _base_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        type=_url_prefix,
        default="/",
        metavar="PATH",
        help="the path the server answers under, e.g. /services/sectorwb-denver/ "
        "behind JupyterHub (default: /)",
    )


def cmd_status(args: argparse.Namespace) -> int:
    status = serving.fetch_status(args.host, args.port, args.base_url)
    print(json.dumps(status, indent=1) if args.json else serving.format_status(status))
    return 0


def cmd_develop(_args: argparse.Namespace) -> int:
    target, linked = jupyterdata.link_template()
    if linked:
        print(f"sectorwb: {target} -> {jupyterdata.TEMPLATE_DIR}")
        print("sectorwb: a plain `voila` and JupyterLab's Voila preview find it there")
    else:
        print(
            f"sectorwb: {target} is there already (pip installed it from a wheel), so "
            "a plain `voila` finds a sectorwb template. To use this checkout's, which "
            "may be newer, remove that folder and run `sectorwb develop` again."
        )
    return 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    for path in write_notebooks(Path(args.out)):
        print(path)
    return 0


def cmd_check(_args: argparse.Namespace) -> int:
    for ws in content.worksheets():
        print(f"ok  {ws.id}: {len(ws.questions())} questions")
    for problem in content.problems():
        print(f"BAD {problem}")
    collided = _check_team_names(open_store())
    return 1 if content.problems() or collided else 0


def _check_team_names(store: Store) -> bool:
    """Report stored team names that are one team apart from case or spacing
    (stored before names were matched that way); True when there are any."""
    try:
        if not store.exists():
            return False  # no answers yet, and a check must not create the store
        counts = dict(store.team_answer_counts())
    finally:
        store.close()
    groups = teams.collisions(list(counts))
    for names in groups:
        spellings = [
            f"“{n}” ({counts[n]} saved answer{'' if counts[n] == 1 else 's'})"
            for n in names
        ]
        listed = ", ".join(spellings[:-1]) + " and " + spellings[-1]
        print(
            f"BAD teams {listed} in {store.shown} are one team name apart from case, "
            "width or spacing. Nothing was merged: each spelling still opens its own "
            "answers. Ask the team which spelling to keep."
        )
    if not groups:
        print(f"ok  teams: {len(counts)} team names in {store.shown}, no two alike")
    return bool(groups)


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; use 0 for no cap")
    return value


def _db_in(data_dir: str | None) -> Path:
    return Path(data_dir) / config.DB_FILENAME if data_dir else config.db_path()


def cmd_backup(args: argparse.Namespace) -> int:
    # The store the server saves in: a database server's is copied with `db copy`.
    source = Store(_db_in(args.data_dir)) if args.data_dir else open_store()
    try:
        rows = backup.backup(source, args.file)
    finally:
        source.close()
    print(f"sectorwb: backed up {rows} answer rows from {source.shown} to {args.file}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    done = restore(args.file, _db_in(args.data_dir), replace=args.replace)
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
        written += wordfile.to_pdf(written, out)
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
    serve.add_argument(
        "--workbooks",
        help="folder of the notebooks (default: ./workbooks, else written into the "
        "data directory)",
    )
    serve.add_argument(
        "--db-url",
        help="a PostgreSQL answer store shared by several servers: "
        f"postgresql://USER:PASSWORD@HOST:PORT/DATABASE (${config.DB_URL_ENV})",
    )
    serve.add_argument(
        "--region",
        help="region of the LMI explorer, added to the start page link (default: "
        "the Academy's, else demo)",
    )
    serve.add_argument(
        "--academy",
        metavar="SLUG",
        help="serve this Academy (`sectorwb academy new`): its own answers, and "
        "pages open only with a team's link or code",
    )
    serve.add_argument(
        "--max-kernels",
        type=_count,
        default=kernels.DEFAULT_MAX_KERNELS,
        help="most pages open at once on the server, each one a Python kernel of "
        "100-300 MB; 0: no cap (default: %(default)s)",
    )
    serve.add_argument(
        "--max-kernels-per-client",
        type=_count,
        default=kernels.DEFAULT_MAX_KERNELS_PER_CLIENT,
        help="most pages open at once from one network address (laptops behind "
        "one router share one); 0: no cap (default: %(default)s)",
    )
    serve.add_argument(
        "--unconnected-timeout",
        type=float,
        default=kernels.DEFAULT_UNCONNECTED_TIMEOUT_S,
        metavar="SECONDS",
        help="shut down a page's kernel when no browser opened the page within this "
        "many seconds after it was sent; 0: never (default: %(default)s)",
    )
    serve.add_argument(
        "--left-timeout",
        type=float,
        default=kernels.DEFAULT_LEFT_TIMEOUT_S,
        metavar="SECONDS",
        help="shut down a page's kernel this many seconds after its browser left "
        "(tab closed, laptop asleep); what it holds is saved first; 0: only the "
        "15-minute idle cull (default: %(default)s)",
    )
    _base_url(serve)
    serve.add_argument(
        "--behind-proxy",
        nargs="?",
        const="loopback",
        default="",
        type=_proxy_network,
        metavar="NETWORK",
        help="served through a proxy (JupyterHub's; see deploy/jupyterhub): count "
        "pages per visitor by the X-Forwarded-For of requests from the proxy, on "
        "this machine (no NETWORK) or in NETWORK, e.g. 10.0.0.0/8",
    )
    serve.set_defaults(func=cmd_serve)

    status = sub.add_parser(
        "status", help="kernel count and memory of the running `sectorwb serve`"
    )
    status.add_argument("--port", type=int, default=8866)
    status.add_argument("--host", default="127.0.0.1")
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    _base_url(status)
    status.set_defaults(func=cmd_status)

    nbs = sub.add_parser("notebooks", help="write the thin workbook notebooks")
    nbs.add_argument("--out", default="workbooks")
    nbs.set_defaults(func=cmd_notebooks)

    develop = sub.add_parser(
        "develop",
        help="for a checkout installed with `pip install -e`: link the Voila template "
        "where Jupyter looks for it (pip installs it there from a wheel)",
    )
    develop.set_defaults(func=cmd_develop)

    check = sub.add_parser(
        "check", help="validate every worksheet YAML and the stored team names"
    )
    check.set_defaults(func=cmd_check)
    _add_backup_commands(sub)
    _add_handouts_command(sub)
    _register_lmi(sub)
    _register_academy(sub)
    _register_db(sub)
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
