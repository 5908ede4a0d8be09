# Thin wrappers: the playbooks are the interface (see README.md).
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
PURGE ?= 0

.PHONY: bootstrap test-tools up down test lint unit molecule chaos bench-deploy bench-apps

bootstrap:
	@scripts/bootstrap.sh

## up: bring up the local 3-node cluster on this machine's Docker engine
up: bootstrap
	ansible-playbook site.yml

## down: remove the containers (data kept; PURGE=1 deletes volumes and configuration too)
down: bootstrap
	ansible-playbook playbooks/destroy.yml -e purge=$(if $(filter 1 true yes,$(PURGE)),true,false)

## test: the whole suite - lint, unit tests, molecule scenarios
test: bootstrap test-tools lint unit molecule

test-tools:
	@scripts/ensure-test-tools.sh

lint:
	yamllint .
	ansible-lint
	python scripts/role_docs.py --check
	@for module in $$(ansible-doc -t module -l warren.rabbitmq | cut -d' ' -f1); do \
	  ansible-doc -t module $$module >/dev/null || exit 1; done
	ansible-playbook site.yml --syntax-check
	ansible-playbook -i inventories/production site.yml --syntax-check
	ansible-inventory -i inventories/local --graph >/dev/null
	ansible-inventory -i inventories/production --graph >/dev/null

unit:
	pytest -q

# Every scenario, one after another; the kubernetes one needs a Kubernetes API server
# (KUBECONFIG) and is reported as skipped without one. The output is kept in build/; on
# failure its failing parts are repeated at the end.
SCENARIOS := default failover rabbitmq4 migration production
molecule:
	@mkdir -p build
	@{ for scenario in $(SCENARIOS) $(if $(KUBECONFIG),kubernetes); do \
	     start=$$SECONDS; molecule test -s $$scenario || exit 1; \
	     echo "TIME scenario $$scenario: $$((SECONDS - start)) s"; done; \
	   $(if $(KUBECONFIG),true,echo "SKIPPED scenario kubernetes: no Kubernetes API server here;" \
	     "set KUBECONFIG to a cluster's kubeconfig to apply and check the manifests there" \
	     "(tests/k8s renders and validates them in make unit)"); \
	 } 2>&1 | tee build/molecule.log; status=$${PIPESTATUS[0]}; \
	  if [ $$status -ne 0 ]; then scripts/failure-digest.sh build/molecule.log; fi; exit $$status

## chaos: faults injected while the apps run; no confirmed message may be lost
chaos: bootstrap
	@mkdir -p build
	molecule test -s failover 2>&1 | tee build/chaos.log; status=$${PIPESTATUS[0]}; \
	  if [ $$status -ne 0 ]; then scripts/failure-digest.sh build/chaos.log; fi; exit $$status

## bench-deploy: wall time of a cold site.yml and of an idempotent re-run
bench-deploy: bootstrap
	python tests/bench/bench_deploy.py --production

## bench-apps: publisher throughput and latency against a compiled reference (needs make up)
bench-apps: bootstrap
	@scripts/ensure-test-tools.sh bench
	python tests/bench/bench_apps.py
