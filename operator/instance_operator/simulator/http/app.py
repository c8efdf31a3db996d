"""The aiohttp application: every service route through the pipeline, plus ``/_sim``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from instance_operator.simulator.cloud import Cloud
from instance_operator.simulator.controls import Controls
from instance_operator.simulator.http.control import register_control
from instance_operator.simulator.http.pipeline import Pipeline, unmatched_middleware

#: The app's pipeline, so the runner can cancel hung requests when it stops.
PIPELINE = web.AppKey("pipeline", Pipeline)


def build_app(cloud: Cloud, controls: Controls, config_json: Callable[[], Any]) -> web.Application:
    app = web.Application(
        middlewares=[unmatched_middleware(cloud)], client_max_size=16 * 1024 * 1024
    )
    pipeline = Pipeline(cloud)
    app[PIPELINE] = pipeline
    for route in cloud.router().routes:
        app.router.add_route(route.method, route.path, pipeline.endpoint(route))
    register_control(app, controls, config_json)
    return app
