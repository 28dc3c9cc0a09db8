"""The benchmark's comparison of the API's answers with PostGraphile's (bench/peer.py) tells a
difference; tests/test_bench_small.py checks the two agree on a seeded platform."""

from __future__ import annotations

from bench import peer
from bench import workloads as w


def test_a_difference_between_the_answers_is_told() -> None:
    api = {"companyTree": {"edges": [{"node": _company(1, "A")}, {"node": _company(2, "B")}]}}
    peer_nodes = [_peer_company(1, "A"), _peer_company(2, "B")]
    same = {"data": {"peerCompanySubtree": {"nodes": peer_nodes}}}
    swapped = {"data": {"peerCompanySubtree": {"nodes": peer_nodes[::-1]}}}
    assert peer.difference("W1", {"data": api}, same) is None
    assert peer.difference("W1", {"data": api}, swapped) == (
        "row 0: (1, 'A', 'ES', 0, 1, 2) against PostGraphile's (2, 'B', 'ES', 0, 1, 2)"
    )


def _company(pk: int, name: str) -> dict[str, object]:
    counts = {"children": 0, "users": 1, "devices": 2}
    return {"id": w.global_id("Company", pk), "name": name, "countryCode": "ES", "counts": counts}


def _peer_company(pk: int, name: str) -> dict[str, object]:
    return {
        "id": pk,
        "name": name,
        "countryCode": "ES",
        "childrenCount": 0,
        "usersCount": 1,
        "devicesCount": 2,
    }
