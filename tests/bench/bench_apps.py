"""Publisher throughput against a reference measured in the same run: the deployed publisher
with 1, 8 and 32 concurrent HTTP clients (keep-alive, and a new connection per request), each
request a persistent 256-byte message answered once RabbitMQ confirmed it, next to a compiled
client (Go, amqp091-go, tests/bench/reference/main.go, built here from Debian's packages)
publishing the same messages with as many confirms in flight; and the batch endpoint (one
request of 500 messages) next to the reference with 500 in flight. p50/p99 latency of each. On a
classic mirrored queue and on a quorum queue. Also the tutorial-style baseline: one AMQP
connection per message.

Also measured: what TLS costs the publisher: the same 8 clients against a
publisher that reaches the nodes over AMQPS, next to one over plain AMQP, with the local
deployment redeployed with TLS on for that measurement (site.yml -e rabbitmq_tls=true) and
back without it afterwards. Needs the local deployment (make up). Runs the publisher image as
extra containers on the network rabbits with queues of their own, removes them and their
queues at the end. Prints figures; asserts nothing. Run: make bench-apps
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pika

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_load import run_load  # noqa: E402
from testkit import (PROJECT_DIR, admin_credentials, amqp_parameters, amqp_port,  # noqa: E402
                     ansible_playbook, api, run, wait_until)
from testkit.plots import latency_chart, throughput_chart  # noqa: E402

# The tutorial's Go publisher on this machine's 3-node 3.10 cluster (measured, see the issue).
TUTORIAL = {1: 180, 8: 318}
SETUPS = [("classic mirrored", "classic", 18091), ("quorum", "quorum", 18092)]
IN_FLIGHT = (1, 8, 32)
BATCH = 500
MESSAGE = "x" * 256
REFERENCE_SOURCE = Path(__file__).resolve().parent / "reference" / "main.go"
REFERENCE = PROJECT_DIR / "build" / "reference-publisher"


def publisher_image() -> str:
    out = run("docker", "inspect", "--format", "{{.Config.Image}}", "publisher").stdout.strip()
    if not out:
        sys.exit("No publisher container: deploy first (make up).")
    return out


# The CA of the local inventory, once the deployment has TLS (roles/rabbitmq_tls).
LOCAL_CA = Path.home() / ".local/share/warren/local/tls/ca.pem"


def start_publisher(image, name, queue_type, port, tls=False):
    """The publisher image on the queue ``name``, through rabbit-1 as the reference goes."""
    user, password = admin_credentials()
    run("docker", "rm", "-f", name, check=False)
    hosts = f"rabbit-1:{5671 if tls else 5672}"
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


def build_reference():
    """Compile the reference publisher with Debian's Go and amqp091-go: no module download."""
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=str(PROJECT_DIR / "build" / "go-cache"))
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["go", "build", "-o", str(REFERENCE), str(REFERENCE_SOURCE)], env=env,
                   check=True)


def reference(queue: str, queue_type: str, in_flight: int, seconds: float) -> dict:
    """The reference publisher's messages/s and p50/p99 (ms), on the queue the deployed
    publisher of the same kind uses, through rabbit-1."""
    user, password = admin_credentials()
    # The URL, with its password, goes through the environment: a failed command prints its
    # arguments.
    url = f"amqp://{user}:{password}@127.0.0.1:{amqp_port('rabbit-1')}/"
    out = subprocess.run(
        [str(REFERENCE), f"-queue={queue}", f"-queue-type={queue_type}",
         f"-inflight={in_flight}", f"-seconds={seconds}", f"-size={len(MESSAGE)}"],
        env=dict(os.environ, AMQP_URL=url), check=True, capture_output=True, text=True,
        timeout=seconds + 120).stdout
    purge(queue)
    return json.loads(out)


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
                r = run_load(port, "/publish/" + MESSAGE, clients, seconds)
                rates[tls] = r.messages_per_second
                print(f"  {'AMQPS' if tls else 'AMQP '} publisher, {clients} clients: {rates[tls]:7.0f} req/s"
                      f"  p50 {r.p50_ms:5.1f} ms  p99 {r.p99_ms:6.1f} ms  refused {r.not_ok}", flush=True)
            finally:
                remove(name)
        print(f"  TLS keeps {rates[True] / rates[False]:.0%} of the plain publisher's rate")
    finally:
        print("  back to the deployment without TLS ...", flush=True)
        deploy()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-s", "--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--no-tls", action="store_true", help="skip the TLS cost (no redeploy)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "build" / "bench-apps.json",
                        help="figures as JSON; the charts go beside it")
    options = parser.parse_args()
    # per second per number in flight for each line of the throughput chart; p50/p99 per
    # measurement; ratio to the reference per queue type and number in flight.
    throughput = {"tutorial's Go publisher": dict(TUTORIAL)}
    latency, ratios = {}, {}
    seconds = options.seconds
    build_reference()

    print(f"baseline, one connection per message ({seconds:.0f} s each):", flush=True)
    base = {n: baseline(n, seconds) for n in (1, 8)}
    throughput["one connection per message (Python)"] = base
    for n, rate in base.items():
        print(f"  {n} client(s): {rate:7.0f} msg/s   (the tutorial's Go publisher: {TUTORIAL[n]} req/s)")

    image = publisher_image()
    path = "/publish/" + MESSAGE
    batch = "\n".join(MESSAGE for _ in range(BATCH)).encode()

    def row(what, rate, p50, p99, ref=None, refused=0):
        versus = f"  {rate / ref:5.2f} x reference" if ref else ""
        versus += f"  ({refused} not answered 200)" if refused else ""
        print(f"  {what:<44} {rate:7.0f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms{versus}",
              flush=True)

    for label, queue_type, port in SETUPS:
        name = f"bench-{queue_type}"
        start_publisher(image, name, queue_type, port)
        try:
            print(f"\n{label} queue ({seconds:.0f} s each):", flush=True)
            for n in (*IN_FLIGHT, BATCH):
                ref = reference(name, queue_type, n, seconds)
                throughput.setdefault(f"reference (Go), {label}", {})[n] = ref["rate"]
                latency[f"reference, {label}, {n}"] = {"p50": ref["p50_ms"], "p99": ref["p99_ms"]}
                row(f"reference, {n} in flight", ref["rate"], ref["p50_ms"], ref["p99_ms"])
                if n == BATCH:
                    r = run_load(port, "/publish", 1, seconds, batch, per_request=BATCH)
                    what = f"POST /publish, batches of {BATCH}"
                else:
                    r = run_load(port, path, n, seconds)
                    what = f"POST /publish/:message, {n} client(s)"
                rate, p50, p99 = r.messages_per_second, r.p50_ms, r.p99_ms
                throughput.setdefault(f"publisher, {label}", {})[n] = rate
                latency[f"publisher, {label}, {n}"] = {"p50": p50, "p99": p99}
                ratios.setdefault(label, {})[n] = round(rate / ref["rate"], 3)
                row(what, rate, p50, p99, ref["rate"], r.not_ok)
                purge(name)
                if n != BATCH:
                    r = run_load(port, path, n, seconds, keep_alive=False)
                    rate = r.messages_per_second
                    throughput.setdefault(f"publisher without keep-alive, {label}", {})[n] = rate
                    row("  the same, a new connection per request", rate, r.p50_ms, r.p99_ms,
                        ref["rate"])
                    purge(name)
        finally:
            remove(name)
    if not options.no_tls:
        tls_cost(image, seconds)

    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps({"seconds": seconds, "message_bytes": len(MESSAGE),
                                       "throughput": throughput, "latency_ms": latency,
                                       "ratio_to_reference": ratios}, indent=2) + "\n")
    charts = [throughput_chart(throughput, options.out.with_name(options.out.stem + "-throughput.png")),
              latency_chart(latency, options.out.with_name(options.out.stem + "-latency.png"))]
    print("\nfigures written to", options.out, "and", ", ".join(str(c) for c in charts))


if __name__ == "__main__":
    main()
