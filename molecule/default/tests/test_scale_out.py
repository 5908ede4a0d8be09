"""Growing the cluster: rabbit-4 added to the inventory joins on the next run of site.yml,
without restarting the running nodes; removed again, it is forgotten when asked."""

import shutil

import pytest
from testkit import PROJECT_DIR, ansible_playbook, cluster_info, nodename, recap_changed, run

FOUR = sorted(nodename(f"rabbit-{i}") for i in range(1, 5))
THREE = FOUR[:3]


@pytest.fixture
def inventory_with_rabbit_4(tmp_path):
    inventory = tmp_path / "local"
    shutil.copytree(PROJECT_DIR / "inventories" / "local", inventory)
    hosts = inventory / "hosts.yml"
    hosts.write_text(hosts.read_text().replace(
        "        rabbit-3:\n          rabbitmq_port_offset: 2\n",
        "        rabbit-3:\n          rabbitmq_port_offset: 2\n"
        "        rabbit-4:\n          rabbitmq_port_offset: 3\n"))
    yield str(inventory)
    ansible_playbook("-i", str(inventory), "playbooks/destroy.yml", "-l", "rabbit-4",
                     "-e", "purge=true", "-e", "warren_purge_confirmed=true")


def started_at(node):
    return run("docker", "inspect", node, "--format", "{{.State.StartedAt}}").stdout.strip()


def test_rabbit_4_joins_and_is_forgotten_when_removed(inventory_with_rabbit_4):
    before = {n: started_at(n) for n in ("rabbit-1", "rabbit-2", "rabbit-3")}

    grow = ansible_playbook("-i", inventory_with_rabbit_4, "site.yml",
                            "-e", "rabbitmq_node_allow_unsafe_cluster_size=true")
    assert grow.returncode == 0, grow.stdout[-3000:]
    info = cluster_info()
    assert sorted(n["name"] for n in info["nodes"]) == FOUR
    assert sorted(info["running_nodes"]) == FOUR
    assert {n: started_at(n) for n in before} == before, "running nodes were restarted"

    again = ansible_playbook("-i", inventory_with_rabbit_4, "site.yml",
                             "-e", "rabbitmq_node_allow_unsafe_cluster_size=true")
    assert again.returncode == 0 and recap_changed(again.stdout) == 0

    removed = ansible_playbook("-i", inventory_with_rabbit_4, "playbooks/destroy.yml",
                               "-l", "rabbit-4", "-e", "purge=true", "-e", "warren_purge_confirmed=true")
    assert removed.returncode == 0
    report = ansible_playbook("site.yml")
    assert "not in the inventory" in report.stdout and "rabbit@rabbit-4" in report.stdout
    forget = ansible_playbook("site.yml", "-e", "rabbitmq_cluster_forget_departed=true")
    assert forget.returncode == 0, forget.stdout[-3000:]
    assert sorted(n["name"] for n in cluster_info()["nodes"]) == THREE
