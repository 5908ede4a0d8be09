"""A certificate is rotated by running site.yml with a new one: only that node restarts, onto
the new certificate, and the cluster stays whole."""

import json

from conftest import CA, INVENTORY, NODES, served_certificate
from testkit import PROJECT_DIR, ansible_playbook, run

ROTATED = "mq-2"


def started_at(node):
    return run("docker", "inspect", node, "--format", "{{.State.StartedAt}}").stdout.strip()


def test_a_renewed_certificate_restarts_its_node_only_and_is_served():
    before = served_certificate(NODES[ROTATED], 5671, ROTATED)
    started = {node: started_at(node) for node in NODES}
    # A generated certificate is renewed by deleting it (docs/production.md).
    (CA.parent / f"{ROTATED}.pem").unlink()
    result = ansible_playbook(
        "-i", str(INVENTORY), "site.yml", timeout=900,
        env={"ANSIBLE_VAULT_PASSWORD_FILE": str(PROJECT_DIR / "molecule/production/vault-password")})
    assert result.returncode == 0, result.stdout[-4000:]
    assert served_certificate(NODES[ROTATED], 5671, ROTATED) != before
    restarted = {node for node in NODES if started_at(node) != started[node]}
    assert restarted == {ROTATED}
    status = json.loads(run("docker", "exec", "mq-1", "rabbitmqctl", "--quiet", "cluster_status",
                            "--formatter", "json").stdout)
    assert sorted(status["running_nodes"]) == sorted(f"rabbit@{n}" for n in NODES)
