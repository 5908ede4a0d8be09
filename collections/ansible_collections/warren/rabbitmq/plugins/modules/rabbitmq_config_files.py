#!/usr/bin/python
# Copyright: warren maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_config_files
short_description: Write a node's configuration files in one pass
version_added: 0.1.0
description:
  - Writes a set of small files under one directory, creating the directories they need,
    with one owner. Each file is replaced atomically and only when its content, mode or
    owner differs.
  - One call replaces a C(template)/C(copy) task per file, which matters when a playbook
    re-runs on many nodes and most files are unchanged.
  - Secrets go in O(secret_files), whose content is never logged, returned or diffed.
  - Mode and owner are set only on what the module manages - O(directory) (unless
    O(manage_directory=false)), the directories below it and the files - and on parent
    directories it has to create, which get O(parents_mode) and the user running the module.
    A directory that existed already above O(directory) is never changed.
options:
  directory:
    description: Directory that holds the files; created when missing.
    type: path
    required: true
  manage_directory:
    description:
      - Whether O(directory) belongs to these files. When true it gets O(owner), O(group)
        and O(directory_mode); when false (a shared directory such as C(/etc/systemd/system))
        an existing one is left exactly as it is.
    type: bool
    default: true
  owner:
    description: Numeric user ID that owns the files and the managed directories.
    type: int
    required: true
  group:
    description: Numeric group ID of the files and the managed directories.
    type: int
    required: true
  directory_mode:
    description: Mode of the managed directories.
    type: str
    default: "0750"
  parents_mode:
    description: Mode of the parent directories of O(directory) that the module creates.
    type: str
    default: "0755"
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
      owner:
        description: Numeric user ID of this file, when not O(owner).
        type: int
      group:
        description: Numeric group ID of this file, when not O(group).
        type: int
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
      owner:
        description: Numeric user ID of this file, when not O(owner).
        type: int
      group:
        description: Numeric group ID of this file, when not O(group).
        type: int
extends_documentation_fragment:
  - warren.rabbitmq.attributes
attributes:
  check_mode:
    support: full
    details: Reports which files would change without writing them.
  diff_mode:
    support: full
    details: Each changed file before and after; a secret file only as changed.
author:
  - warren maintainers
"""

EXAMPLES = r"""
- name: Write the configuration and the Erlang cookie of a node
  warren.rabbitmq.rabbitmq_config_files:
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


def _missing_dirs(path):
    """The directories from the first missing ancestor of ``path`` down to ``path``."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return list(reversed(missing))


def _attributes_differ(path, mode, owner, group):
    st = os.stat(path)
    return (st.st_mode & 0o7777) != mode or st.st_uid != owner or st.st_gid != group


def _needs_write(full, content, mode, owner, group):
    try:
        with open(full, "rb") as f:
            old = f.read()
    except FileNotFoundError:
        return True, None
    return old != content or _attributes_differ(full, mode, owner, group), old


def _set_attributes(path, mode, owner, group):
    os.chown(path, owner, group)
    os.chmod(path, mode)


class _Directories:
    """Creates the directories the files need. Mode and owner are set on the managed ones
    only: O(directory) when it is the module's, and every directory below it. Missing parents
    above it are created with the parents' mode; existing ones are never touched."""

    def __init__(self, module, base, mode, owner, group, parents_mode, manage_base):
        self.module, self.base = module, base
        self.mode, self.owner, self.group = mode, owner, group
        self.parents_mode, self.manage_base = parents_mode, manage_base

    def _managed(self, path):
        return path.startswith(self.base + os.sep) or (path == self.base and self.manage_base)

    def ensure(self, path):
        """Create what is missing of ``path``; True when anything changed (or would)."""
        missing = _missing_dirs(path)
        if self.module.check_mode:
            return bool(missing) or (self._managed(path) and _attributes_differ(
                path, self.mode, self.owner, self.group))
        for directory in missing:
            os.mkdir(directory, 0o700)
            if self._managed(directory):
                _set_attributes(directory, self.mode, self.owner, self.group)
            else:
                os.chmod(directory, self.parents_mode)
        if self._managed(path) and _attributes_differ(path, self.mode, self.owner, self.group):
            _set_attributes(path, self.mode, self.owner, self.group)
            return True
        return bool(missing)


def _write(module, full, content, mode, owner, group):
    """Replace ``full`` atomically with a file that has its final mode and owner already."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(full), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.chown(tmp, owner, group)
        os.chmod(tmp, mode)
        module.atomic_move(tmp, full, keep_dest_attrs=False)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    # A file atomic_move had to create is given the umask's mode: set the wanted one again.
    if _attributes_differ(full, mode, owner, group):
        _set_attributes(full, mode, owner, group)


def run(module):
    p = module.params
    base, owner, group = os.path.normpath(p["directory"]), p["owner"], p["group"]
    directories = _Directories(module, base, int(p["directory_mode"], 8), owner, group,
                               int(p["parents_mode"], 8), p["manage_directory"])
    changed = directories.ensure(base)
    changed_files, before, after = [], {}, {}

    specs = [(spec, False) for spec in p["files"]] + [(spec, True) for spec in p["secret_files"]]
    for spec, secret in specs:
        rel = os.path.normpath(spec["path"])
        if rel.startswith("..") or os.path.isabs(rel):
            module.fail_json(msg="path '%s' must stay inside %s." % (spec["path"], base))
        full = os.path.join(base, rel)
        mode = int(spec["mode"], 8)
        file_owner = owner if spec["owner"] is None else spec["owner"]
        file_group = group if spec["group"] is None else spec["group"]
        content = to_bytes(spec["content"])
        if os.path.dirname(rel):
            changed |= directories.ensure(os.path.dirname(full))
        needed, old = _needs_write(full, content, mode, file_owner, file_group)
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
            _write(module, full, content, mode, file_owner, file_group)

    diff = [dict(before_header=os.path.join(base, rel), after_header=os.path.join(base, rel),
                 before=before[rel], after=after[rel]) for rel in changed_files]
    return dict(changed=changed or bool(changed_files), changed_files=changed_files, diff=diff)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directory=dict(type="path", required=True),
            manage_directory=dict(type="bool", default=True),
            owner=dict(type="int", required=True),
            group=dict(type="int", required=True),
            directory_mode=dict(type="str", default="0750"),
            parents_mode=dict(type="str", default="0755"),
            files=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="str", required=True),
                content=dict(type="str", required=True, no_log=False),
                mode=dict(type="str", default="0440"),
                owner=dict(type="int"),
                group=dict(type="int"),
            )),
            secret_files=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="str", required=True),
                content=dict(type="str", required=True, no_log=True),
                mode=dict(type="str", default="0400"),
                owner=dict(type="int"),
                group=dict(type="int"),
            )),
        ),
        supports_check_mode=True,
    )
    # Files are created private; each then gets exactly the mode it was given.
    os.umask(0o077)
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
