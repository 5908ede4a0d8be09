"""Nothing warren does on the controller needs root: a run as an unprivileged user, with its
own copy of the scenario's SSH key, the inventory (its vault included) and the inventory's CA,
deploys the same production inventory and changes nothing."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from conftest import CA, INVENTORY
from testkit import PROJECT_DIR, recap_changed

USER = "nobody"
KEY = "/var/lib/warren-sim/ssh/id_ed25519"


def as_user(*command, **kwargs):
    return subprocess.run(["runuser", "-u", USER, "--", *command], **kwargs)


def test_a_run_as_an_unprivileged_user_succeeds_and_changes_nothing():
    home = Path(tempfile.mkdtemp(prefix="warren-unprivileged-", dir="/tmp"))
    os.chmod(home, 0o755)
    try:
        shutil.copytree(CA.parent, home / CA.parent.relative_to(Path.home()))
        shutil.copytree(INVENTORY, home / "inventory")
        shutil.copy(KEY, home / "id_ed25519")
        shutil.copy(INVENTORY.parent / "vault-password", home / "vault-password")
        project = PROJECT_DIR
        if as_user("test", "-x", str(PROJECT_DIR / ".venv/bin/python")).returncode != 0:
            # The checkout lies where the user may not go (e.g. under /root): run a copy of it.
            project = home / "project"
            shutil.copytree(PROJECT_DIR, project, symlinks=True,
                            ignore=shutil.ignore_patterns(".git", "build"))
        subprocess.run(["chown", "-R", f"{USER}:", str(home)], check=True)
        env = {"HOME": str(home), "PATH": f"{project}/.venv/bin:/usr/bin:/bin",
               "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
               "ANSIBLE_VAULT_PASSWORD_FILE": str(home / "vault-password")}
        result = as_user(
            "env", *(f"{k}={v}" for k, v in env.items()),
            # Through the interpreter: a copied venv's scripts still name the original path.
            str(project / ".venv/bin/python"), "-m", "ansible.cli.playbook",
            "-i", str(home / "inventory"), "site.yml",
            "-e", f"ansible_ssh_private_key_file={home / 'id_ed25519'}",
            cwd=project, capture_output=True, text=True, timeout=900)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert recap_changed(result.stdout) == 0, result.stdout[-4000:]
