# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations


class ModuleDocFragment:
    # What the standard attributes mean; each module says its support and, where it helps,
    # the details.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
  diff_mode:
    description: Returns the state before and after (or what would change in check mode) when run with C(--diff).
"""

    # Modules of the action group that sets the management API's login options once.
    ACTIONGROUP_API = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/warren.rabbitmq.api) in C(module_defaults) to set the login options once.
    support: full
    membership:
      - warren.rabbitmq.api
"""
