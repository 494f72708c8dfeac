"""RFC 6962 / RFC 9162 Merkle Tree Hash, inclusion and consistency proofs, and their verifiers.

Leaves are hashed as ``SHA-256(0x00 || data)`` and inner nodes as ``SHA-256(0x01 || l || r)``;
a tree of ``n`` leaves splits at the largest power of two below ``n`` (RFC 9162 §2.1.1).
Functions here take *leaf hashes* (already prefixed and hashed), because the log stores them.

``Frontier`` is the compact form of a tree used for appending: the roots of its perfect
subtrees, largest first (at most log2(n) hashes). It yields the root of the tree at any size
without touching earlier leaves, so appending and signing never re-read the whole log.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

EMPTY_ROOT = sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf's data."""
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an inner node."""
    return sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The perfect-subtree roots of a growing tree: append leaves, read the root at any size."""

    __slots__ = ("nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count():
            raise ValueError("frontier_size_mismatch")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash; merges equal-sized subtrees as a binary counter carries."""
        node, size = leaf, self.size
        nodes = self.nodes
        while size & 1:
            node = sha256(b"\x01" + nodes.pop() + node).digest()
            size >>= 1
        nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        """Return the Merkle Tree Hash of the leaves appended so far."""
        if not self.nodes:
            return EMPTY_ROOT
        node = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            node = node_hash(left, node)
        return node


def root(leaves: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash of ``leaves`` (a sequence of leaf hashes)."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return the audit path of leaf ``index`` (0-based) in the tree of ``leaves`` (RFC 9162)."""
    if not 0 <= index < len(leaves):
        raise ValueError("index_out_of_range")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the proof that the first ``old_size`` leaves are a prefix of ``leaves`` (PROOF)."""
    if not 0 < old_size <= len(leaves):
        raise ValueError("size_out_of_range")
    return _subproof(leaves, old_size, True)


def _subproof(leaves: Sequence[bytes], m: int, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves[:k], m, complete), root(leaves[k:])]
    return [*_subproof(leaves[k:], m - k, False), root(leaves[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """Check an inclusion proof of leaf hash ``leaf`` at ``index`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Check that the tree of ``new_size`` extends the one of ``old_size`` (RFC 9162 §2.1.4.2)."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def consistency_proof_from(old: Frontier, new_leaves: Sequence[bytes]) -> list[bytes]:
    """Return the proof from ``old.size`` to ``old.size + len(new_leaves)`` without old leaves.

    Every node of an RFC 9162 proof lies wholly before or wholly after the old size; the ones
    before are nodes of the old frontier, so the proof needs only the frontier and the leaves
    appended since (which is what signing a new tree head has at hand).
    """
    m, n = old.size, old.size + len(new_leaves)
    if not 0 < m <= n:
        raise ValueError("size_out_of_range")
    known: dict[tuple[int, int], bytes] = {}
    start = 0
    for bit, node in zip(_set_bits(m), old.nodes, strict=True):
        known[(start, start + bit)] = node
        start += bit

    def mth(lo: int, hi: int) -> bytes:
        if hi <= m:
            return known[(lo, hi)]
        return root(new_leaves[lo - m:hi - m])

    def sub(lo: int, hi: int, mm: int, complete: bool) -> list[bytes]:
        if mm == hi:
            return [] if complete else [mth(lo, hi)]
        k = _split(hi - lo)
        if mm - lo <= k:
            return [*sub(lo, lo + k, mm, complete), mth(lo + k, hi)]
        return [*sub(lo + k, hi, mm, False), mth(lo, lo + k)]

    return sub(0, n, m, True)


def _set_bits(n: int) -> list[int]:
    """The powers of two that sum to ``n``, largest first (the frontier's subtree sizes)."""
    return [1 << i for i in range(n.bit_length() - 1, -1, -1) if n >> i & 1]
