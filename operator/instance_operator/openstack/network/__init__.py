"""Neutron v2.0 resources, taking the network ``ServiceClient``."""
