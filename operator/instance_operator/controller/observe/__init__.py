"""What the operator knows of servers, and how it learns it cheaply.

Contract: reads only, never a change to a server (a session hands out the actuators of its scope
but never calls them). One :class:`~.sessions.ScopeSession` per scope
(``<keystone host>/<region>/<project ID>``) holds a watcher that polls
``servers/detail?changes-since`` for every Instance of the scope, a batched lookup by the
``iop-uid-`` tag, and the actuators of the credentials that reached the scope; sessions close
when their last Instance goes. Servers are remembered as small frozen :class:`~.observed.Observed`
records.
"""
