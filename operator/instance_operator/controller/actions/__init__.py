"""The annotation actions (start, stop, reboot, hard reboot, snapshot), exactly once per token.

Contract: :mod:`.table` holds one entry per action (annotation, Nova call, allowed states, result
reason), read by everything else here. :mod:`.plan` is pure: for a request token, the server's facts and the recorded status,
it says what to do. :mod:`.runner` does the I/O with one rule: the ``Running`` record is written
before Nova is called and the call's request ID after, so a crash in between is resolved from
Nova's instance-action log, never by guessing; :mod:`.in_flight` says how long a call whose answer
was lost may still arrive before it is made again.
"""
