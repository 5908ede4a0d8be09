"""Publisher throughput: HTTP publishes with 1 and 8 concurrent clients (p50/p99 latency) and
the batch endpoint's messages/s, on a classic mirrored queue and on a quorum queue, next to a
baseline measured in the same run: one AMQP connection per message, as the tutorial's
publisher does. Every 200 counted is a persistent message RabbitMQ confirmed.

Also measured: the ceiling the broker sets when each client waits for the confirm of each
message (pika straight to a node, no HTTP), which bounds any HTTP publisher that answers
only after the confirm. And what TLS costs the publisher: the same 8 clients against a
publisher that reaches the nodes over AMQPS, next to one over plain AMQP, with the local
deployment redeployed with TLS on for that measurement (site.yml -e rabbitmq_tls=true) and
back without it afterwards. Needs the local deployment (make up). Runs the publisher image as
extra containers on the network rabbits with queues of their own, removes them and their
queues at the end. Prints figures; asserts nothing. Run: make bench-apps
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import pika

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_load import run_load  # noqa: E402
from testkit import (PROJECT_DIR, admin_credentials, amqp_parameters, ansible_playbook, api,  # noqa: E402
                     run, wait_until)
from testkit.plots import latency_chart, throughput_chart  # noqa: E402

# The tutorial's Go publisher on this machine's 3-node 3.10 cluster (measured, see the issue).
TUTORIAL = {1: 180, 8: 318}
SETUPS = [("classic mirrored", "classic", 18091), ("quorum", "quorum", 18092)]


def publisher_image() -> str:
    out = run("docker", "inspect", "--format", "{{.Config.Image}}", "publisher").stdout.strip()
    if not out:
        sys.exit("No publisher container: deploy first (make up).")
    return out


# The CA of the local inventory, once the deployment has TLS (roles/rabbitmq_tls).
LOCAL_CA = Path.home() / ".local/share/warren/local/tls/ca.pem"


def start_publisher(image, name, queue_type, port, tls=False):
    user, password = admin_credentials()
    run("docker", "rm", "-f", name, check=False)
    hosts = ",".join(f"rabbit-{i}:{5671 if tls else 5672}" for i in (1, 2, 3))
    tls_args = (["-v", f"{LOCAL_CA}:/ca.pem:ro", "-e", "RABBIT_TLS=true",
                 "-e", "RABBIT_TLS_CA_FILE=/ca.pem"] if tls else [])
    run("docker", "run", "-d", "--init", "--name", name, "--network", "rabbits",
        "-p", f"127.0.0.1:{port}:80", "-e", f"RABBIT_HOSTS={hosts}", *tls_args,
        "-e", f"RABBIT_USERNAME={user}", "-e", f"RABBIT_PASSWORD={password}",
        "-e", f"RABBIT_QUEUE={name}", "-e", f"RABBIT_QUEUE_TYPE={queue_type}",
        "-e", "LOG_LEVEL=WARNING", image)
    wait_until(lambda: run("curl", "-sf", f"http://127.0.0.1:{port}/readyz",
                           check=False).returncode == 0, timeout=60, what=f"{name} ready")


def remove(name):
    run("docker", "rm", "-f", name, check=False)
    api(f"queues/%2F/{name}", method="DELETE")


def purge(name):
    api(f"queues/%2F/{name}/contents", method="DELETE")


def baseline(clients: int, seconds: float) -> float:
    """One connection per message, no confirm: the tutorial's publisher, in Python."""
    params = amqp_parameters("rabbit-1")
    count = [0]
    deadline = time.monotonic() + seconds

    def worker():
        while time.monotonic() < deadline:
            connection = pika.BlockingConnection(params)
            channel = connection.channel()
            channel.queue_declare("bench-baseline", durable=True)
            channel.basic_publish("", "bench-baseline", b"hello",
                                  pika.BasicProperties(delivery_mode=2))
            connection.close()
            count[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    api("queues/%2F/bench-baseline", method="DELETE")
    return count[0] / seconds


def ceiling(queue: str, queue_type: str, clients: int, seconds: float) -> float:
    """What the broker itself allows when each client waits for the confirm of each persistent
    message before the next, as an HTTP request must: pika straight to a node, no HTTP."""
    params = amqp_parameters("rabbit-1")
    count = [0]
    deadline = time.monotonic() + seconds

    def worker():
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": queue_type})
        properties = pika.BasicProperties(delivery_mode=2)
        while time.monotonic() < deadline:
            channel.basic_publish("", queue, b"hello", properties)
            count[0] += 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    purge(queue)
    return count[0] / seconds


def deploy(*extra):
    result = ansible_playbook("site.yml", *extra, timeout=1800)
    if result.returncode != 0:
        sys.exit("site.yml %s failed:\n%s" % (" ".join(extra), result.stdout[-3000:]))


def tls_cost(image, seconds, clients=8):
    """req/s of two publishers on the same cluster and the same kind of queue, one reaching the
    nodes over AMQP, one over AMQPS, measured one after the other."""
    print(f"\nTLS: the local deployment gets TLS listeners beside the plain ones "
          f"(site.yml -e rabbitmq_tls=true) ...", flush=True)
    deploy("-e", "rabbitmq_tls=true")
    try:
        rates = {}
        for tls, port in ((False, 18093), (True, 18094)):
            name = "bench-tls" if tls else "bench-plain"
            start_publisher(image, name, "classic", port, tls=tls)
            try:
                r = run_load(port, "/publish/hello", clients, seconds)
                rates[tls] = r.statuses.get(200, 0) / seconds
                print(f"  {'AMQPS' if tls else 'AMQP '} publisher, {clients} clients: {rates[tls]:7.0f} req/s"
                      f"  p50 {r.percentile(0.5) * 1000:5.1f} ms  p99 {r.percentile(0.99) * 1000:6.1f} ms"
                      f"  statuses {r.statuses}", flush=True)
            finally:
                remove(name)
        print(f"  TLS keeps {rates[True] / rates[False]:.0%} of the plain publisher's rate")
    finally:
        print("  back to the deployment without TLS ...", flush=True)
        deploy()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-s", "--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--batch", type=int, default=1000, help="messages per batch request")
    parser.add_argument("--no-tls", action="store_true", help="skip the TLS cost (no redeploy)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "build" / "bench-apps.json",
                        help="figures as JSON; the charts go beside it")
    options = parser.parse_args()
    # req/s per number of clients for each line of the throughput chart; p50/p99 per measurement.
    throughput = {"tutorial's Go publisher": dict(TUTORIAL)}
    latency = {}
    seconds = options.seconds

    print(f"baseline, one connection per message ({seconds:.0f} s each):", flush=True)
    base = {n: baseline(n, seconds) for n in (1, 8)}
    throughput["one connection per message (Python)"] = base
    for n, rate in base.items():
        print(f"  {n} client(s): {rate:7.0f} msg/s   (the tutorial's Go publisher: {TUTORIAL[n]} req/s)")

    image = publisher_image()
    body = b"\n".join(b"bulk-%d" % i for i in range(options.batch))
    for label, queue_type, port in SETUPS:
        name = f"bench-{queue_type}"
        start_publisher(image, name, queue_type, port)
        try:
            print(f"\n{label} queue ({seconds:.0f} s each):", flush=True)
            for clients in (1, 8):
                top = ceiling(name, queue_type, clients, seconds)
                throughput.setdefault(f"broker ceiling, {label}", {})[clients] = top
                print(f"  broker ceiling, pika waiting for each confirm, {clients} client(s):"
                      f" {top:7.0f} msg/s", flush=True)
                r = run_load(port, "/publish/hello", clients, seconds)
                rate = r.statuses.get(200, 0) / seconds
                throughput.setdefault(f"publisher, {label}", {})[clients] = rate
                latency[f"{label}, {clients} client(s)"] = {
                    "p50": r.percentile(0.5) * 1000, "p99": r.percentile(0.99) * 1000}
                print(f"  POST /publish/:message, {clients} client(s): {rate:7.0f} req/s"
                      f"  p50 {r.percentile(0.5) * 1000:5.1f} ms  p99 {r.percentile(0.99) * 1000:6.1f} ms"
                      f"  x{rate / base[clients]:.1f} baseline, x{rate / TUTORIAL[clients]:.1f} tutorial,"
                      f" {rate / top:.0%} of the ceiling  statuses {r.statuses}", flush=True)
                purge(name)
            for clients in (1, 4):
                purge(name)
                r = run_load(port, "/publish", clients, seconds, body, per_request=options.batch)
                print(f"  POST /publish (batches of {options.batch}), {clients} client(s):"
                      f" {r.messages / seconds:7.0f} msg/s  statuses {r.statuses}", flush=True)
        finally:
            remove(name)
    if not options.no_tls:
        tls_cost(image, seconds)

    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps({"seconds": seconds, "throughput": throughput,
                                       "latency_ms": latency}, indent=2) + "\n")
    charts = [throughput_chart(throughput, options.out.with_name(options.out.stem + "-throughput.png")),
              latency_chart(latency, options.out.with_name(options.out.stem + "-latency.png"))]
    print("\nfigures written to", options.out, "and", ", ".join(str(c) for c in charts))


if __name__ == "__main__":
    main()
