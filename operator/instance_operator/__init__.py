"""instance-operator: OpenStack servers as Kubernetes ``Instance`` resources."""

__version__ = "0.1.0"
