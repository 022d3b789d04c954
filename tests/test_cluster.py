"""`gazette build --cluster ADDRESS` lays issues out on a Dask distributed cluster and gives the
PDFs and pages a serial build gives; the results go through the print cache, so a second run
lays out nothing."""
from __future__ import annotations

import shutil

import pytest

from conftest import run_cli
from test_parallel_print import _add_second_issue

distributed = pytest.importorskip("distributed")


def _files(folder) -> dict:
    """Every file of a built site but the search index: Pagefind writes its filter chunks in a
    different order from run to run (README, "Search"), whatever laid the issues out."""
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] != "pagefind"}


def test_a_dask_cluster_of_two_workers_prints_what_one_process_prints(minimal_site, tmp_path):
    _add_second_issue(minimal_site)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        first = run_cli("--site", str(minimal_site), "build", "--cluster", cluster.scheduler_address,
                        "--out", str(tmp_path / "cluster"))
        assert first.code == 0, first.err
        assert f"gazette: laying out 2 of 2 issues on the cluster {cluster.scheduler_address}" \
            in first.lines
        again = run_cli("--site", str(minimal_site), "build", "--cluster", cluster.scheduler_address,
                        "--out", str(tmp_path / "again"))
        assert again.code == 0, again.err
        assert not [line for line in again.lines if "laying out" in line or "laid out" in line]

    shutil.rmtree(minimal_site / ".gazette-cache")
    serial = run_cli("--site", str(minimal_site), "build", "--jobs", "1", "--out",
                     str(tmp_path / "serial"))
    assert serial.code == 0 and "gazette: laying out 2 of 2 issues" in serial.lines
    assert len([p for p in _files(tmp_path / "serial") if p.suffix == ".pdf"]) == 2 + 4
    assert _files(tmp_path / "cluster") == _files(tmp_path / "serial") \
        == _files(tmp_path / "again")


def test_an_unreachable_cluster_is_a_message(minimal_site, tmp_path):
    result = run_cli("--site", str(minimal_site), "build", "--cluster", "tcp://127.0.0.1:9",
                     "--out", str(tmp_path / "out"))
    assert result.code == 1
    assert result.lines[-1].startswith("gazette: cannot reach the Dask scheduler at "
                                       "tcp://127.0.0.1:9 (")
    assert "Traceback" not in result.err
