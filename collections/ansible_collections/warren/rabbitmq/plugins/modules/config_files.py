#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: config_files
short_description: Write a node's configuration files in one pass
version_added: 0.1.0
description:
  - Writes a set of small files under one directory, creating the directories they need,
    with one owner. Each file is replaced atomically and only when its content, mode or
    owner differs.
  - One call replaces a C(template)/C(copy) task per file, which matters when a playbook
    re-runs on many nodes and most files are unchanged.
  - Secrets go in O(secret_files): their content is never logged, returned or diffed.
options:
  directory:
    description: Directory that holds the files; created when missing.
    type: path
    required: true
  owner:
    description: Numeric user ID that owns the directories and files.
    type: int
    required: true
  group:
    description: Numeric group ID of the directories and files.
    type: int
    required: true
  directory_mode:
    description: Mode of the directories.
    type: str
    default: "0750"
  files:
    description: The files to write.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Path relative to O(directory); may contain subdirectories.
        type: str
        required: true
      content:
        description: Content of the file.
        type: str
        required: true
      mode:
        description: Mode of the file.
        type: str
        default: "0440"
  secret_files:
    description: Files like O(files) whose content is secret (keys, cookies, passwords).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Path relative to O(directory).
        type: str
        required: true
      content:
        description: Content of the file; never logged.
        type: str
        required: true
      mode:
        description: Mode of the file.
        type: str
        default: "0400"
attributes:
  check_mode:
    support: full
    description: Reports which files would change without writing them.
  diff_mode:
    support: full
    description: Shows each changed file before and after; a secret file only as changed.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Write the configuration and the Erlang cookie of a node
  warren.rabbitmq.config_files:
    directory: /etc/warren/rabbit-1
    owner: 999
    group: 999
    files:
      - path: etc/rabbitmq.conf
        content: "{{ lookup('ansible.builtin.template', 'rabbitmq.conf.j2') }}"
      - path: etc/conf.d/10-cluster-peers.conf
        content: "{{ lookup('ansible.builtin.template', 'cluster-peers.conf.j2') }}"
    secret_files:
      - path: erlang.cookie
        content: "{{ vault_rabbitmq_erlang_cookie }}"
  register: node_files
"""

RETURN = r"""
changed_files:
  description: Paths (relative to O(directory)) whose content, mode or owner changed.
  returned: always
  type: list
  elements: str
  sample: [etc/rabbitmq.conf]
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes


def _needs_write(full, content, mode, owner, group):
    try:
        st = os.stat(full)
    except FileNotFoundError:
        return True, None
    with open(full, "rb") as f:
        old = f.read()
    return (old != content or (st.st_mode & 0o7777) != mode
            or st.st_uid != owner or st.st_gid != group), old


def _ensure_dir(module, path, mode, owner, group):
    changed = False
    if not os.path.isdir(path):
        _ensure_dir(module, os.path.dirname(path), mode, owner, group)
        if not module.check_mode:
            os.mkdir(path)
        changed = True
    if not module.check_mode:
        st = os.stat(path)
        if (st.st_mode & 0o7777) != mode or st.st_uid != owner or st.st_gid != group:
            os.chmod(path, mode)
            os.chown(path, owner, group)
            changed = True
    return changed


def _write(module, full, content, mode, owner, group):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(full), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.chmod(tmp, mode)
        os.chown(tmp, owner, group)
        os.replace(tmp, full)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(module):
    p = module.params
    base, owner, group = p["directory"], p["owner"], p["group"]
    dir_mode = int(p["directory_mode"], 8)
    changed = _ensure_dir(module, base, dir_mode, owner, group)
    changed_files, before, after = [], {}, {}

    specs = [(spec, False) for spec in p["files"]] + [(spec, True) for spec in p["secret_files"]]
    for spec, secret in specs:
        rel = os.path.normpath(spec["path"])
        if rel.startswith("..") or os.path.isabs(rel):
            module.fail_json(msg="path '%s' must stay inside %s." % (spec["path"], base))
        full = os.path.join(base, rel)
        mode = int(spec["mode"], 8)
        content = to_bytes(spec["content"])
        if os.path.dirname(rel):
            changed |= _ensure_dir(module, os.path.dirname(full), dir_mode, owner, group)
        needed, old = _needs_write(full, content, mode, owner, group)
        if not needed:
            continue
        changed_files.append(rel)
        if secret:
            before[rel] = "" if old is None else "(secret)\n"
            after[rel] = "(secret, changed)\n"
        else:
            before[rel] = "" if old is None else old.decode("utf-8", "replace")
            after[rel] = spec["content"]
        if not module.check_mode:
            _write(module, full, content, mode, owner, group)

    diff = [dict(before_header=os.path.join(base, rel), after_header=os.path.join(base, rel),
                 before=before[rel], after=after[rel]) for rel in changed_files]
    return dict(changed=changed or bool(changed_files), changed_files=changed_files, diff=diff)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directory=dict(type="path", required=True),
            owner=dict(type="int", required=True),
            group=dict(type="int", required=True),
            directory_mode=dict(type="str", default="0750"),
            files=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="str", required=True),
                content=dict(type="str", required=True, no_log=False),
                mode=dict(type="str", default="0440"),
            )),
            secret_files=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="str", required=True),
                content=dict(type="str", required=True, no_log=True),
                mode=dict(type="str", default="0400"),
            )),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
