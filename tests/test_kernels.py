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


def test_a_page_whose_browser_left_is_culled_after_the_left_timeout() -> None:
    km = PageKernelManager(unconnected_timeout=45, left_timeout=120)
    km.admit("10.0.0.1")
    km.claim("10.0.0.1", "a.ipynb", "kernel-a")
    km.finished("10.0.0.1", "kernel-a")
    page = km.pages["kernel-a"]
    sent = page.sent
    assert km._why_cull(page, sent + 44) is None
    assert "no browser connected" in km._why_cull(page, sent + 46)
    km._kernel_connections["kernel-a"] = 0
    km.notify_connect("kernel-a")
    assert km._why_cull(page, sent + 1000) is None  # open: never culled here
    km.notify_disconnect("kernel-a")
    left = page.left
    assert left is not None
    assert km._why_cull(page, left + 119) is None
    assert "browser left more than 120 s ago" in km._why_cull(page, left + 121)
    km.notify_connect("kernel-a")  # it came back (Wi-Fi, lid opened)
    assert page.left is None and km._why_cull(page, left + 1000) is None
