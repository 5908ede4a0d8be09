"""Helpers shared by warren's integration tests, chaos driver and benchmarks.

Everything here talks to the real local deployment (inventories/local): containers on this
machine's Docker engine, ports published on 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The collection's own code (read_cluster) is used by tests too.
sys.path.insert(0, str(PROJECT_DIR / "collections"))
SECRETS_DIR = Path(os.environ.get("WARREN_SECRETS_DIR",
                                  Path.home() / ".local/share/warren/local"))

# inventories/local: rabbit-N publishes AMQP on 5671+N, management on 15671+N; the nodes of
# the cluster a migration moves to (its commented-out rabbitmq_green) 40 ports further.
NODES = ["rabbit-1", "rabbit-2", "rabbit-3"]
GREEN_NODES = ["rabbit-green-1", "rabbit-green-2", "rabbit-green-3"]
# The deployed publisher, as published on this machine by app-host-1's unit.
PUBLISHER_ADDRESS = ("127.0.0.1", 80)


def _port_offset(node: str) -> int:
    return int(node.rsplit("-", 1)[1]) + (40 if node.startswith("rabbit-green-") else 0)


def amqp_port(node: str) -> int:
    return 5671 + _port_offset(node)


def management_port(node: str) -> int:
    return 15671 + _port_offset(node)


def nodename(node: str) -> str:
    return f"rabbit@{node}"


def secret(name: str) -> str:
    return (SECRETS_DIR / name).read_text().strip()


def admin_credentials() -> tuple[str, str]:
    return "admin", secret("admin_password")


def run(*argv: str, check: bool = True, timeout: float = 120, input: str | None = None
        ) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=timeout,
                          input=input)


def docker_exec(container: str, *argv: str, check: bool = True, timeout: float = 120
                ) -> subprocess.CompletedProcess:
    return run("docker", "exec", container, *argv, check=check, timeout=timeout)


def rabbitmqctl_json(container: str, *argv: str):
    out = docker_exec(container, "rabbitmqctl", "--quiet", *argv, "--formatter", "json").stdout
    return json.loads(out)


def api(path: str, node: str = "rabbit-1", credentials: tuple[str, str] | None = None,
        method: str = "GET", body=None):
    """Call the management API of ``node``; returns (status, parsed body or None)."""
    user, password = credentials or admin_credentials()
    request = urllib.request.Request(
        f"http://127.0.0.1:{management_port(node)}/api/{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": "Basic " + base64.b64encode(
                     f"{user}:{password}".encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, None


def wait_until(predicate, timeout: float = 120, interval: float = 0.5, what: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; that value is returned."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - polled code may fail while a node restarts
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout} s (last error: {last_error})")


def container_logs(names, tail: int = 150) -> str:
    """The last lines of each container's log, for test failure reports."""
    parts = []
    for name in names:
        result = run("docker", "logs", "--tail", str(tail), name, check=False)
        parts.append(f"===== docker logs --tail {tail} {name} =====\n"
                     f"{result.stdout}{result.stderr}")
    return "\n".join(parts)


def ansible(command: str, *argv: str, check: bool = True, timeout: float = 600,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run an Ansible command of this venv from the project directory (its ansible.cfg)."""
    binary = Path(sys.executable).with_name(command)
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT_DIR / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **(env or {}))
    # No terminal: a run that would prompt fails instead of waiting.
    return subprocess.run([str(binary), *argv], cwd=PROJECT_DIR, env=env, check=check,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def ansible_playbook(*argv: str, check: bool = False, timeout: float = 600,
                     env: dict | None = None) -> subprocess.CompletedProcess:
    return ansible("ansible-playbook", *argv, check=check, timeout=timeout, env=env)


def recap_changed(output: str) -> int:
    """Sum of changed= over the PLAY RECAP of an ansible-playbook run."""
    recap = output.rsplit("PLAY RECAP", 1)[-1]
    return sum(int(n) for n in re.findall(r"changed=(\d+)", recap))


def cluster_info(node: str | None = None, gather=()) -> dict:
    """The cluster's state as warren.rabbitmq.rabbitmq_cluster_info reads it, from ``node`` or
    else from the first node that answers."""
    from ansible_collections.warren.rabbitmq.plugins.module_utils.api import (ApiError,
                                                                             RabbitMQClient)
    from ansible_collections.warren.rabbitmq.plugins.module_utils.cluster import read_cluster

    user, password = admin_credentials()
    candidates = [node] if node else NODES
    for i, candidate in enumerate(candidates):
        client = RabbitMQClient(login_host="127.0.0.1", login_port=management_port(candidate),
                                login_user=user, login_password=password, timeout=5)
        try:
            return read_cluster(client, gather=gather)
        except ApiError:
            if i == len(candidates) - 1:
                raise


def amqp_parameters(node: str = "rabbit-1", credentials: tuple[str, str] | None = None):
    """pika connection parameters for ``node``'s published AMQP port (the administrator by default)."""
    import pika

    user, password = credentials or admin_credentials()
    return pika.ConnectionParameters(host="127.0.0.1", port=amqp_port(node),
                                     credentials=pika.PlainCredentials(user, password),
                                     connection_attempts=3, retry_delay=1)


def amqp_connection(node: str = "rabbit-1"):
    import pika

    return pika.BlockingConnection(amqp_parameters(node))


@contextlib.contextmanager
def lone_node(name: str, image: str, management_port: int, amqp_port: int | None = None,
              plugins: str = "rabbitmq_management", env: dict | None = None):
    """A throwaway single RabbitMQ node outside the deployment, with the administrator's
    credentials, published on ports of its own; yields a management API client for it."""
    from ansible_collections.warren.rabbitmq.plugins.module_utils.api import RabbitMQClient

    user, password = admin_credentials()
    argv = ["docker", "run", "-d", "--name", name, "--hostname", "lone",
            "-e", "RABBITMQ_NODENAME=rabbit@lone", "-p", f"127.0.0.1:{management_port}:15672"]
    if amqp_port:
        argv += ["-p", f"127.0.0.1:{amqp_port}:5672"]
    for key, value in (env or {}).items():
        argv += ["-e", f"{key}={value}"]
    # The enabled_plugins file rather than an environment variable: 3.10 and 4.3 both read it.
    argv += [image, "sh", "-c", f'echo "[{plugins}]." > /etc/rabbitmq/enabled_plugins && '
             "exec /usr/lib/rabbitmq/bin/rabbitmq-server"]
    run("docker", "rm", "-f", name, check=False)
    run(*argv)
    try:
        wait_until(lambda: docker_exec(name, "rabbitmq-diagnostics", "--quiet", "check_running",
                                       check=False).returncode == 0, timeout=120,
                   what=f"{name} to start")
        docker_exec(name, "rabbitmqctl", "--quiet", "add_user", user, password)
        docker_exec(name, "rabbitmqctl", "--quiet", "set_user_tags", user, "administrator")
        docker_exec(name, "rabbitmqctl", "--quiet", "set_permissions", user, ".*", ".*", ".*")
        client = RabbitMQClient(login_host="127.0.0.1", login_port=management_port,
                                login_user=user, login_password=password, timeout=30)
        wait_until(lambda: client.get("overview"), timeout=60, what=f"{name}'s management API")
        yield client
    finally:
        run("docker", "rm", "-f", name, check=False)
