"""``instance-operator crd``: print the CustomResourceDefinition (``kubectl apply -f -`` ready)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "crd",
        help="print the Instance CustomResourceDefinition as YAML",
        description="Print the Instance CRD, generated from the API models. Pipe it to `kubectl apply -f -`.",
    )
    parser.add_argument(
        "--api-reference",
        action="store_true",
        help="print the API reference (Markdown, as in docs/api.md) instead",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.api_reference:
        from instance_operator.api.reference import render

        sys.stdout.write(render())
    else:
        from instance_operator.api.crd import render_crd

        sys.stdout.write(render_crd())
    return 0
