"""Declarative journal mappings: a YAML file turns a journal's export into canonical records.

Integrators describe their journal's export (XML, JSON or CSV) and how each field of a
canonical record is read from it; no Python needed. See ``docs/integrators.md``.

Public API::

    mapping = load_mapping("mappings/skolesys-stafetlog.yaml")   # raises MappingInvalid
    for outcome in map_file(mapping, "eksport.xml"):              # streaming
        if isinstance(outcome, Mapped): outcome.record            # a validated Record
        else: outcome.problems                                    # Rejected: every problem

Modules: ``spec`` (the file's schema), ``loader`` (checks and compiles it), ``rules`` and
``build`` (fill one record), ``transforms``, ``sources`` (one module per format),
``engine`` (documents in, outcomes out), ``outcome`` (result types), ``catalog`` (find a
mapping by id).
"""

from ssd_gateway.mapping.catalog import find_mapping, mapping_files
from ssd_gateway.mapping.engine import map_bytes, map_file, map_record, map_stream
from ssd_gateway.mapping.errors import MappingInvalid, SpecProblem
from ssd_gateway.mapping.loader import Mapping, load_mapping, parse_mapping
from ssd_gateway.mapping.outcome import (
    Explained,
    Mapped,
    MappingProblem,
    Outcome,
    Rejected,
    SourceLocation,
)

__all__ = [
    "Explained", "Mapped", "Mapping", "MappingInvalid", "MappingProblem", "Outcome",
    "Rejected", "SourceLocation", "SpecProblem", "find_mapping", "load_mapping", "map_bytes",
    "map_file", "map_record", "map_stream", "mapping_files", "parse_mapping",
]
