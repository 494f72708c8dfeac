"""The ``ssd-gateway`` command line: every capability reachable from a terminal."""
