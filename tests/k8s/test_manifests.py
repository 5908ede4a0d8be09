"""The Kubernetes manifests of playbooks/k8s.yml: valid for two Kubernetes releases (strict
schemas), and with the properties that matter. Rendered for real, no cluster needed."""

import base64
import json
import shutil
import stat
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from testkit import PROJECT_DIR, SECRETS_DIR, ansible_playbook

KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]


def render(directory: Path, *extra):
    result = ansible_playbook("playbooks/k8s.yml", "-v", "-e", f"k8s_manifest_dir={directory}", *extra)
    return result


def load(directory: Path):
    documents = {}
    for path in sorted(directory.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                documents[(doc["kind"], doc["metadata"]["name"])] = (path, doc)
    return documents


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    directory = tmp_path_factory.mktemp("k8s")
    result = render(directory)
    assert result.returncode == 0, result.stdout[-3000:]
    return directory, result.stdout, load(directory)


def doc(rendered, kind, name):
    return rendered[2][(kind, name)][1]


def rabbitmq_conf(rendered):
    return dict(line.split(" = ", 1) for line in
                doc(rendered, "ConfigMap", "rabbitmq-config")["data"]["rabbitmq.conf"].splitlines()
                if " = " in line and not line.startswith("#"))


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_in_strict_mode(rendered, version):
    kinds = set()
    for (kind, name), (path, document) in rendered[2].items():
        kubernetes_validate.validate(document, version, strict=True)
        kinds.add(kind)
    assert {"Namespace", "ServiceAccount", "Role", "RoleBinding", "Secret", "ConfigMap", "Service",
            "StatefulSet", "PodDisruptionBudget", "Deployment"} <= kinds


def test_peer_discovery_through_kubernetes(rendered):
    conf = rabbitmq_conf(rendered)
    assert conf["cluster_formation.peer_discovery_backend"] == "rabbit_peer_discovery_k8s"
    assert conf["cluster_formation.k8s.service_name"] == "rabbitmq-nodes"
    assert conf["cluster_formation.k8s.hostname_suffix"] == ".rabbitmq-nodes.warren.svc.cluster.local"
    assert conf["cluster_partition_handling"] == "pause_minority"
    assert "vm_memory_high_watermark.relative" in conf and "disk_free_limit.absolute" in conf
    plugins = doc(rendered, "ConfigMap", "rabbitmq-config")["data"]["enabled_plugins"]
    assert "rabbitmq_peer_discovery_k8s" in plugins
    headless = doc(rendered, "Service", "rabbitmq-nodes")["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
    rules = doc(rendered, "Role", "rabbitmq-peer-discovery")["rules"]
    assert {"resources": ["endpoints"], "verbs": ["get"], "apiGroups": [""]} in rules
    statefulset = doc(rendered, "StatefulSet", "rabbitmq")["spec"]
    assert statefulset["serviceName"] == "rabbitmq-nodes"
    assert statefulset["template"]["spec"]["serviceAccountName"] == "rabbitmq"


def test_pods_spread_over_nodes_and_disruptions_take_one_at_a_time(rendered):
    spec = doc(rendered, "StatefulSet", "rabbitmq")["spec"]
    anti = spec["template"]["spec"]["affinity"]["podAntiAffinity"]
    term = anti["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    pdb = doc(rendered, "PodDisruptionBudget", "rabbitmq")["spec"]
    assert pdb["maxUnavailable"] == 1
    assert pdb["selector"]["matchLabels"] == spec["selector"]["matchLabels"]


def test_probes_resources_storage_and_drain(rendered):
    spec = doc(rendered, "StatefulSet", "rabbitmq")["spec"]
    container = spec["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["tcpSocket"]["port"] == "amqp"
    assert {"name": "amqp", "containerPort": 5672} in container["ports"]
    assert container["startupProbe"]["tcpSocket"]["port"] == "amqp"
    assert "livenessProbe" not in container
    assert container["resources"]["limits"]["memory"] and container["resources"]["requests"]["cpu"]
    drain = " ".join(container["lifecycle"]["preStop"]["exec"]["command"])
    assert "await_online_quorum_plus_one" in drain and "drain" in drain
    claim = spec["volumeClaimTemplates"][0]["spec"]
    assert claim["resources"]["requests"]["storage"] == "10Gi"
    assert spec["replicas"] == 3


def test_users_and_policies_come_from_definitions_imported_at_boot(rendered):
    assert rabbitmq_conf(rendered)["load_definitions"] == "/etc/rabbitmq/definitions.json"
    secret = doc(rendered, "Secret", "rabbitmq-secrets")
    assert {"erlang-cookie", "admin-password", "publisher-password", "consumer-password",
            "definitions.json"} <= set(secret["data"])


def test_apps_know_every_node_and_read_their_password_from_a_mounted_secret(rendered):
    for name in ("publisher", "consumer"):
        pod = doc(rendered, "Deployment", name)["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["image"].startswith(f"warren/{name}:") and len(container["image"]) > 20
        env = {e["name"]: e for e in container["env"]}
        assert env["RABBIT_HOSTS"]["value"].count("rabbitmq-nodes.warren.svc.cluster.local") == 3
        # Only a path in the environment, which kubectl describe shows; the password is a file.
        assert "RABBIT_PASSWORD" not in env
        mount = container["volumeMounts"][0]
        assert env["RABBIT_PASSWORD_FILE"]["value"] == mount["mountPath"] + "/password"
        assert mount["readOnly"] is True
        volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
        assert volume["secret"]["secretName"] == "rabbitmq-secrets"
        assert volume["secret"]["items"] == [{"key": f"{name}-password", "path": "password",
                                              "mode": 0o400}]
    assert doc(rendered, "Service", "publisher")["spec"]["ports"][0]["port"] == 80


def test_no_secret_value_outside_the_secret(rendered):
    directory, output, documents = rendered
    secrets = [(SECRETS_DIR / f).read_text().strip() for f in
               ("erlang_cookie", "admin_password", "publisher_password", "consumer_password")]
    for (kind, name), (path, _) in documents.items():
        if kind == "Secret":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            continue
        text = path.read_text()
        for value in secrets:
            assert value not in text, f"a secret appears in {path.name}"
    for value in secrets:
        assert value not in output, "a secret appears in the playbook's output"


def test_a_second_render_changes_nothing(rendered):
    result = render(rendered[0])
    assert result.returncode == 0 and "changed=0" in result.stdout


def test_even_replicas_are_refused_unless_allowed(tmp_path):
    refused = render(tmp_path / "even", "-e", "rabbitmq_k8s_replicas=4")
    assert refused.returncode != 0 and "rabbitmq_k8s_allow_unsafe_replicas=true" in refused.stdout
    allowed = render(tmp_path / "even", "-e", "rabbitmq_k8s_replicas=4",
                     "-e", "rabbitmq_k8s_allow_unsafe_replicas=true")
    assert allowed.returncode == 0
    assert doc((None, None, load(tmp_path / "even")), "StatefulSet", "rabbitmq")["spec"]["replicas"] == 4


def test_storage_class_anti_affinity_and_4x_settings_follow_the_variables(tmp_path):
    result = render(tmp_path, "-e", "rabbitmq_k8s_storage_class=fast-ssd",
                    "-e", "rabbitmq_k8s_anti_affinity=preferred", "-e", "rabbitmq_series=4.3")
    assert result.returncode == 0, result.stdout[-2000:]
    documents = (None, None, load(tmp_path))
    spec = doc(documents, "StatefulSet", "rabbitmq")["spec"]
    assert spec["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "fast-ssd"
    assert "preferredDuringSchedulingIgnoredDuringExecution" in \
        spec["template"]["spec"]["affinity"]["podAntiAffinity"]
    assert rabbitmq_conf(documents)["default_queue_type"] == "quorum"
    # 4.3 has no Mnesia, so no partition handling to configure.
    assert "cluster_partition_handling" not in rabbitmq_conf(documents)
    drain = " ".join(spec["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["exec"]["command"])
    assert "await_online_synchronized_mirror" not in drain
    # A message given up on after 20 deliveries is dead-lettered, not dropped.
    definitions = json.loads(base64.b64decode(
        doc(documents, "Secret", "rabbitmq-secrets")["data"]["definitions.json"]))
    [policy] = definitions["policies"]
    assert policy["definition"]["dead-letter-routing-key"] == "publisher.dead"
    assert policy["definition"]["dead-letter-strategy"] == "at-least-once"
    assert [q["name"] for q in definitions["queues"]] == ["publisher.dead"]
    for version in KUBERNETES_VERSIONS:
        for _, document in documents[2].values():
            kubernetes_validate.validate(document, version, strict=True)


def test_the_controller_works_as_the_invoking_user_with_a_production_inventory(tmp_path):
    """The production inventory makes every remote task become root; the controller's own
    work (checks, rendering) must not try to: this machine has no sudo to become with."""
    inventory = tmp_path / "production"
    shutil.copytree(PROJECT_DIR / "inventories" / "production", inventory)
    vault = inventory / "group_vars" / "all" / "vault.yml"
    vault.write_text(vault.read_text().replace("CHANGE_ME", "A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6"))
    out = tmp_path / "manifests"
    result = ansible_playbook("-i", str(inventory), "playbooks/k8s.yml", "-e", f"k8s_manifest_dir={out}",
                              "-e", "warren_allow_plaintext_vault=true",
                              "-e", "ansible_become_exe=/nonexistent/sudo")
    assert result.returncode == 0, result.stdout[-3000:]
    assert (out / "06-statefulset.yaml").is_file()
