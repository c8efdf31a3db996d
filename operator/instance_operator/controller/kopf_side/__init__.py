"""kopf's side of the operator: how kopf is set up, and the handlers it calls.

Contract: nothing here reconciles. Handlers hand every watch event to the controller's registry
and queue (:mod:`..runtime`), and the delete handler awaits the finalizer's outcome; kopf's
settings, credentials (from the same client configuration the controller writes with), the
peering gate that keeps a standby replica silent, and the sweep for Instances whose kopf
finalizer was never added live here, as do the assembly of the whole operator and the ``run``
command.
"""
