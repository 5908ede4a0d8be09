# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  login_host:
    description: Host name or address of a node's management HTTP API.
    type: str
    default: localhost
  login_port:
    description: Port of the management HTTP API.
    type: int
    default: 15672
  login_protocol:
    description: Protocol of the management HTTP API.
    type: str
    choices: [http, https]
    default: http
  login_user:
    description: User to authenticate as; it needs the C(administrator) tag.
    type: str
    default: guest
  login_password:
    description: Password of O(login_user).
    type: str
    default: guest
  ca_cert:
    description: CA bundle that signs the API's certificate when O(login_protocol=https).
    type: path
    aliases: [cacert]
  validate_certs:
    description: Verify the API's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each API request.
    type: int
    default: 30
notes:
  - Needs only Python on the host that runs the module; requests go through
    C(ansible.module_utils.urls).
"""
