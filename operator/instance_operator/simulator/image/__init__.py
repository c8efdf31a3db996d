"""Glance v2 images: seeded images and the snapshots ``createImage`` makes."""
