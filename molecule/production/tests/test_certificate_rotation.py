"""A certificate is rotated by running site.yml with a new one: only that node restarts, onto
the new certificate, and the cluster stays whole. The new private key is never shown, not
even by --diff."""

import json

from conftest import CA, INVENTORY, NODES, served_certificate
from testkit import PROJECT_DIR, ansible_playbook, run

ROTATED = "mq-2"


def started_at(node):
    return run("docker", "inspect", node, "--format", "{{.State.StartedAt}}").stdout.strip()


def test_a_new_key_and_certificate_restart_their_node_only_and_are_served():
    before = served_certificate(NODES[ROTATED], 5671, ROTATED)
    started = {node: started_at(node) for node in NODES}
    # A generated key and certificate are renewed by deleting them (docs/production.md).
    for suffix in ("key", "pem"):
        (CA.parent / f"{ROTATED}.{suffix}").unlink()
    result = ansible_playbook(
        "-i", str(INVENTORY), "site.yml", "--diff", timeout=900,
        env={"ANSIBLE_VAULT_PASSWORD_FILE": str(PROJECT_DIR / "molecule/production/vault-password")})
    assert result.returncode == 0, result.stdout[-4000:]
    key = (CA.parent / f"{ROTATED}.key").read_text()
    key_body = "".join(key.strip().splitlines()[1:-1])
    assert "PRIVATE KEY" not in result.stdout and key_body[:40] not in result.stdout
    assert served_certificate(NODES[ROTATED], 5671, ROTATED) != before
    restarted = {node for node in NODES if started_at(node) != started[node]}
    assert restarted == {ROTATED}
    status = json.loads(run("docker", "exec", "mq-1", "rabbitmqctl", "--quiet", "cluster_status",
                            "--formatter", "json").stdout)
    assert sorted(status["running_nodes"]) == sorted(f"rabbit@{n}" for n in NODES)
