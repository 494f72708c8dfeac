"""The RFC 6962/9162 tree, checked against pymerkle as an independent implementation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymerkle import InmemoryTree, verify_consistency

from ssd_gateway.audit import merkle

SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 100, 257]


def _tree(n: int) -> tuple[list[bytes], InmemoryTree]:
    data = [f"entry-{i}".encode() for i in range(n)]
    oracle = InmemoryTree(algorithm="sha256")
    for d in data:
        oracle.append_entry(d)
    return [merkle.leaf_hash(d) for d in data], oracle


@pytest.mark.parametrize("n", SIZES)
def test_root_equals_pymerkle(n: int) -> None:
    """Our Merkle Tree Hash equals pymerkle's root for every prefix size of the tree."""
    leaves, oracle = _tree(n)
    for size in range(1, n + 1):
        assert merkle.root(leaves[:size]) == oracle.get_root(size)


def test_leaf_hash_equals_pymerkle() -> None:
    """Leaf hashing uses the RFC 6962 0x00 prefix, as pymerkle's leaves do."""
    leaves, oracle = _tree(5)
    assert [oracle.get_leaf(i + 1) for i in range(5)] == leaves


def test_empty_tree_root() -> None:
    """The root of the empty tree is SHA-256 of the empty string (RFC 9162 §2.1.1)."""
    assert merkle.root([]) == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


@pytest.mark.parametrize("n", SIZES)
def test_inclusion_path_equals_pymerkle(n: int) -> None:
    """Our audit path is pymerkle's path without its leading leaf, and it verifies."""
    leaves, oracle = _tree(n)
    top = merkle.root(leaves)
    for i in range(n):
        ours = merkle.inclusion_proof(leaves, i)
        theirs = oracle.prove_inclusion(i + 1, n).serialize()["path"]
        assert [p.hex() for p in ours] == (theirs[1:] if n > 1 else [])
        assert merkle.verify_inclusion(leaves[i], i, n, ours, top)


@pytest.mark.parametrize("n", SIZES[1:])
def test_consistency_proofs_cross_verify_with_pymerkle(n: int) -> None:
    """For every old size: our proof verifies against pymerkle's roots, and pymerkle's proof
    verifies (by pymerkle) against our roots."""
    leaves, oracle = _tree(n)
    for m in range(1, n):
        old, new = oracle.get_root(m), oracle.get_root(n)
        proof = merkle.consistency_proof(leaves, m)
        assert merkle.verify_consistency(m, n, old, new, proof)
        theirs = oracle.prove_consistency(m, n)
        verify_consistency(merkle.root(leaves[:m]), merkle.root(leaves), theirs)


def test_rfc_9162_example_proof_shape() -> None:
    """The proof from 4 to 10 leaves is the two subtrees right of the old tree (RFC 9162)."""
    leaves, _ = _tree(10)
    expected = [merkle.root(leaves[4:8]), merkle.root(leaves[8:10])]
    assert merkle.consistency_proof(leaves, 4) == expected


def test_wrong_inclusion_proof_is_rejected() -> None:
    """A proof for another index, another leaf or another root does not verify."""
    leaves, _ = _tree(13)
    top = merkle.root(leaves)
    proof = merkle.inclusion_proof(leaves, 5)
    assert not merkle.verify_inclusion(leaves[5], 6, 13, proof, top)
    assert not merkle.verify_inclusion(leaves[4], 5, 13, proof, top)
    assert not merkle.verify_inclusion(leaves[5], 5, 13, proof, merkle.root(leaves[:12]))
    assert not merkle.verify_inclusion(leaves[5], 5, 13, proof[:-1], top)


def test_wrong_consistency_proof_is_rejected() -> None:
    """A consistency proof does not verify for a rewritten old tree or the wrong sizes."""
    leaves, _ = _tree(20)
    proof = merkle.consistency_proof(leaves, 7)
    forged = [merkle.leaf_hash(b"forged"), *leaves[1:7]]
    assert merkle.verify_consistency(7, 20, merkle.root(leaves[:7]), merkle.root(leaves), proof)
    assert not merkle.verify_consistency(7, 20, merkle.root(forged), merkle.root(leaves), proof)
    assert not merkle.verify_consistency(6, 20, merkle.root(leaves[:7]), merkle.root(leaves), proof)
    assert not merkle.verify_consistency(7, 20, merkle.root(leaves[:7]), merkle.root(leaves), [])


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=80).map(
    lambda ds: [merkle.leaf_hash(d) for d in ds])


@given(leaf_lists, st.data())
def test_property_inclusion(leaves: list[bytes], data: st.DataObject) -> None:
    """Every leaf's generated inclusion proof verifies against the root."""
    i = data.draw(st.integers(0, len(leaves) - 1))
    proof = merkle.inclusion_proof(leaves, i)
    assert merkle.verify_inclusion(leaves[i], i, len(leaves), proof, merkle.root(leaves))


@given(leaf_lists, st.data())
def test_property_consistency_and_frontier(leaves: list[bytes], data: st.DataObject) -> None:
    """Consistency proofs verify, and the frontier-based proof equals the full-tree proof."""
    m = data.draw(st.integers(1, len(leaves)))
    proof = merkle.consistency_proof(leaves, m)
    assert merkle.verify_consistency(m, len(leaves), merkle.root(leaves[:m]),
                                     merkle.root(leaves), proof)
    old = merkle.Frontier()
    for leaf in leaves[:m]:
        old.append(leaf)
    assert merkle.consistency_proof_from(old, leaves[m:]) == proof


@given(leaf_lists)
def test_property_frontier_root(leaves: list[bytes]) -> None:
    """The frontier's root after each append equals the recursive Merkle Tree Hash."""
    frontier = merkle.Frontier()
    for n, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert len(frontier.nodes) == n.bit_count()
        assert frontier.root() == _mth(leaves[:n])


def _mth(leaves: list[bytes]) -> bytes:
    """The RFC 6962 definition, recursively, as a second reference."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))
