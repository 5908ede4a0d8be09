"""Wall time of a cold `ansible-playbook site.yml` and of an idempotent re-run, next to the
floor: three `docker run` of the same image clustered by classic_config, waiting for
`await_online_nodes 3`, then one `set_policy`. All three are measured in this one run. With
--production, also the production inventory over SSH with TLS, on the simulated hosts of the
`production` scenario (made and removed by the benchmark).

Prints figures; asserts nothing (the machine is shared and noisy). The local deployment is
replaced by a fresh one, which stays running. Run: make bench-deploy
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testkit import PROJECT_DIR, run  # noqa: E402

IMAGE = "warren/rabbitmq:3.10"
BENCH_NETWORK = "warren-bench"
BENCH_NODES = ["bench-1", "bench-2", "bench-3"]
# The value roles/rabbitmq_node sets by default (rabbitmq_node_discovery_retry_limit).
DISCOVERY_RETRY_LIMIT = 2


SIMULATION = PROJECT_DIR / "molecule" / "production"


def playbook(*args: str, env: dict | None = None) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(["ansible-playbook", *args], cwd=PROJECT_DIR, capture_output=True,
                            text=True, env=dict(os.environ, **(env or {})))
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"ansible-playbook {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr}")
    return elapsed, result.stdout


def changed_total(recap: str) -> int:
    return sum(int(n) for n in re.findall(r"changed=(\d+)", recap))


def remove_baseline():
    run("docker", "rm", "-f", *BENCH_NODES, check=False)
    run("docker", "volume", "rm", *(f"{n}-data" for n in BENCH_NODES), check=False)
    run("docker", "network", "rm", BENCH_NETWORK, check=False)


def baseline(discovery_retry_limit: int | None = None) -> float:
    """The hand-made floor: docker run x3 with classic_config, then set_policy.

    With RabbitMQ's defaults, or with the discovery retry limit that site.yml sets, so the
    figures show what that setting alone is worth."""
    remove_baseline()
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp, "etc")
        conf.mkdir()
        (conf / "rabbitmq.conf").write_text(
            "cluster_formation.peer_discovery_backend = classic_config\n"
            + "".join(f"cluster_formation.classic_config.nodes.{i} = rabbit@{n}\n"
                      for i, n in enumerate(BENCH_NODES, 1))
            + "log.console = true\nlog.file = false\n"
            + (f"cluster_formation.discovery_retry_limit = {discovery_retry_limit}\n"
               if discovery_retry_limit is not None else ""))
        (conf / "enabled_plugins").write_text(
            "[rabbitmq_management,rabbitmq_federation,rabbitmq_prometheus].\n")
        cookie = Path(tmp, "cookie")
        cookie.write_text("BENCHMARKCOOKIEBENCHMARKCOOKIE")
        for path in (conf, conf / "rabbitmq.conf", conf / "enabled_plugins", cookie):
            subprocess.run(["chown", "999:999", str(path)], check=True)
        cookie.chmod(0o400)
        Path(tmp).chmod(0o755)

        started = time.monotonic()
        run("docker", "network", "create", BENCH_NETWORK)
        for node in BENCH_NODES:
            run("docker", "run", "-d", "--name", node, "--hostname", node, "--network",
                BENCH_NETWORK, "-v", f"{node}-data:/var/lib/rabbitmq",
                "-v", f"{conf}:/etc/rabbitmq:ro",
                "-v", f"{cookie}:/var/lib/rabbitmq/.erlang.cookie:ro", IMAGE)
        while run("docker", "exec", BENCH_NODES[0], "rabbitmqctl", "--quiet", "await_online_nodes",
                  "3", "--timeout", "120", check=False).returncode != 0:
            time.sleep(0.2)
        run("docker", "exec", BENCH_NODES[0], "rabbitmqctl", "--quiet", "set_policy", "ha-fed",
            ".*", '{"ha-mode":"all","ha-sync-mode":"automatic"}', "--apply-to", "queues")
        elapsed = time.monotonic() - started
    remove_baseline()
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-i", "--inventory", default="inventories/local")
    parser.add_argument("-n", "--rounds", type=int, default=3,
                        help="rounds of floor, cold run and re-run; medians are reported")
    parser.add_argument("--production", action="store_true",
                        help="also the production inventory on the simulated hosts")
    options = parser.parse_args()
    inventory = ["-i", options.inventory]
    # The floor is a bare cluster, so the comparison leaves the apps out; the whole site.yml
    # (apps included) is measured once more at the end.
    cluster_only = ["--limit", "all:!apps"]

    print("preparing: images present ...", flush=True)
    playbook(*inventory, "playbooks/images.yml")
    rows = []
    for n in range(1, options.rounds + 1):
        playbook(*inventory, "playbooks/destroy.yml", "-e", "purge=true",
                 "-e", "warren_purge_confirmed=true")
        floor = baseline()
        tuned = baseline(DISCOVERY_RETRY_LIMIT)
        cold, _ = playbook(*inventory, "site.yml", *cluster_only)
        warm, recap = playbook(*inventory, "site.yml", *cluster_only)
        changed = changed_total(recap.split("PLAY RECAP", 1)[-1])
        rows.append((floor, tuned, cold, warm, changed))
        print(f"round {n}: floor {floor:5.1f} s   tuned floor {tuned:5.1f} s   cold site.yml {cold:5.1f} s"
              f" ({cold / floor:.2f}x)   re-run {warm:5.1f} s changed={changed}", flush=True)

    floor, tuned, cold, warm = (statistics.median(r[i] for r in rows) for i in range(4))
    ratio = statistics.median(r[2] / r[0] for r in rows)
    tuned_ratio = statistics.median(r[2] / r[1] for r in rows)
    print()
    print("floor = docker run x3 + await_online_nodes 3 + set_policy (same image and plugins)")
    print(f"tuned floor = the same with cluster_formation.discovery_retry_limit = {DISCOVERY_RETRY_LIMIT},"
          " as site.yml sets it")
    print("site.yml of the cluster (--limit 'all:!apps'):")
    print(f"  median floor {floor:5.1f} s | tuned floor {tuned:5.1f} s | cold site.yml {cold:5.1f} s"
          f" | re-run {warm:5.1f} s")
    print(f"  cold / floor = {ratio:.2f}  (target <= 1.50);  cold / tuned floor = {tuned_ratio:.2f}")
    print(f"  re-run = {warm:.1f} s, changed={max(r[4] for r in rows)} at most  (target <= 10 s, changed=0)")

    with_apps_cold, _ = playbook(*inventory, "site.yml")
    with_apps_warm, recap = playbook(*inventory, "site.yml")
    print("site.yml with the apps (app host, publisher, consumer):")
    print(f"  first run after the cluster {with_apps_cold:5.1f} s | re-run {with_apps_warm:5.1f} s"
          f" changed={changed_total(recap.split('PLAY RECAP', 1)[-1])}")
    if options.production:
        production(with_apps_cold, with_apps_warm)


def production(local_cold: float, local_warm: float):
    """inventories/production's shape over SSH with TLS, on four simulated hosts: a cold
    site.yml (the hosts fresh: Python libraries installed, CA and certificates made, nodes,
    cluster, users, policies, apps) and a re-run."""
    inventory = ["-i", str(SIMULATION / "inventory")]
    env = {"ANSIBLE_VAULT_PASSWORD_FILE": str(SIMULATION / "vault-password")}
    print("\nproduction (simulated hosts, SSH, TLS everywhere, apps included):", flush=True)
    playbook(*inventory, str(SIMULATION / "destroy.yml"), env=env)
    playbook(*inventory, str(SIMULATION / "create.yml"), env=env)
    try:
        cold, _ = playbook(*inventory, "site.yml", env=env)
        warm, recap = playbook(*inventory, "site.yml", env=env)
    finally:
        playbook(*inventory, str(SIMULATION / "destroy.yml"), env=env)
    print(f"  cold site.yml {cold:5.1f} s | re-run {warm:5.1f} s"
          f" changed={changed_total(recap.split('PLAY RECAP', 1)[-1])}"
          f"   (local, apps included: first run {local_cold:5.1f} s | re-run {local_warm:5.1f} s)")


if __name__ == "__main__":
    main()
