"""Tests for sectorwb.kernels: admission counts requests whose kernels are not up yet."""

from __future__ import annotations

import pytest

from sectorwb.kernels import PageKernelManager, Refusal


def manager(total: int, per_client: int) -> PageKernelManager:
    return PageKernelManager(max_kernels=total, max_kernels_per_client=per_client)


def test_requests_arriving_together_are_counted_before_their_kernels_start() -> None:
    km = manager(total=3, per_client=0)
    for client in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        km.admit(client)  # none has its kernel yet
    with pytest.raises(Refusal) as refused:
        km.admit("10.0.0.4")
    assert refused.value.reason == "server"
    assert "full: 3 pages are open" in str(refused.value)


def test_a_request_that_got_no_kernel_frees_its_place() -> None:
    km = manager(total=1, per_client=0)
    km.admit("10.0.0.1")
    km.finished("10.0.0.1", None)  # e.g. a 404 or a redirect: no kernel started
    km.admit("10.0.0.2")


def test_the_per_client_cap_counts_pages_and_waiting_requests() -> None:
    km = manager(total=0, per_client=2)
    km.admit("10.0.0.1")
    km.claim("10.0.0.1", "a.ipynb", "kernel-a")
    km.admit("10.0.0.1")  # still waiting for its kernel
    with pytest.raises(Refusal) as refused:
        km.admit("10.0.0.1")
    assert refused.value.reason == "client"
    assert "(10.0.0.1) already has 2 workbook pages open" in str(refused.value)
    km.admit("10.0.0.2")  # another address is not affected
    assert km.pages["kernel-a"].sent is None
    km.finished("10.0.0.1", "kernel-a")
    assert km.pages["kernel-a"].sent is not None
