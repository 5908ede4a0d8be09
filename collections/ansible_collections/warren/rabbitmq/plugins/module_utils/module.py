# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What every module that talks to the management API shares: the login options, one client,
an ApiError turned into a failure that says what to change, and a diff only in diff mode."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import (
    LOGIN_ARGUMENT_SPEC, ApiError, RabbitMQClient)


class RabbitMQModule:
    """An AnsibleModule with the login options, and a client for the management API.

    ``run(work)`` calls ``work(self, self.client)``, which returns the result dict (with
    ``changed`` and, where it has one, ``diff``) or raises ApiError or one of ``errors``; either
    becomes ``fail_json`` with the error's text, prefixed by ``error_prefix``.
    """

    def __init__(self, argument_spec, supports_check_mode=True, **kwargs):
        spec = dict(argument_spec)
        spec.update(LOGIN_ARGUMENT_SPEC)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode,
                                    **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.client = RabbitMQClient.from_module(self.module)

    def run(self, work, errors=(), error_prefix=""):
        try:
            result = work(self, self.client)
        except ApiError as e:
            self.module.fail_json(msg=str(e), status=e.status)
        except errors as e:
            self.module.fail_json(msg=error_prefix + str(e))
        if not self.module._diff:
            result.pop("diff", None)
        self.module.exit_json(**result)
