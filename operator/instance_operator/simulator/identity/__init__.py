"""Keystone v3, as much as clients need: version documents and token issue."""
