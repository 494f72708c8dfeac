"""Certificates of the federation: a development CA, organisation certificates, trust.

- ``authority``: ``DevelopmentCA`` creates a federation CA and issues organisation certificates
  (development and sandbox only).
- ``files``: loads certificates and keys from PEM files, development and production (OCES3)
  alike.
- ``identity``: ``identity_of(cert)`` reads the organisation names, fingerprint and validity.
- ``trust``: ``FederationTrust`` verifies a certificate against the federation CA.
- ``expiry``: the 60/30/7-day warning levels.
"""

from __future__ import annotations

from ssd_gateway.certs.authority import DevelopmentCA, IssuedCertificate, OrganisationSubject
from ssd_gateway.certs.expiry import ExpiryStatus, expiry_status
from ssd_gateway.certs.files import load_certificate, load_certificates, load_private_key
from ssd_gateway.certs.identity import (
    CVR_URI_PREFIX,
    ORG_URI_PREFIX,
    CertificateIdentity,
    fingerprint,
    identity_of,
)
from ssd_gateway.certs.trust import FederationTrust

__all__ = [
    "CVR_URI_PREFIX",
    "ORG_URI_PREFIX",
    "CertificateIdentity",
    "DevelopmentCA",
    "ExpiryStatus",
    "FederationTrust",
    "IssuedCertificate",
    "OrganisationSubject",
    "expiry_status",
    "fingerprint",
    "identity_of",
    "load_certificate",
    "load_certificates",
    "load_private_key",
]
