"""What RabbitMQ 4.3 changed for a deployment: the image built from Debian's testing suite with
its exact version recorded, Khepri without Mnesia's partition handling, every stable feature
flag enabled (the next upgrade needs them), and classic queue v1 settings refused."""

import json

import pytest
from testkit import (NODES, admin_credentials, ansible, ansible_playbook, api, cluster_info,
                     docker_exec, lone_node, rabbitmqctl_json, run)


def test_the_image_records_the_exact_version_it_was_built_with():
    [config] = json.loads(run("docker", "image", "inspect", "warren/rabbitmq:4.3").stdout)
    version = config["Config"]["Labels"]["org.warren.rabbitmq-version"]
    assert version.startswith("4.3.")
    assert f"RABBITMQ_VERSION={version}" in config["Config"]["Env"]
    assert cluster_info()["version"] == version
    [tagged] = json.loads(run("docker", "image", "inspect", f"warren/rabbitmq:{version}").stdout)
    assert tagged["Id"] == config["Id"]


def test_metadata_lives_in_khepri_and_no_partition_handling_is_written():
    for node in NODES:
        flags = {f["name"]: f["state"] for f in rabbitmqctl_json(node, "list_feature_flags")}
        assert flags["khepri_db"] == "enabled"
        config = docker_exec(node, "cat", "/etc/rabbitmq/rabbitmq.conf").stdout
        assert "cluster_name = warren" in config
        assert "cluster_partition_handling" not in config


def test_every_stable_feature_flag_is_enabled_and_no_deprecated_feature_is_used():
    _, flags = api("feature-flags")
    assert [f["name"] for f in flags if f["stability"] in ("stable", "required")
            and f["state"] != "enabled"] == []
    result = docker_exec("rabbit-1", "rabbitmq-diagnostics", "--quiet",
                         "check_if_any_deprecated_features_are_used", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def node_with_flags_left_disabled():
    """A lone 4.3 node that enabled only the required flags when it was created, as a cluster
    does after a patch release brings new ones."""
    _, flags = api("feature-flags")
    required = ",".join(f["name"] for f in flags if f["stability"] == "required")
    name, port = "warren-flags-probe", 25990
    with lone_node(name, "warren/rabbitmq:4.3", port, env={"RABBITMQ_FEATURE_FLAGS": required}):
        yield name, port


def _disabled(name):
    return sorted(f["name"] for f in rabbitmqctl_json(name, "list_feature_flags")
                  if f["state"] != "enabled")


def test_the_feature_flag_module_enables_what_was_left_disabled(node_with_flags_left_disabled):
    name, port = node_with_flags_left_disabled
    disabled = _disabled(name)
    assert disabled, "the probe node should start with stable flags disabled"
    user, password = admin_credentials()
    args = f"login_port={port} login_user={user} login_password={password}"

    def module(*extra):
        return ansible("ansible", "localhost", "-m", "warren.rabbitmq.rabbitmq_feature_flags",
                       "-a", args, *extra, check=False)

    planned = module("--check")
    assert planned.returncode == 0 and "CHANGED" in planned.stdout
    assert _disabled(name) == disabled
    applied = module("--diff")
    assert applied.returncode == 0 and "CHANGED" in applied.stdout, applied.stdout
    assert password not in applied.stdout
    assert _disabled(name) == []
    again = module()
    assert again.returncode == 0 and "CHANGED" not in again.stdout


def test_a_classic_queue_v1_policy_is_refused_with_a_clear_message_and_nothing_changes():
    _, before = api("policies")
    policy = {"policy": {"name": "lazy", "pattern": "^lazy\\.", "definition": {"queue-mode": "lazy"}}}
    result = ansible_playbook("playbooks/set_policy.yml", "-e", json.dumps(policy))
    assert result.returncode != 0
    output = " ".join(result.stdout.split())
    assert "removed the first classic queue storage" in output and "Remove queue-mode" in output
    assert api("policies")[1] == before

