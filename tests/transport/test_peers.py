"""The peer directory file: loading, lookups, and refusals of the unknown or ambiguous."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssd_gateway.exceptions import ConfigurationError, PeerRefused
from ssd_gateway.peers import KOMBIT_ORG_SYSTEM, ORG_ID_SYSTEM, PeerDirectory
from ssd_gateway.testing import ThrowawayFederation

REPO = Path(__file__).resolve().parents[2]

EXAMPLE = """
version = 1

[[peer]]
org_id = "skovbakke-skole"
name = "Skovbakkeskolen"
sector = "school"
municipality = "0740"
endpoint = "https://skovbakke.example:8443/"
certificate_identity = "urn:ssd-gateway:org:skovbakke-skole"
kinds = ["stafetlog", "consent"]
formats = ["fhir", "xml"]
cvr = "29189846"

[[peer]]
org_id = "silkeborg-sundhedspleje"
name = "Sundhedsplejen"
sector = "municipal_health"
municipality = "740"
endpoint = "https://sundhedspleje.example:8443"
certificate_identity = "urn:dk:cvr:29189846"
fingerprint_sha256 = "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"
kinds = ["underretning"]
kombit_org_id = "urn:uuid:7d3f0a0e-5c57-4b7b-9f53-0ad4c6a1e001"
"""


def load(tmp_path: Path, text: str) -> PeerDirectory:
    path = tmp_path / "peers.toml"
    path.write_text(text, encoding="utf-8")
    return PeerDirectory.load(path)


def test_example_loads_with_defaults(tmp_path: Path) -> None:
    """The documented example loads; endpoints lose trailing slashes, codes get 4 digits."""
    directory = load(tmp_path, EXAMPLE)
    skole = directory.get("skovbakke-skole")
    assert skole.endpoint == "https://skovbakke.example:8443"
    assert skole.accepts("stafetlog", "xml") and not skole.accepts("underretning", "fhir")
    pleje = directory.get("silkeborg-sundhedspleje")
    assert pleje.municipality == "0740" and pleje.formats == frozenset({"fhir"})
    assert pleje.fingerprint_sha256 is not None and pleje.fingerprint_sha256.startswith("ab:cd")
    assert len(directory) == 2 and "skovbakke-skole" in directory


def test_docs_example_is_valid() -> None:
    """The example in docs/peers.md loads."""
    text = (REPO / "docs" / "peers.md").read_text(encoding="utf-8")
    toml = text.split("```toml", 1)[1].split("```", 1)[0]
    assert len(PeerDirectory.from_dict(__import__("tomllib").loads(toml))) >= 2


def test_unknown_org_id_is_refused(tmp_path: Path) -> None:
    """Looking up an organisation the directory lacks raises PeerRefused."""
    with pytest.raises(PeerRefused):
        load(tmp_path, EXAMPLE).get("nobody")


@pytest.mark.parametrize("change,where", [
    ('sector = "school"', "sector"),
    ('kinds = ["stafetlog", "consent"]', "kinds"),
    ('endpoint = "https://skovbakke.example:8443/"', "endpoint"),
    ('cvr = "29189846"', "cvr"),
])
def test_bad_entries_say_where(tmp_path: Path, change: str, where: str) -> None:
    """A malformed entry is a ConfigurationError naming the field."""
    bad = {"sector": 'sector = "castle"', "kinds": 'kinds = ["gossip"]',
           "endpoint": 'endpoint = "http://plain.example"', "cvr": 'cvr = "12"'}[where]
    with pytest.raises(ConfigurationError, match=where):
        load(tmp_path, EXAMPLE.replace(change, bad, 1))


def test_unknown_keys_and_duplicates_are_refused(tmp_path: Path) -> None:
    """Typos are errors, and an org id may appear once."""
    with pytest.raises(ConfigurationError, match="cvrr: Extra inputs"):
        load(tmp_path, EXAMPLE.replace("cvr =", "cvrr =", 1))
    twice = EXAMPLE.replace('"silkeborg-sundhedspleje"', '"skovbakke-skole"')
    with pytest.raises(ConfigurationError, match="twice"):
        load(tmp_path, twice)


def test_shared_identity_needs_pins(tmp_path: Path) -> None:
    """Two peers with one CVR identity and no fingerprint pins are ambiguous."""
    text = EXAMPLE.replace('certificate_identity = "urn:ssd-gateway:org:skovbakke-skole"',
                           'certificate_identity = "urn:dk:cvr:29189846"')
    with pytest.raises(ConfigurationError, match="pin a distinct"):
        load(tmp_path, text)


def test_lookup_by_certificate_and_pin(tmp_path: Path) -> None:
    """A certificate maps to its peer; a pinned fingerprint must match."""
    fed = ThrowawayFederation(tmp_path)
    fed.add("skole")
    pinned = fed.add("dagtilbud", pin=True)
    directory = fed.directory()
    trust = fed.trust()
    skole_id = trust.verify_peer(fed.orgs["skole"].signing_key.cert)
    assert directory.for_certificate(skole_id).org_id == "skole"
    assert directory.for_certificate(trust.verify_peer(pinned.signing_key.cert)).org_id \
        == "dagtilbud"
    # a second, valid certificate for the pinned organisation is not accepted
    fed.add("dagtilbud", in_directory=False)
    reissued = trust.verify_peer(fed.orgs["dagtilbud"].signing_key.cert)
    with pytest.raises(PeerRefused):
        directory.for_certificate(reissued)


def test_message_identifiers_map_to_peers(tmp_path: Path) -> None:
    """Org id and KOMBIT id name a peer; CVR alone never does."""
    directory = load(tmp_path, EXAMPLE)
    assert directory.for_identifiers({(ORG_ID_SYSTEM, "skovbakke-skole")}) == {"skovbakke-skole"}
    kombit = (KOMBIT_ORG_SYSTEM, "urn:uuid:7d3f0a0e-5c57-4b7b-9f53-0ad4c6a1e001")
    assert directory.for_identifiers({kombit}) == {"silkeborg-sundhedspleje"}
    assert directory.for_identifiers({("http://cvr.dk", "29189846")}) == set()
