"""The limits of the Instance API: Nova's, minus what the operator puts on each server itself
(one tag, three metadata items), so that a spec the API server accepts does not fail in the cloud."""

from __future__ import annotations

# ------------------------------------------------------------------------------------------------
# Limits (Nova's, see the module docstring)

#: Nova allows 50 tags per server; the operator adds one (``iop-uid-<uid>``).
MAX_TAGS = 49
MAX_TAG_LENGTH = 60
#: Nova's default ``metadata_items`` quota is 128; the operator adds three items.
MAX_METADATA_ITEMS = 125
MAX_METADATA_LENGTH = 255
#: Nova's metadata key rule. A ``/`` makes a real Nova answer 400.
METADATA_KEY_PATTERN = r"^[a-zA-Z0-9_:. -]{1,255}$"
MAX_SERVER_NAME = 255
#: Nova accepts at most 65535 bytes of base64-encoded user data.
MAX_USER_DATA_ENCODED = 65535
#: The longest raw user data whose base64 encoding fits: 4 * ceil(n / 3) <= 65535.
MAX_USER_DATA_RAW = (MAX_USER_DATA_ENCODED // 4) * 3
MAX_NETWORKS = 16
MAX_SECURITY_GROUPS = 32
MAX_SNAPSHOTS = 10
MAX_NAME = 255

DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"  # noqa: S105 (a pattern, not a secret)
UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
#: No leading or trailing white space, as Nova requires of server names.
SERVER_NAME_PATTERN = r"^\S(.*\S)?$"
#: Nova's tag rule: no ``/`` and no ``,``.
TAG_PATTERN = r"^[^/,]+$"
#: A dotted IPv4 address, or something made of IPv6 characters with a colon; pydantic then checks
#: the address exactly. (The API server's regular expressions are RE2: no look-ahead.)
IP_PATTERN = (
    r"^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"|[0-9a-fA-F]*:[0-9a-fA-F:.]*)$"
)
