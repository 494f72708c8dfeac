"""The peer directory: which organisations are in the federation and how to reach them.

Loaded from a TOML file (format in ``docs/peers.md``)::

    version = 1

    [[peer]]
    org_id = "skovbakke-skole"
    name = "Skovbakkeskolen"
    sector = "school"
    municipality = "0740"
    endpoint = "https://skovbakke.example:8443"
    certificate_identity = "urn:ssd-gateway:org:skovbakke-skole"
    fingerprint_sha256 = "…"            # optional pin
    kinds = ["stafetlog", "consent"]    # record kinds it accepts
    formats = ["fhir"]                  # message formats it accepts

A caller or a message sender that the directory does not know is refused (``PeerRefused``).
Matching is exact: a certificate belongs to a peer when the peer's ``certificate_identity`` is
among the certificate's names (``ssd_gateway.certs.identity``) and, if a fingerprint is
pinned, the fingerprint is equal.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ssd_gateway.certs.identity import ORG_URI_PREFIX, CertificateIdentity, normalise_fingerprint
from ssd_gateway.contracts import MessageFormat
from ssd_gateway.exceptions import ConfigurationError, PeerRefused
from ssd_gateway.fhir import urls
from ssd_gateway.model.codes import Sector
from ssd_gateway.model.records import RECORD_CLASSES

#: FHIR Organization.identifier systems that name exactly one organisation. CVR is left out on
#: purpose: a municipality's school, daycare and social authority share one CVR number.
ORG_ID_SYSTEM = urls.ORG_ID
URI_SYSTEM = "urn:ietf:rfc:3986"
KOMBIT_ORG_SYSTEM = urls.KOMBIT_ORG
SOR_SYSTEM = urls.SOR


@dataclass(frozen=True)
class Peer:
    """One organisation of the federation, as the directory knows it."""

    org_id: str
    name: str
    sector: str
    municipality: str
    endpoint: str
    certificate_identity: str
    fingerprint_sha256: str | None = None
    kinds: frozenset[str] = frozenset()
    formats: frozenset[MessageFormat] = frozenset({"fhir"})
    cvr: str | None = None
    kombit_org_id: str | None = None
    sor: str | None = None

    def accepts(self, kind: str, format: MessageFormat) -> bool:
        """Whether this peer takes messages of ``kind`` in ``format``."""
        return kind in self.kinds and format in self.formats

    def owns_certificate(self, identity: CertificateIdentity) -> bool:
        """Whether ``identity`` is this peer's certificate (name and, if pinned, fingerprint)."""
        if self.certificate_identity not in identity.names:
            return False
        return self.fingerprint_sha256 in (None, identity.fingerprint_sha256)

    def identifiers(self) -> set[tuple[str, str]]:
        """The (system, value) pairs that name this peer in a message."""
        pairs = {(ORG_ID_SYSTEM, self.org_id), (URI_SYSTEM, ORG_URI_PREFIX + self.org_id)}
        if self.kombit_org_id:
            pairs.add((KOMBIT_ORG_SYSTEM, self.kombit_org_id))
        if self.sor:
            pairs.add((SOR_SYSTEM, self.sor))
        return pairs


def _fhir_only() -> list[MessageFormat]:
    return ["fhir"]


class _PeerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    org_id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1)
    sector: Sector
    municipality: str = Field(pattern=r"^\d{3,4}$")
    endpoint: str = Field(pattern=r"^https://")
    certificate_identity: str = Field(min_length=1)
    fingerprint_sha256: str | None = None
    kinds: list[str] = Field(min_length=1)
    formats: list[MessageFormat] = Field(default_factory=_fhir_only, min_length=1)
    cvr: str | None = Field(default=None, pattern=r"^\d{8}$")
    kombit_org_id: str | None = None
    sor: str | None = None

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        unknown = sorted(set(kinds) - set(RECORD_CLASSES))
        if unknown:
            raise ValueError(f"unknown record kinds: {', '.join(unknown)}")
        return kinds

    @field_validator("fingerprint_sha256")
    @classmethod
    def _fingerprint(cls, value: str | None) -> str | None:
        return None if value is None else normalise_fingerprint(value)

    def to_peer(self) -> Peer:
        return Peer(
            org_id=self.org_id, name=self.name, sector=self.sector.value,
            municipality=self.municipality.zfill(4), endpoint=self.endpoint.rstrip("/"),
            certificate_identity=self.certificate_identity,
            fingerprint_sha256=self.fingerprint_sha256, kinds=frozenset(self.kinds),
            formats=frozenset(self.formats), cvr=self.cvr, kombit_org_id=self.kombit_org_id,
            sor=self.sor,
        )


class _DirectoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    peer: list[_PeerEntry] = Field(default_factory=list)


class PeerDirectory:
    """The organisations of the federation, looked up by org id or by certificate."""

    def __init__(self, peers: Iterable[Peer]) -> None:
        self._by_id: dict[str, Peer] = {}
        for peer in peers:
            if peer.org_id in self._by_id:
                raise ConfigurationError(f"peer directory: org_id {peer.org_id} appears twice")
            self._by_id[peer.org_id] = peer
        _check_identities_unambiguous(self._by_id.values())

    @classmethod
    def load(cls, path: Path) -> PeerDirectory:
        """Read a directory file; raise ``ConfigurationError`` saying what is wrong where."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigurationError(f"cannot read peer directory {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"peer directory {path} is not TOML: {exc}") from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: object, source: str = "<dict>") -> PeerDirectory:
        """Build a directory from the parsed TOML structure."""
        try:
            parsed = _DirectoryFile.model_validate(data)
        except ValidationError as exc:
            where = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"peer directory {source}: {where}") from None
        return cls(entry.to_peer() for entry in parsed.peer)

    def __iter__(self) -> Iterator[Peer]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, org_id: object) -> bool:
        return org_id in self._by_id

    def get(self, org_id: str) -> Peer:
        """The peer with ``org_id``; ``PeerRefused`` if the directory does not know it."""
        try:
            return self._by_id[org_id]
        except KeyError:
            raise PeerRefused(f"organisation {org_id!r} is not in the peer directory") from None

    def for_certificate(self, identity: CertificateIdentity) -> Peer:
        """The one peer that owns ``identity``; ``PeerRefused`` if none (or, defensively, many)."""
        owners = [peer for peer in self._by_id.values() if peer.owns_certificate(identity)]
        if len(owners) != 1:
            why = "no peer" if not owners else "more than one peer"
            raise PeerRefused(
                f"certificate {identity.fingerprint_sha256} matches {why} in the directory"
            )
        return owners[0]

    def for_identifiers(self, identifiers: Iterable[tuple[str, str]]) -> set[str]:
        """The org ids of the peers that any of ``identifiers`` (system, value) names."""
        wanted = set(identifiers)
        return {peer.org_id for peer in self._by_id.values() if peer.identifiers() & wanted}


def _check_identities_unambiguous(peers: Iterable[Peer]) -> None:
    """Two peers may share a certificate identity (e.g. a CVR) only if both pin a fingerprint."""
    seen: dict[str, list[Peer]] = {}
    for peer in peers:
        seen.setdefault(peer.certificate_identity, []).append(peer)
    for identity, group in seen.items():
        pins = [p.fingerprint_sha256 for p in group]
        if len(group) > 1 and (None in pins or len(set(pins)) != len(pins)):
            raise ConfigurationError(
                f"peer directory: {identity} names {len(group)} peers; pin a distinct "
                "fingerprint_sha256 on each"
            )
