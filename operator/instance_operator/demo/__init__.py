"""``instance-operator demo``: the whole product in about a minute, on this machine alone.

It starts the OpenStack simulator, an embedded Kubernetes API (or uses the cluster of
``KUBECONFIG``) and the operator, applies the examples, triggers start, stop, reboot and snapshot,
deletes everything again, and shows the Instances in a live table as it goes. Each step checks
that it reached its expected state; one that did not ends the demo with exit code 1.
"""
