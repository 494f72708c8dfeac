"""Quarantine: input the gateway could not accept, kept whole with every reason.

Nothing that arrives is ever dropped. A journal record that fails its mapping, a document
that cannot be read, and (later) an inbound federation message that fails validation are
all kept here: who sent it (``source``, ``origin``), why (``reason_codes`` and ``problems``,
which never contain source values), the exact bytes (``payload`` with its ``content_type``),
when it came and its ``status`` (``open`` until a retry succeeds, then ``resolved``).

- ``table``: the ``quarantine`` table on the shared ``Base``;
- ``store``: ``QuarantineStore`` (add, list, get, resolve, record a failed retry);
- ``remap``: the journal-mapping side: keep ``Rejected`` outcomes, and retry an entry with
  the current mapping.
"""

from ssd_gateway.quarantine.store import NewEntry, Quarantined, QuarantineStore
from ssd_gateway.quarantine.table import QuarantineEntry

__all__ = ["NewEntry", "QuarantineEntry", "QuarantineStore", "Quarantined"]
