"""Glance v2 resources, taking the image ``ServiceClient``."""
