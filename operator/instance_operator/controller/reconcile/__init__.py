"""One reconcile pass for one Instance, and everything it does to OpenStack.

Contract: a pass (:mod:`.pass_state`) reads the freshest Instance and server, decides, acts
through the :class:`~.actuator.Actuator` (the only code that calls OpenStack for an Instance), and
ends with the status it built, which :mod:`..status` writes only if it changed. The reconciler
(:mod:`.reconciler`) runs the steps: credentials and user data (:mod:`.credentials`), the server
as fresh as the last change made to it (:mod:`.locator`, shared with the finalizer), names to IDs
(:mod:`.resolver`), create, the fields that cannot change (:mod:`.immutability`), resize and power
(:mod:`.server_changes`), what is reported without a change (:mod:`.reports`), and the annotation
actions (:mod:`..actions`). Deletion is :mod:`.finalizer`. Failures are sorted into "the user must
fix something" and "try again soon" (:mod:`.failures`); Secrets and RoleBindings that a deletion
needs are kept by :mod:`.holds`.
"""
