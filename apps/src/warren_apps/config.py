"""All configuration, from environment variables, in one place.

The tutorial's names keep working (RABBIT_HOST, RABBIT_PORT, RABBIT_USERNAME, RABBIT_PASSWORD);
RABBIT_HOSTS lists every node for failover.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and what to change."""


@dataclass(frozen=True)
class TLSSettings:
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    verify: bool = True


@dataclass(frozen=True)
class Settings:
    hosts: tuple[tuple[str, int], ...] = (("localhost", 5672),)
    username: str = "guest"
    password: str = field(default="guest", repr=False)
    vhost: str = "/"
    queue: str = "publisher"
    # None leaves the queue type to the virtual host's default (quorum on RabbitMQ 4.x).
    queue_type: str | None = None
    tls: TLSSettings | None = None
    heartbeat: int = 30
    connect_timeout: float = 5.0
    reconnect_initial: float = 0.2
    reconnect_max: float = 5.0
    # Publisher
    http_host: str = "0.0.0.0"
    http_port: int = 80
    publish_timeout: float = 10.0
    # Messages waiting this long without a confirm or nack go again on a new channel (0: never).
    confirm_stall_timeout: float = 0.5
    max_message_bytes: int = 1024 * 1024
    max_batch_messages: int = 10_000
    max_batch_bytes: int = 16 * 1024 * 1024
    # Consumer
    prefetch: int = 50
    drain_timeout: float = 15.0
    # A message whose handler failed goes back to the queue after this pause, which doubles
    # with each failure in a row up to the maximum: a poison message does not spin the CPU.
    retry_delay_initial: float = 0.1
    retry_delay_max: float = 5.0
    # Logs: "json" (one object per line) or "text".
    log_format: str = "json"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        reader = _Reader(env)
        default_port = reader.integer("RABBIT_PORT", 5672, low=1, high=65535)
        if env.get("RABBIT_HOSTS", "").strip():
            hosts = parse_hosts(env["RABBIT_HOSTS"], default_port)
        else:
            hosts = ((env.get("RABBIT_HOST", "localhost").strip() or "localhost", default_port),)
        queue_type = env.get("RABBIT_QUEUE_TYPE", "").strip().lower() or None
        if queue_type not in (None, "classic", "quorum"):
            raise ConfigError(f"RABBIT_QUEUE_TYPE={queue_type!r}: use classic, quorum, or leave it "
                              "empty for the virtual host's default.")
        values = dict(
            hosts=hosts,
            username=env.get("RABBIT_USERNAME", "guest"),
            password=reader.secret("RABBIT_PASSWORD", "guest"),
            vhost=env.get("RABBIT_VHOST", "/") or "/",
            queue=env.get("RABBIT_QUEUE", "publisher") or "publisher",
            queue_type=queue_type,
            tls=reader.tls(),
            heartbeat=reader.integer("RABBIT_HEARTBEAT", 30, low=0),
            connect_timeout=reader.number("RABBIT_CONNECT_TIMEOUT", 5.0, low=0.1),
            reconnect_initial=reader.number("RABBIT_RECONNECT_INITIAL", 0.2, low=0.01),
            reconnect_max=reader.number("RABBIT_RECONNECT_MAX", 5.0, low=0.01),
            http_host=env.get("HTTP_HOST", "0.0.0.0"),
            http_port=reader.integer("PORT", 80, low=0, high=65535),
            publish_timeout=reader.number("PUBLISH_TIMEOUT", 10.0, low=0.1),
            confirm_stall_timeout=reader.number("CONFIRM_STALL_TIMEOUT", 0.5, low=0),
            max_message_bytes=reader.integer("MAX_MESSAGE_BYTES", 1024 * 1024, low=1),
            max_batch_messages=reader.integer("MAX_BATCH_MESSAGES", 10_000, low=1),
            max_batch_bytes=reader.integer("MAX_BATCH_BYTES", 16 * 1024 * 1024, low=1),
            prefetch=reader.integer("PREFETCH", 50, low=1, high=65535),
            drain_timeout=reader.number("DRAIN_TIMEOUT", 15.0, low=0),
            retry_delay_initial=reader.number("RETRY_DELAY_INITIAL", 0.1, low=0),
            retry_delay_max=reader.number("RETRY_DELAY_MAX", 5.0, low=0),
            log_format=reader.choice("LOG_FORMAT", "json", ("json", "text")),
            log_level=reader.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        )
        values.update(overrides)
        return cls(**values)


def parse_hosts(text: str, default_port: int = 5672) -> tuple[tuple[str, int], ...]:
    """'rabbit-1:5672, rabbit-2,[::1]:5673' -> (('rabbit-1', 5672), ('rabbit-2', 5672), ('::1', 5673))."""
    hosts = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port_text = rest[1:] if rest.startswith(":") else ""
        elif item.count(":") == 1:
            host, port_text = item.split(":")
        else:
            host, port_text = item, ""
        try:
            port = int(port_text) if port_text else default_port
        except ValueError:
            raise ConfigError(f"RABBIT_HOSTS: {item!r} has a port that is not a number.") from None
        if not host or not 0 < port < 65536:
            raise ConfigError(f"RABBIT_HOSTS: {item!r} is not host[:port].")
        hosts.append((host, port))
    if not hosts:
        raise ConfigError("RABBIT_HOSTS is set but lists no node: give host[:port],host[:port],...")
    return tuple(hosts)


class _Reader:
    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def number(self, name, default, low=None):
        text = self.env.get(name, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"{name}={text!r} is not a number.") from None
        if low is not None and value < low:
            raise ConfigError(f"{name}={text} is below the minimum {low}.")
        return value

    def integer(self, name, default, low=None, high=None):
        text = self.env.get(name, "").strip()
        if not text:
            return default
        try:
            value = int(text)
        except ValueError:
            raise ConfigError(f"{name}={text!r} is not a whole number.") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"{name}={value} is outside {low}..{high}.")
        return value

    def choice(self, name, default, choices):
        value = self.env.get(name, "").strip() or default
        value = next((c for c in choices if c.lower() == value.lower()), value)
        if value not in choices:
            raise ConfigError(f"{name}={value!r}: use one of {', '.join(choices)}.")
        return value

    def boolean(self, name, default):
        text = self.env.get(name, "").strip().lower()
        if not text:
            return default
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name}={text!r}: use true or false.")

    def secret(self, name, default):
        """NAME, or the content of the file named by NAME_FILE (e.g. a mounted secret)."""
        path = self.env.get(name + "_FILE", "").strip()
        if path:
            try:
                with open(path, encoding="utf-8") as f:
                    return f.read().rstrip("\r\n")
            except OSError as e:
                raise ConfigError(f"{name}_FILE={path}: cannot read it ({e.strerror}).") from None
        return self.env.get(name, default)

    def tls(self):
        if not self.boolean("RABBIT_TLS", False):
            return None
        cert, key = self.env.get("RABBIT_TLS_CERT_FILE"), self.env.get("RABBIT_TLS_KEY_FILE")
        if bool(cert) != bool(key):
            raise ConfigError("RABBIT_TLS_CERT_FILE and RABBIT_TLS_KEY_FILE go together: set both "
                              "for a client certificate, or neither.")
        return TLSSettings(ca_file=self.env.get("RABBIT_TLS_CA_FILE") or None, cert_file=cert or None,
                           key_file=key or None,
                           server_name=self.env.get("RABBIT_TLS_SERVER_NAME") or None,
                           verify=self.boolean("RABBIT_TLS_VERIFY", True))
