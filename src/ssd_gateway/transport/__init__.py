"""Federation transport: the mTLS listener, the httpx client and what sits between them.

- ``server``: ``create_federation_app(directory, trust, inbox)`` and
  ``federation_server_config(app, cert_file=…, key_file=…, ca_file=…)``; the ``Inbox`` protocol.
- ``client``: ``HttpxTransport`` (implements ``contracts.Transport``).
- ``identity``: the one seam ``peer_identity(scope, trust, source)`` (embedded TLS or proxy).
- ``inbox``: MedCom duplicate rules, ``ReceivedMessages`` (SQL) and ``MemoryInbox`` (tests).
- ``envelope`` / ``acks``: small provisional readers and writers of the message envelope and
  the acknowledgement, to be replaced by the ``fhir`` and ``xml`` parts.
- ``tls``: SSL contexts that trust only the federation CA, TLS 1.2 or newer.
"""
