"""What the Instance's status says, and writing it only when it changes.

Contract: everything here but :mod:`.writer` is pure (no I/O, no clock): Nova's states read as
phases (:mod:`.phases`), the server mirrored into status (:mod:`.server_status`), the conditions
(:mod:`.conditions`), the stable reason words (:mod:`.reasons`) and which changes are not worth
a write (:mod:`.progress`). The writer sends the smallest
merge patch (:mod:`.mergepatch`) and Events that do not repeat.
"""
