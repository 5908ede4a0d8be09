# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""A small client for the RabbitMQ management HTTP API, shared by warren's modules.

Only ``ansible.module_utils.urls`` is used, so nothing beyond Python is needed where a
module runs. Every failure becomes an :class:`ApiError` whose message says what to change.
"""

from __future__ import annotations

import json
import re
import socket
from urllib.error import HTTPError, URLError
from urllib.parse import quote

from ansible.module_utils.urls import open_url

LOGIN_ARGUMENT_SPEC = dict(
    login_host=dict(type="str", default="localhost"),
    login_port=dict(type="int", default=15672),
    login_protocol=dict(type="str", default="http", choices=["http", "https"]),
    login_user=dict(type="str", default="guest"),
    login_password=dict(type="str", default="guest", no_log=True),
    ca_cert=dict(type="path", aliases=["cacert"]),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
)


class ApiError(Exception):
    """A request failed; ``status`` is the HTTP status, or None when nothing answered."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def path(*segments):
    """Join URL path segments, quoting each one ("/" as a vhost name becomes %2F)."""
    return "/".join(quote(str(s), safe="") for s in segments)


class RabbitMQClient:
    def __init__(self, login_host="localhost", login_port=15672, login_protocol="http",
                 login_user="guest", login_password="guest", ca_cert=None,
                 validate_certs=True, timeout=30, **_ignored):
        self.base_url = "%s://%s:%s/api" % (login_protocol, login_host, login_port)
        self.user = login_user
        self._password = login_password
        self._ca_cert = ca_cert
        self._validate_certs = validate_certs
        self._timeout = timeout

    @classmethod
    def from_module(cls, module):
        return cls(**{k: module.params[k] for k in LOGIN_ARGUMENT_SPEC})

    def get(self, api_path, missing_ok=False):
        """GET a resource; with ``missing_ok`` a 404 returns None instead of raising."""
        try:
            return self.request("GET", api_path)
        except ApiError as e:
            if missing_ok and e.status == 404:
                return None
            raise

    def put(self, api_path, body):
        return self.request("PUT", api_path, body)

    def delete(self, api_path):
        return self.request("DELETE", api_path)

    def request(self, method, api_path, body=None):
        url = "%s/%s" % (self.base_url, api_path)
        data = None if body is None else json.dumps(body)
        try:
            response = self._open(method, url, data)
            text = response.read()
        except HTTPError as e:
            raise ApiError(self._explain_http_error(method, api_path, e), status=e.code) from None
        except (URLError, socket.timeout, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ApiError(
                "Cannot reach the RabbitMQ management API at %s (%s). Check that the node runs, "
                "that the rabbitmq_management plugin is enabled, and login_host/login_port/"
                "login_protocol." % (self.base_url, reason)) from None
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise ApiError("The management API at %s answered %s %s with something that is "
                           "not JSON." % (self.base_url, method, api_path)) from None

    def _open(self, method, url, data):
        """The single point where HTTP happens (tests replace it)."""
        return open_url(
            url, data=data, method=method,
            # JSON wherever the API has it; some actions (enabling a feature flag) answer
            # nothing and refuse a request that accepts JSON only (HTTP 406).
            headers={"Content-Type": "application/json", "Accept": "application/json, */*;q=0.1"},
            url_username=self.user, url_password=self._password, force_basic_auth=True,
            validate_certs=self._validate_certs, ca_path=self._ca_cert, timeout=self._timeout)

    def _explain_http_error(self, method, api_path, error):
        detail = _error_reason(error)
        if error.code == 401:
            return ("The management API at %s refused the credentials of user '%s' (HTTP 401). "
                    "Check login_user and login_password." % (self.base_url, self.user))
        if error.code == 403:
            return ("User '%s' may not %s %s (HTTP 403): it needs the 'administrator' tag."
                    % (self.user, method, api_path))
        if error.code == 404:
            return "Not found: %s %s (HTTP 404)%s." % (method, api_path, detail)
        return "The management API answered %s %s with HTTP %s%s." % (
            method, api_path, error.code, detail)

    # --- resources shared by several modules -------------------------------------------------

    def overview(self):
        return self.get("overview")

    def version(self):
        """The broker's version as a tuple of ints, e.g. (3, 10, 8)."""
        return parse_version(self.overview().get("rabbitmq_version", "0"))

    def require_vhost(self, vhost):
        if self.get(path("vhosts", vhost), missing_ok=True) is None:
            raise ApiError("The virtual host '%s' does not exist: create it first (for example "
                           "with warren.rabbitmq.rabbitmq_vhost)." % vhost, status=404)


def _error_reason(error):
    try:
        body = json.loads(error.read() or b"{}")
    except (ValueError, AttributeError, OSError):
        return ""
    reason = body.get("reason") or body.get("error") if isinstance(body, dict) else None
    return ": %s" % reason if reason else ""


def parse_version(text):
    """'3.10.8' -> (3, 10, 8); a suffix such as '-rc.1' or '+2' is ignored."""
    match = re.match(r"\d+(?:\.\d+)*", str(text).strip())
    return tuple(int(p) for p in match.group(0).split(".")) if match else (0,)
