#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_feature_flags
short_description: Enable RabbitMQ feature flags through the management API
version_added: 0.3.0
description:
  - Enables the named feature flags of a cluster, by default every stable one. RabbitMQ asks
    for all stable flags to be enabled once every node runs the new version after an upgrade,
    and refuses the next upgrade otherwise (4.3, for instance, needs every flag of 4.2).
  - A flag cannot be disabled again, so there is no C(state).
  - Experimental flags are never enabled by C(all), and refused by name.
options:
  names:
    description:
      - The flags that must be enabled. C(all) stands for every stable flag the cluster knows.
    type: list
    elements: str
    default: [all]
extends_documentation_fragment:
  - warren.rabbitmq.login
  - warren.rabbitmq.attributes
  - warren.rabbitmq.attributes.actiongroup_api
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The states of the flags the task enables, before and after.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Enable every stable feature flag after the last node of an upgrade restarted
  warren.rabbitmq.rabbitmq_feature_flags:
    login_user: admin
    login_password: "{{ vault_rabbitmq_admin_password }}"
"""

RETURN = r"""
enabled:
  description: The flags this task enabled (or would enable, in check mode).
  returned: always
  type: list
  elements: str
  sample: [rabbitmq_4.3.0]
feature_flags:
  description: Every flag of the cluster and its state after the task.
  returned: always
  type: dict
  sample: {"khepri_db": "enabled", "rabbitmq_4.3.0": "enabled"}
"""

from ansible_collections.warren.rabbitmq.plugins.module_utils.api import path
from ansible_collections.warren.rabbitmq.plugins.module_utils.module import RabbitMQModule


def _wanted(names, flags):
    """The names of the flags to enable; ValueError names the input to change."""
    by_name = {f["name"]: f for f in flags}
    wanted = []
    for name in names:
        if name == "all":
            wanted += [f["name"] for f in flags if f.get("stability") in ("stable", "required")]
        elif name not in by_name:
            raise ValueError("names: the cluster has no feature flag '%s'; it has %s."
                             % (name, ", ".join(sorted(by_name))))
        elif by_name[name].get("stability") == "experimental":
            raise ValueError("names: the feature flag '%s' is experimental; warren enables stable "
                             "flags only. Remove it from names." % name)
        else:
            wanted.append(name)
    unavailable = [n for n in wanted if by_name[n]["state"] == "unavailable"]
    if unavailable:
        raise ValueError("The feature flags %s are unavailable: a node of the cluster does not "
                         "know them, which happens while nodes run different versions. Upgrade "
                         "every node first; nothing was enabled." % ", ".join(unavailable))
    return [n for n in dict.fromkeys(wanted) if by_name[n]["state"] != "enabled"]


def run(module, client):
    flags = client.get("feature-flags")
    to_enable = _wanted(module.params["names"], flags)
    before = {f["name"]: f["state"] for f in flags}
    if to_enable and not module.check_mode:
        for name in to_enable:
            client.put(path("feature-flags", name, "enable"), {"name": name})
        after = {f["name"]: f["state"] for f in client.get("feature-flags")}
    else:
        after = dict(before, **{name: "enabled" for name in to_enable})
    return dict(changed=bool(to_enable), enabled=to_enable, feature_flags=after,
                diff=dict(before={n: before[n] for n in to_enable},
                          after={n: after[n] for n in to_enable}))


def main():
    RabbitMQModule(dict(
        names=dict(type="list", elements="str", default=["all"]),
    )).run(run, errors=(ValueError,))


if __name__ == "__main__":
    main()
