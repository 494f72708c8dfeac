"""Allow ``python -m ssd_gateway``."""

from ssd_gateway.cli.app import main

main()
