"""The local API for journal systems: its own listener, token-authenticated, OpenAPI-described.

Errors are RFC 9457 problem details carrying the validation path and the rule's reason code.
"""
