"""The chaos driver: proves that no confirmed message is lost while nodes fail, with the
deployment as users run it - its policies, its publisher and consumer, their settings.

- traffic.py: publishes through the deployed publisher (only a 200 counts as confirmed) and
  reads what the deployed consumer received from its log;
- cluster.py: the cluster's state and the faults injected into it;
- deployments.py: the deployed configuration per queue type;
- run.py: one run - faults one after another, then drain and compare;
- report.py: figures per fault, the table and the JSON.

Run alone: make chaos (the molecule scenario `failover`) or `python -m chaos` from tests/.
"""
