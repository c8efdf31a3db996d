"""``instance-operator kube-api``: the emulated Kubernetes API server as a process of its own."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "kube-api",
        help="serve an in-memory Kubernetes API on 127.0.0.1 (for demos, tests, benchmarks)",
        description=(
            "Serve an in-memory Kubernetes API on 127.0.0.1. Prints the URL once ready (after "
            "writing --kubeconfig) and runs until SIGTERM or SIGINT."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default)"
    )
    parser.add_argument(
        "--kubeconfig", type=Path, help="write a kubeconfig for the server to this file"
    )
    parser.add_argument(
        "--watch-history",
        type=int,
        default=10_000,
        help="changes per resource a watch can resume from; older resourceVersions get 410 (default 10000)",
    )
    parser.add_argument(
        "--bookmark-interval",
        type=float,
        default=5.0,
        help="seconds between watch BOOKMARK events (default 5)",
    )
    parser.add_argument(
        "--authorization",
        action="store_true",
        help=(
            "authenticate and authorize every request with RBAC, as a real API server does; "
            "the --kubeconfig then holds an admin (system:masters) token, and ServiceAccount "
            "tokens come from the TokenRequest subresource (kubectl create token)"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    if args.authorization and args.kubeconfig is None:
        print(
            "kube-api: --authorization needs --kubeconfig FILE: the admin token, the only "
            "credential that can create anything, is written there",
            file=sys.stderr,
        )
        return 2

    return asyncio.run(_serve(args))


async def _serve(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from instance_operator.kubeapi.server import KubeAPI

    api = KubeAPI(
        port=args.port,
        watch_history=args.watch_history,
        bookmark_interval=args.bookmark_interval,
        authorization=args.authorization,
    )
    await api.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if args.kubeconfig is not None:
            api.write_kubeconfig(args.kubeconfig)
        print(api.url, flush=True)
        await stop.wait()
    finally:
        await api.stop()
    return 0
