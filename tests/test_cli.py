"""Tests for sectorwb.cli: `check`, the thin notebooks, and how `serve` calls Voila."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from sectorwb import cli, config, content, kernels, workbooks
from sectorwb.store import Store

PROJECT = Path(__file__).resolve().parent.parent
WORKBOOKS = PROJECT / "workbooks"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(config.DB_ENV, str(tmp_path / "data" / "answers.sqlite3"))
    monkeypatch.delenv(content.EXTRA_DIR_ENV, raising=False)
    content._all.cache_clear()
    yield
    content._all.cache_clear()


def test_check_lists_worksheets_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    ws = content.get("preparing_to_launch")
    assert f"ok  preparing_to_launch: {len(ws.questions())} questions" in out
    assert "BAD" not in out


def test_check_reports_a_broken_file_and_exits_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")
    monkeypatch.setenv(content.EXTRA_DIR_ENV, str(extra))
    content._all.cache_clear()
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "ok  preparing_to_launch" in out
    assert f"BAD {extra / 'broken.yaml'}" in out


def test_check_reports_colliding_team_names_and_merges_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "answers.sqlite3"
    # Saved before names were matched whatever their case: three teams on file.
    old = Store(db)
    old.save("Metro Health", "preparing_to_launch", {"target_sector": "Health"})
    old.save("Metro Health", "building_momentum", {"next_steps_momentum": "Meet"})
    old.save("METRO HEALTH", "preparing_to_launch", {"target_sector": "Care"})
    old.save("Alpha", "preparing_to_launch", {"target_sector": "Energy"})
    old.close()
    before = sqlite3.connect(db).execute("SELECT * FROM answers").fetchall()

    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("BAD teams")]
    assert "“Metro Health” (2 saved answers) and “METRO HEALTH” (1 saved answer)" in (
        line
    )
    assert "Nothing was merged" in line
    assert "Alpha" not in line
    assert "ok  preparing_to_launch" in out
    after = sqlite3.connect(db).execute("SELECT * FROM answers").fetchall()
    assert after == before
    again = Store(db)
    assert again.answers("METRO HEALTH", "preparing_to_launch") == {
        "target_sector": "Care"
    }
    again.close()


def test_check_with_distinct_team_names_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "answers.sqlite3"
    store = Store(db)
    store.save("Metro Health", "ws", {"q": 1})
    store.save("\u041c\u0435\u0442\u0440\u043e", "ws", {"q": 1})  # all Cyrillic
    store.close()
    assert cli.main(["check"]) == 0
    assert "ok  teams: 2 team names" in capsys.readouterr().out


def test_check_does_not_create_a_database(tmp_path: Path) -> None:
    assert cli.main(["check"]) == 0
    assert not (tmp_path / "data" / "answers.sqlite3").exists()


def test_written_notebooks_match_the_committed_ones(tmp_path: Path) -> None:
    written = cli.write_notebooks(tmp_path / "nb")
    names = sorted(p.name for p in written)
    assert names == sorted(p.name for p in WORKBOOKS.glob("*.ipynb"))
    assert "00_start_here.ipynb" in names
    for path in written:
        committed = WORKBOOKS / path.name
        assert path.read_bytes() == committed.read_bytes(), (
            f"{committed} is out of date: run `sectorwb notebooks --out workbooks`"
        )


@pytest.mark.parametrize(
    "path", sorted(WORKBOOKS.glob("*.ipynb")), ids=lambda p: p.stem
)
def test_committed_notebooks_are_thin_and_have_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1
    assert code[0].outputs == []
    assert code[0].execution_count is None
    assert code[0].source.startswith("from sectorwb import show")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in raw["cells"])
    if path.stem not in ("00_start_here", "trainer"):
        assert f'show("{path.stem}")' in code[0].source
        assert content.get(path.stem).title in nb.cells[0].source


def test_notebooks_command_writes_and_prints_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    assert cli.main(["notebooks", "--out", str(out_dir)]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(str(p) for p in out_dir.glob("*.ipynb"))
    assert len(printed) == 2 + len(content.worksheets())  # start page, console


def test_voila_command(tmp_path: Path) -> None:
    cmd = cli.voila_command(tmp_path, 9123, host="0.0.0.0")
    assert cmd[1:3] == ["-m", "sectorwb.server"]  # Voila with the kernel caps
    assert str(tmp_path) in cmd
    assert "--no-browser" in cmd
    assert "--port=9123" in cmd
    assert "--Voila.ip=0.0.0.0" in cmd
    config_dir = Path(cmd[cmd.index("--Voila.config_file_paths") + 1])
    assert (config_dir / "voila.json").is_file()
    settings = json.loads((config_dir / "voila.json").read_text())
    assert settings["VoilaConfiguration"]["template"] == "sectorwb"
    assert settings["Voila"]["port_retries"] == 0  # never another port silently
    assert f"--PageKernelManager.max_kernels={kernels.DEFAULT_MAX_KERNELS}" in cmd


def test_voila_env_sets_data_dir_and_jupyter_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_PATH", "/somewhere/else")
    env = cli.voila_env(tmp_path / "answers")
    assert env[config.DATA_DIR_ENV] == str((tmp_path / "answers").resolve())
    parts = env["JUPYTER_PATH"].split(os.pathsep)
    assert parts == [str(cli.PACKAGE_DIR / "jupyter"), "/somewhere/else"]
    template = Path(parts[0]) / "voila" / "templates" / "sectorwb"
    assert template.is_dir()
    assert os.environ["JUPYTER_PATH"] == "/somewhere/else"  # a copy, not os.environ


def test_served_notebooks_get_the_sectorwb_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    monkeypatch.setenv("JUPYTER_PATH", cli.voila_env()["JUPYTER_PATH"])
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert (
        Path(spec.resource_dir) == cli.PACKAGE_DIR / "jupyter" / "kernels" / "python3"
    )
    # ipykernel's own launcher, without the debugger (see that folder's README).
    assert spec.argv[0] == "python" and spec.argv[-2:] == ["-f", "{connection_file}"]
    assert "ipykernel_launcher" in spec.argv[2] and "debugpy" in spec.argv[2]
    assert "--HistoryManager.enabled=False" in spec.argv
    assert spec.env == {"PYDANTIC_DISABLE_PLUGINS": "1"}


def test_voila_env_without_jupyter_path_or_data_dir(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    monkeypatch.setenv(config.DATA_DIR_ENV, "/kept/as/is")
    env = cli.voila_env()
    assert env["JUPYTER_PATH"] == str(cli.PACKAGE_DIR / "jupyter")
    assert env[config.DATA_DIR_ENV] == "/kept/as/is"


def test_serve_without_start_notebook_exits_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_voila(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("Voila must not start")

    monkeypatch.setattr(cli.serving, "run", no_voila)
    (tmp_path / "preparing_to_launch.ipynb").write_text("{}", encoding="utf-8")
    assert cli.main(["serve", "--workbooks", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "00_start_here.ipynb" in err
    assert str(tmp_path.resolve()) in err
    assert "--workbooks" in err


def test_serve_runs_voila_with_the_data_dir(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(cmd: list[str], env: dict[str, str]) -> int:
        calls.append((cmd, env))
        return 0

    monkeypatch.setattr(cli.serving, "run", fake_run)
    workbooks = tmp_path / "wb"
    cli.write_notebooks(workbooks)
    data = tmp_path / "answers"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["serve", "--workbooks", str(workbooks), "--data-dir", str(data)]
    argv += ["--port", str(port), "--max-kernels", "12"]
    argv += ["--max-kernels-per-client", "0", "--unconnected-timeout", "7.5"]
    assert cli.main(argv) == 0
    ((cmd, env),) = calls
    assert f"--port={port}" in cmd
    assert "--no-browser" in cmd
    assert str(workbooks.resolve()) in cmd
    assert "--PageKernelManager.max_kernels=12" in cmd
    assert "--PageKernelManager.max_kernels_per_client=0" in cmd
    assert "--PageKernelManager.unconnected_timeout=7.5" in cmd
    assert env[config.DATA_DIR_ENV] == str(data.resolve())
    out = capsys.readouterr().out
    assert str(data.resolve()) in out
    assert f"http://127.0.0.1:{port}/voila/render/00_start_here.ipynb" in out


def test_serve_behind_jupyterhub_gets_its_prefix_and_trusts_only_the_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(cli.serving, "run", lambda cmd, env: calls.append(cmd) or 0)
    workbooks = tmp_path / "wb"
    cli.write_notebooks(workbooks)
    argv = ["serve", "--workbooks", str(workbooks), "--port", "0"]
    assert cli.main([*argv, "--base-url", "services/sectorwb-x", "--behind-proxy"]) == 0
    assert "--Voila.base_url=/services/sectorwb-x/" in calls[-1]
    assert "--SectorwbVoila.behind_proxy=loopback" in calls[-1]
    assert "/services/sectorwb-x/voila/render/00_start_here.ipynb" in (
        capsys.readouterr().out
    )
    assert cli.main([*argv, "--behind-proxy", "10.42.0.0/16"]) == 0
    assert "--SectorwbVoila.behind_proxy=10.42.0.0/16" in calls[-1]
    assert cli.main(argv) == 0
    assert calls[-1][-1] == "--SectorwbVoila.behind_proxy="  # believes no header
    for bad, said in [
        (["--base-url", "/a b/"], "is not a URL path prefix"),
        (["--base-url", "/../x/"], "is not a URL path prefix"),
        (["--behind-proxy", "everyone"], "is not a network"),
    ]:
        with pytest.raises(SystemExit) as info:
            cli.main([*argv, *bad])
        assert info.value.code == 2
        assert said in capsys.readouterr().err


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2


def test_written_folder_carries_the_voila_template_and_config(tmp_path: Path) -> None:
    written = workbooks.write_notebooks(tmp_path / "nb")
    for path in written:
        nb = nbformat.read(path, as_version=4)
        # A plain `voila` started anywhere, and JupyterLab's preview, use it too.
        assert nb.metadata["voila"] == {"template": "sectorwb"}, path.name
    copied = tmp_path / "nb" / "voila.json"
    assert copied.read_bytes() == workbooks.VOILA_CONFIG.read_bytes()
    assert not copied.is_symlink()  # a folder outside the checkout stands alone


def _serve_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    monkeypatch.setattr(cli.serving, "run", lambda cmd, env: calls.append(cmd) or 0)
    monkeypatch.setattr(cli.serving, "port_problem", lambda host, port: None)
    return calls


def test_serve_from_any_folder_writes_the_notebooks_into_the_data_dir(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = _serve_calls(monkeypatch)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data = tmp_path / "answers"
    stale = data / "workbooks" / "00_start_here.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")  # an older version's
    assert cli.main(["serve", "--data-dir", str(data)]) == 0
    ((cmd,),) = [calls]
    folder = data.resolve() / "workbooks"
    assert str(folder) in cmd
    assert (folder / "00_start_here.ipynb").read_bytes() == (
        WORKBOOKS / "00_start_here.ipynb"
    ).read_bytes()
    assert (folder / "voila.json").is_file()
    assert f"serving the notebooks in {folder}" in capsys.readouterr().out
    assert list(elsewhere.iterdir()) == []  # nothing written where it was started


def test_serve_in_the_checkout_serves_its_workbooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _serve_calls(monkeypatch)
    monkeypatch.chdir(PROJECT)
    assert cli.main(["serve", "--data-dir", str(tmp_path / "answers")]) == 0
    assert str(WORKBOOKS) in calls[0]
    assert not (tmp_path / "answers" / "workbooks").exists()
