"""On a real Kubernetes cluster (KUBECONFIG): the StatefulSet's pods form one RabbitMQ cluster
and the apps publish and consume through it."""

import json
import os

import pytest

NAMESPACE = os.environ.get("WARREN_K8S_NAMESPACE", "warren")

pytestmark = pytest.mark.skipif(
    not os.environ.get("KUBECONFIG"),
    reason="no Kubernetes API server: set KUBECONFIG to a cluster to apply the manifests and "
           "check them there (the manifests were rendered and are validated by tests/k8s)")


@pytest.fixture(scope="module")
def core():
    from kubernetes import client, config
    config.load_kube_config()
    return client.CoreV1Api()


def run_in(core, pod, *command):
    from kubernetes.stream import stream
    return stream(core.connect_get_namespaced_pod_exec, pod, NAMESPACE, command=list(command),
                  container="rabbitmq", stderr=True, stdin=False, stdout=True, tty=False)


def test_every_rabbitmq_pod_is_ready(core):
    from kubernetes import client
    statefulset = client.AppsV1Api().read_namespaced_stateful_set("rabbitmq", NAMESPACE)
    assert statefulset.status.ready_replicas == statefulset.spec.replicas


def test_the_pods_form_one_cluster(core):
    from kubernetes import client
    replicas = client.AppsV1Api().read_namespaced_stateful_set("rabbitmq", NAMESPACE).spec.replicas
    status = json.loads(run_in(core, "rabbitmq-0", "rabbitmqctl", "--quiet", "cluster_status",
                               "--formatter", "json"))
    # As many nodes as the StatefulSet has replicas (rabbitmq_k8s_replicas), all running.
    assert len(status["running_nodes"]) == replicas and not status["partitions"]


def test_guest_is_absent_and_the_app_users_exist(core):
    users = json.loads(run_in(core, "rabbitmq-0", "rabbitmqctl", "--quiet", "list_users",
                              "--formatter", "json"))
    names = {u["user"] for u in users}
    assert "guest" not in names and {"admin", "publisher", "consumer"} <= names


def test_the_apps_are_available(core):
    from kubernetes import client
    for name in ("publisher", "consumer"):
        deployment = client.AppsV1Api().read_namespaced_deployment(name, NAMESPACE)
        assert deployment.status.available_replicas == deployment.spec.replicas
