"""Tests for sectorwb.jupyterdata and the one voila.json every way of starting reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from traitlets.utils.importstring import import_item

from sectorwb import cli, jupyterdata, workbooks

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_jupyter_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # As a plain `voila` starts: nobody put sectorwb's folder on JUPYTER_PATH.
    monkeypatch.delenv("JUPYTER_PATH", raising=False)


def test_page_kernel_spec_manager_gives_the_page_kernel(no_jupyter_path: None) -> None:
    spec = jupyterdata.PageKernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.resource_dir) == jupyterdata.KERNELS_DIR / "python3"
    assert "--HistoryManager.enabled=False" in spec.argv
    # Every other Jupyter program keeps ipykernel's own spec.
    standard = KernelSpecManager().get_kernel_spec("python3")
    assert Path(standard.resource_dir) != jupyterdata.KERNELS_DIR / "python3"
    assert "--HistoryManager.enabled=False" not in standard.argv


def test_voila_json_names_the_kernel_spec_manager_and_ipc() -> None:
    settings = json.loads(workbooks.VOILA_CONFIG.read_text(encoding="utf-8"))
    voila = settings["VoilaConfiguration"]
    assert voila["template"] == jupyterdata.TEMPLATE_NAME
    manager = import_item(voila["kernel_spec_manager_class"])
    assert manager is jupyterdata.PageKernelSpecManager
    # IPC: of 60 pages opened at once over TCP, some never arrived.
    assert settings["KernelManager"]["transport"] == "ipc"


@pytest.mark.parametrize("where", ["voila.json", "workbooks/voila.json"])
def test_the_repository_s_voila_json_is_the_package_s(where: str) -> None:
    # Voila reads voila.json from the folder it is started in: the repository's
    # and workbooks/' are links to the one file, never copies that drift apart.
    path = PROJECT / where
    assert path.is_symlink(), f"{path} must link to sectorwb/voila.json"
    assert path.resolve() == workbooks.VOILA_CONFIG.resolve()


def test_serve_reads_the_same_voila_json(tmp_path: Path) -> None:
    cmd = cli.voila_command(tmp_path, 9123)
    config_dir = Path(cmd[cmd.index("--Voila.config_file_paths") + 1])
    assert (config_dir / "voila.json").resolve() == workbooks.VOILA_CONFIG.resolve()


def test_jupyter_finds_the_template_in_this_environment(
    no_jupyter_path: None,
) -> None:
    found = jupyterdata.found_template()
    assert found is not None, (
        "a plain `voila` finds no sectorwb template in this environment: after "
        "`pip install -e .` run `sectorwb develop` (tests/run.sh does)"
    )
    assert sorted(p.name for p in found.iterdir()) == sorted(
        p.name for p in jupyterdata.TEMPLATE_DIR.iterdir()
    )
    for path in jupyterdata.TEMPLATE_DIR.iterdir():
        assert (found / path.name).read_bytes() == path.read_bytes(), (
            f"{found / path.name} differs from {path}: reinstall sectorwb"
        )


def test_link_template_links_once_and_keeps_a_real_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "share" / "jupyter" / "voila" / "templates" / "sectorwb"
    monkeypatch.setattr(jupyterdata, "environment_template", lambda: target)
    assert jupyterdata.link_template() == (target, True)
    assert target.resolve() == jupyterdata.TEMPLATE_DIR.resolve()
    assert jupyterdata.link_template() == (target, True)  # again: nothing to do

    target.unlink()
    target.mkdir()  # as pip leaves it from a wheel
    (target / "index.html.j2").write_text("installed", encoding="utf-8")
    assert jupyterdata.link_template() == (target, False)
    assert (target / "index.html.j2").read_text(encoding="utf-8") == "installed"


def test_develop_command_says_what_it_linked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "templates" / "sectorwb"
    monkeypatch.setattr(jupyterdata, "environment_template", lambda: target)
    assert cli.main(["develop"]) == 0
    assert str(target) in capsys.readouterr().out
    target.unlink()
    target.mkdir()
    assert cli.main(["develop"]) == 0
    out = capsys.readouterr().out
    assert "is there already" in out and "remove that folder" in out
