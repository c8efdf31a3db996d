"""Neutron v2.0: networks, subnets' address pools, ports and security groups."""
