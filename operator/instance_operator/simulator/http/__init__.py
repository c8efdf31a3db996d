"""The HTTP side of the simulator: one aiohttp app, one request pipeline, per-service errors."""
