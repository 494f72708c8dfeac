"""The running gateway: composes model, policy, registry, formats, signing, transport, outbox
and evidence log into the path of one transfer (ARCHITECTURE.md §1), for both directions.
"""
