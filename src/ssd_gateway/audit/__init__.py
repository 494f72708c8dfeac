"""The tamper-evident evidence log: append, sign, verify, query, export, report.

Start with ``AuditLog`` (``store``): it implements ``contracts.AuditSink``. ``verify_session``
and ``verify_export`` (``verify``) check a log; ``export_log`` (``export``) writes it out;
``report`` renders the disclosure report per child and ``parent_copy`` the parents' copy of a
stafetlog. See ``docs/evidence-log.md``.
"""

from ssd_gateway.audit.entry import EntryView, child_hash
from ssd_gateway.audit.signing import HeadSigner, TreeHead, generate_identity, load_certificate
from ssd_gateway.audit.store import AuditLog, LogQuery, audit_log_from_settings

__all__ = [
    "AuditLog", "EntryView", "HeadSigner", "LogQuery", "TreeHead", "audit_log_from_settings",
    "child_hash", "generate_identity", "load_certificate",
]
