"""Running one of the apps as a program: configuration from the environment, logs, and a
clean stop on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import prometheus_client

from . import logs
from .config import ConfigError, Settings


async def serve(app):
    await app.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    log = logging.getLogger("warren")
    log.info("stopping: finishing the work in hand")
    await app.stop()
    log.info("stopped")


def run(app_class, program: str):
    """Build ``app_class(settings)`` from the environment and serve it until told to stop."""
    try:
        settings = Settings.from_env()
    except ConfigError as e:
        print("%s: %s" % (program, e), file=sys.stderr)
        sys.exit(2)
    logs.configure(settings.log_format, settings.log_level)
    # Only the series the apps' metrics are documented with, not one *_created per series.
    prometheus_client.disable_created_metrics()
    asyncio.run(serve(app_class(settings)))
