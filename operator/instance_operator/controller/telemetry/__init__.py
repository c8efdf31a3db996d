"""What the operator says about its own work: Prometheus metrics and logs.

Contract: observing, never deciding. The controller reports through the narrow
:class:`~.reporter.Telemetry` interface; :mod:`.metrics` exports it on ``/metrics``; logging is set
up by :mod:`.log_setup`, and :mod:`.log_context` names the Instance (and server) on every line
made for it.
"""
