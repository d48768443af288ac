"""The live portal (issue 26): who is connected, which events of an archive write to tell, and to whom.

The WebSocket API only says "something changed" (DESIGN 17): an event is ``{type, objectId, version, status,
actor, at}`` and the page fetches what it needs through the API. Events come from the audit function, the one place
every archive write passes (DESIGN 16), so no code path that writes history can skip them.
"""
