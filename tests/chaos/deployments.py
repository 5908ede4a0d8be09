"""The deployed configurations the chaos driver runs against, one per queue type.

classic: the local deployment as site.yml makes it on 3.x - queue `publisher`, mirrored by
the deployed ha-fed policy. quorum: the same deployment with the apps' queue a quorum queue
(-e messaging_apps_queue_type=quorum, on a queue of its own), as a user would configure it.
"""

from __future__ import annotations

from testkit import ansible_playbook, api

SETTINGS = {
    "classic": {"queue": "publisher", "extra_vars": []},
    "quorum": {"queue": "chaos-quorum",
               "extra_vars": ["-e", "rabbitmq_app_queue=chaos-quorum",
                              "-e", "messaging_apps_queue_type=quorum"]},
}


def deploy(queue_type: str) -> str:
    """Deploy the apps for ``queue_type`` with site.yml; returns the apps' queue."""
    result = ansible_playbook("site.yml", *SETTINGS[queue_type]["extra_vars"], timeout=900)
    if result.returncode != 0:
        raise RuntimeError("site.yml failed for the %s deployment:\n%s"
                           % (queue_type, result.stdout[-3000:]))
    return SETTINGS[queue_type]["queue"]


def undeploy(queue_type: str):
    """Back to the default deployment; the queue of a variant is deleted."""
    if queue_type != "classic":
        deploy("classic")
        api("queues/%2F/" + SETTINGS[queue_type]["queue"], method="DELETE")
