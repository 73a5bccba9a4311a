"""Read-only answer data: every saved answer is shown and the page says plainly that
nothing can be saved, and why.

The tests run as root, where ``chmod a-w`` stops nothing. So the store is read by a
child process as ``nobody`` (``setpriv``) on folders and files made read-only with
``chmod``, and the served test gives its Voila server a mount namespace of its own in
which the data folder is a read-only bind mount (even root gets EROFS there). Run as
another user, plain ``chmod`` is enough and is what is used.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    START_PAGE,
    WORKBOOKS,
    VoilaServer,
    _die_with_pytest,
    _free_loopback_port,
    _stop,
    _wait_until_serving,
)

from sectorwb import config
from sectorwb.cli import voila_command, voila_env
from sectorwb.store import Store

AS_ROOT = os.geteuid() == 0
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
DB = config.DB_FILENAME
SHEET = "preparing_to_launch"

# What the store shows to a process that may not write (printed as JSON).
_READER = textwrap.dedent(
    """
    import json, sys
    from sectorwb import content
    from sectorwb.store import Store

    store = Store(sys.argv[1])
    out = {"answers": store.answers("Alpha", "ws"), "teams": store.teams(),
           "read_only": store.read_only, "reason": store.read_only_reason}
    try:
        store.save("Alpha", "ws", {"q": "typed later"})
        out["save"] = "saved"
    except Exception as exc:
        out["save"] = str(exc)
    # The worksheet parse cache lives in the data folder too: it must only be slower.
    out["worksheets"] = len(content.worksheets())
    print(json.dumps(out))
    """
)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder ``nobody`` can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="sectorwb-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for p in [path, *path.rglob("*")]:
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


def _save_answers(folder: Path, keep_wal: bool = False) -> None:
    """Alpha's saved answer in ``folder``; with ``keep_wal`` the files are copied while
    the database is open, so the answer is only in the -wal file (a server that is still
    running or crashed)."""
    folder.mkdir()
    work = folder.with_name(folder.name + "-work")
    work.mkdir()
    store = Store(work / DB)
    store.save("Alpha", "ws", {"q": "saved earlier"})
    if keep_wal:
        for f in work.iterdir():
            shutil.copy(f, folder / f.name)
    store.close()
    if not keep_wal:
        shutil.copy(work / DB, folder / DB)
    shutil.rmtree(work)


def _read_as_other_user(folder: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != config.DB_ENV}
    env[config.DATA_DIR_ENV] = str(folder)
    run = subprocess.run(
        [*(NOBODY if AS_ROOT else []), sys.executable, "-c", _READER, folder / DB],
        env=env,
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


# (folder mode, file mode, answer only in the -wal file, what the reason names)
CASES = {
    "folder read-only, file writable": (0o555, 0o666, False, "data folder"),
    "folder and file read-only": (0o555, 0o444, False, "answer file"),
    "file read-only, folder writable": (0o777, 0o444, False, "answer file"),
    "both read-only, -wal and -shm left": (0o555, 0o444, True, "answer file"),
}


@pytest.mark.parametrize("case", CASES)
def test_read_only_data_shows_every_saved_answer(shared_tmp: Path, case: str) -> None:
    folder_mode, file_mode, keep_wal, named = CASES[case]
    folder = shared_tmp / "data"
    _save_answers(folder, keep_wal)
    if keep_wal:
        assert {p.name for p in folder.iterdir()} == {DB, f"{DB}-wal", f"{DB}-shm"}
    for f in folder.iterdir():
        f.chmod(file_mode)
    folder.chmod(folder_mode)
    before = _listing(folder)

    seen = _read_as_other_user(folder)

    assert seen["answers"] == {"q": "saved earlier"}
    assert seen["teams"] == ["Alpha"]
    assert seen["read_only"] is True
    assert seen["reason"].startswith(f"the {named}") and "read-only" in seen["reason"]
    assert "cannot be written" in seen["save"]
    assert seen["worksheets"] > 0
    if not folder_mode & 0o222:
        assert _listing(folder) == before  # not a byte written, no cache folder made


def test_read_only_folder_without_a_database_is_empty_and_says_so(
    shared_tmp: Path,
) -> None:
    folder = shared_tmp / "data"
    folder.mkdir()
    folder.chmod(0o555)

    seen = _read_as_other_user(folder)

    assert seen["answers"] == {} and seen["teams"] == []
    assert seen["read_only"] is True
    assert seen["reason"] == f"the data folder {folder} is read-only"
    assert list(folder.iterdir()) == []


def test_writable_files_in_a_read_only_folder_still_save(shared_tmp: Path) -> None:
    """The other side of the probe: only a real refusal makes the store read-only."""
    folder = shared_tmp / "data"
    _save_answers(folder, keep_wal=True)
    for f in folder.iterdir():
        f.chmod(0o666)
    folder.chmod(0o555)

    seen = _read_as_other_user(folder)

    assert seen["read_only"] is False and seen["reason"] == ""
    assert seen["save"] == "saved"
    folder.chmod(0o755)
    store = Store(folder / DB)
    assert store.answers("Alpha", "ws") == {"q": "typed later"}
    store.close()


# -- served: a Voila server whose data folder is read-only -------------------------------
def _read_only_command(folder: Path, command: list[str]) -> list[str]:
    if not AS_ROOT:
        return command  # chmod in the fixture is enough for any other user
    if not shutil.which("unshare"):
        pytest.skip("running as root without unshare: cannot make a folder read-only")
    # A private mount namespace: the read-only bind mount is the server's alone and
    # ends with it.
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, str(folder), *command]


@pytest.fixture
def read_only_server(shared_tmp: Path) -> Iterator[VoilaServer]:
    folder = shared_tmp / "data"
    folder.mkdir()
    store = Store(folder / DB)
    store.save("Read Only Team", SHEET, {"target_sector": "Health care, saved"})
    store.close()
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    port = _free_loopback_port()
    log_path = shared_tmp / "voila.log"
    env = voila_env(folder)
    env.pop(config.DB_ENV, None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _read_only_command(folder, voila_command(WORKBOOKS, port)),
            env=env,
            cwd=WORKBOOKS.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_pytest,
        )
    server = VoilaServer(
        base_url=f"http://127.0.0.1:{port}",
        data_dir=folder,
        db_path=folder / DB,
        pid=process.pid,
        log_path=log_path,
        process=process,
    )
    problem = _wait_until_serving(server)
    try:
        assert problem is None, f"{problem}\n{server.log()}"
        yield server
    finally:
        _stop(process, server.kernel_processes())


@pytest.mark.served
@pytest.mark.browser
@pytest.mark.slow
def test_read_only_server_shows_saved_answers_and_says_nothing_saves(
    browser: Any, read_only_server: VoilaServer
) -> None:
    from playwright.sync_api import expect

    server = read_only_server
    before = _listing(server.data_dir)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url(f"{SHEET}.ipynb", "Read Only Team"))
        field = page.get_by_label("Target Sector:", exact=True)
        expect(field).to_have_value("Health care, saved")
        status = page.locator(".sectorwb-status")
        expect(status).to_have_class(
            "sectorwb-status sectorwb-readonly", timeout=10_000
        )
        expect(status).to_contain_text("Nothing on this page can be saved")
        expect(status).to_contain_text(f"{server.data_dir}")
        expect(status).to_contain_text("read-only")

        field.fill("Energy, typed on a read-only page")
        page.wait_for_timeout(1500)  # longer than the save delay
        expect(status).to_contain_text("Nothing on this page can be saved")
        expect(status).not_to_contain_text("Saving")
        expect(status).not_to_contain_text("saved at")

        page.goto(server.url(START_PAGE, "Read Only Team"))
        row = page.locator(
            "table.sectorwb-worksheets tr", has_text="Preparing to Launch"
        )
        expect(row).to_contain_text("1 / ")
        expect(page.locator(".sectorwb-error")).to_have_count(0)
    finally:
        context.close()
    assert _listing(server.data_dir) == before
    assert not stat.S_IMODE(server.data_dir.stat().st_mode) & 0o222
