"""The durable record of each live conversation: what its widgets were shown, in order.

Redis (or memory) stays the fast path and the fan-out; this record, in the database, is what
survives them. Every widget event of a conversation gets a position here, which never repeats;
a widget that missed events catches up from its last position (``Journal.replay``).
"""
