"""``python -m instance_operator.sandbox.launcher PARENT_PID ARGS...``: ``instance-operator ARGS``
that dies with the sandbox.

A sandbox killed with SIGKILL runs no cleanup, so its children would serve on forever. Here the
child asks Linux for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``) before it does anything
else, and exits at once if the parent is already gone. Doing this in the child's own interpreter,
not in a ``preexec_fn``, keeps ``subprocess`` free of code run between fork and exec.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was in place
        sys.exit(1)


def main() -> int:
    _die_with(int(sys.argv[1]))
    from instance_operator.cli import main as cli_main

    return cli_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
