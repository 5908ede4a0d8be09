"""An in-memory fake of the RabbitMQ management API, for the modules' unit tests."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from urllib.error import HTTPError, URLError
from urllib.parse import unquote


def hash_password(password, salt=b"\x01\x02\x03\x04"):
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


class FakeBroker:
    """Just enough of the management API for warren's modules."""

    def __init__(self):
        self.version = "3.10.8"
        self.vhosts = {"/": {"name": "/", "description": "Default virtual host"}}
        self.users = {}
        self.permissions = {}  # (user, vhost) -> dict
        self.policies = {}  # (vhost, name) -> dict
        self.nodes = ["rabbit@rabbit-1", "rabbit@rabbit-2", "rabbit@rabbit-3"]
        self.running = set(self.nodes)
        self.plugins = ["rabbitmq_management", "rabbitmq_federation", "rabbitmq_prometheus"]
        self.queues = []
        self.partitions = {}
        self.alarms = []  # (node, "memory" or "disk")
        # name -> [state, stability, names of the flags it depends on]
        self.feature_flags = {"khepri_db": ["enabled", "required", []],
                              "rabbitmq_4.3.0": ["disabled", "stable", []],
                              "track_qq_members_uids": ["disabled", "stable", ["rabbitmq_4.3.0"]],
                              "future_thing": ["disabled", "experimental", []]}
        # A node that has just started reports no plugins for its first polls.
        self.silent_polls = {}
        self.writes = []
        self.fail_with = None  # an HTTP status, or "refused"

    # --- helpers for tests -------------------------------------------------------------------
    def add_user(self, name, password, tags=()):
        self.users[name] = {"name": name, "tags": list(tags),
                            "password_hash": hash_password(password),
                            "hashing_algorithm": "rabbit_password_hashing_sha256"}

    # --- the HTTP surface --------------------------------------------------------------------
    def open(self, method, url, data):
        if self.fail_with == "refused":
            raise URLError(ConnectionRefusedError(111, "Connection refused"))
        if self.fail_with:
            raise HTTPError(url, self.fail_with, "error", {},
                            io.BytesIO(json.dumps({"error": "x", "reason": "fake"}).encode()))
        path = url.split("/api/", 1)[1].split("?", 1)[0]
        parts = [unquote(p) for p in path.split("/")]
        body = json.loads(data) if data else None
        if method != "GET":
            self.writes.append((method, path, body))
        status, payload = self.route(method, parts, body)
        if status >= 400:
            raise HTTPError(url, status, "error", {},
                            io.BytesIO(json.dumps({"error": "x", "reason": payload}).encode()))
        return io.BytesIO(b"" if payload is None else json.dumps(payload).encode())

    def route(self, method, parts, body):
        head = parts[0]
        if head == "overview":
            return 200, {"rabbitmq_version": self.version, "cluster_name": "rabbit@rabbit-1"}
        if head == "vhosts":
            return self._collection(
                self.vhosts, parts[1] if len(parts) > 1 else None, method, body,
                lambda name, b: {"name": name, "description": b.get("description", ""),
                                 "default_queue_type": b.get("default_queue_type", "undefined")})
        if head == "users" and len(parts) == 3:
            return 200, [p for (u, _), p in self.permissions.items() if u == parts[1]]
        if head == "users":
            def make_user(name, b):
                user = {"name": name, "tags": [t for t in b.get("tags", "").split(",") if t],
                        "hashing_algorithm": "rabbit_password_hashing_sha256"}
                user["password_hash"] = (hash_password(b["password"]) if "password" in b
                                         else b.get("password_hash", ""))
                return user
            return self._collection(self.users, parts[1] if len(parts) > 1 else None, method, body,
                                    make_user)
        if head == "permissions":
            vhost, user = parts[1], parts[2]
            if method == "PUT":
                self.permissions[(user, vhost)] = dict(body, user=user, vhost=vhost)
                return 201, None
        if head == "policies":
            return self._policies(method, parts[1:], body)
        if head == "nodes":
            nodes = []
            for n in self.nodes:
                silent = self.silent_polls.get(n, 0) > 0
                self.silent_polls[n] = self.silent_polls.get(n, 0) - 1
                nodes.append({"name": n, "running": n in self.running,
                              "partitions": self.partitions.get(n, []),
                              "mem_alarm": (n, "memory") in self.alarms,
                              "disk_free_alarm": (n, "disk") in self.alarms,
                              "enabled_plugins": [] if silent else self.plugins})
            return 200, nodes
        if head == "feature-flags":
            return self._feature_flags(method, parts[1:])
        if head == "queues" and len(parts) == 3:
            return self._queue(method, parts[1], parts[2], body)
        if head == "queues":
            return 200, [q for q in self.queues if len(parts) == 1 or q["vhost"] == parts[1]]
        return 404, "no route %s %s" % (method, "/".join(parts))

    def _queue(self, method, vhost, name, body):
        found = next((q for q in self.queues if (q["vhost"], q["name"]) == (vhost, name)), None)
        if method == "GET":
            return (200, found) if found else (404, "Object Not Found")
        if method == "PUT":
            if found:
                return 204, None
            arguments = dict(body.get("arguments") or {})
            self.queues.append({"vhost": vhost, "name": name, "durable": body.get("durable"),
                                "arguments": arguments, "messages": 0,
                                "type": arguments.get("x-queue-type", "classic")})
            return 201, None
        if method == "DELETE":
            if not found:
                return 404, "Object Not Found"
            self.queues.remove(found)
            return 204, None
        return 405, "method"

    def _feature_flags(self, method, parts):
        if method == "GET" and not parts:
            return 200, [{"name": n, "state": s, "stability": st, "provided_by": "rabbit"}
                         for n, (s, st, _) in self.feature_flags.items()]
        if method == "PUT" and len(parts) == 2 and parts[1] == "enable":
            if parts[0] not in self.feature_flags:
                return 400, "unsupported"
            flag = self.feature_flags[parts[0]]
            for dependency in flag[2]:
                self.feature_flags[dependency][0] = "enabled"
            flag[0] = "enabled"
            return 204, None
        return 405, "method"

    def _collection(self, store, name, method, body, make):
        if name is None:
            return 200, list(store.values())
        if method == "GET":
            return (200, store[name]) if name in store else (404, "Object Not Found")
        if method == "PUT":
            store[name] = make(name, body or {})
            return 201, None
        if method == "DELETE":
            return (204, store.pop(name)) if name in store else (404, "Object Not Found")
        return 405, "method"

    def _policies(self, method, parts, body):
        if not parts:
            return 200, list(self.policies.values())
        vhost = parts[0]
        if len(parts) == 1:
            return 200, [p for (v, _), p in self.policies.items() if v == vhost]
        key = (vhost, parts[1])
        if method == "GET":
            return (200, self.policies[key]) if key in self.policies else (404, "Object Not Found")
        if method == "PUT":
            self.policies[key] = dict(body, vhost=vhost, name=parts[1])
            return 201, None
        if method == "DELETE":
            return (204, self.policies.pop(key)) if key in self.policies else (404, "Object Not Found")
        return 405, "method"
