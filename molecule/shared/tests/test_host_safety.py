"""What every scenario must leave as it found it on the hosts it touched (shared by all
scenarios through the verifier's additional_files_or_dirs)."""

import json
import os
import stat

import pytest
from testkit import PROJECT_DIR, SECRETS_DIR, ansible, run

SECRET_FILES = ("erlang_cookie", "admin_password", "publisher_password", "consumer_password")
# The production simulation's secrets are in its vault instead.
SIMULATION_VAULT = PROJECT_DIR / "molecule/production/inventory/group_vars/all/vault.yml"
SIMULATION_PASSWORD = PROJECT_DIR / "molecule/production/vault-password"


def warren_containers(*roles):
    names = []
    for role in roles or [None]:
        label = "org.warren.role" + (f"={role}" if role else "")
        names += run("docker", "ps", "--all", "--filter", f"label={label}",
                     "--format", "{{.Names}}").stdout.split()
    return sorted(set(names))


def secrets():
    values = [(SECRETS_DIR / name).read_text().strip() for name in SECRET_FILES
              if (SECRETS_DIR / name).exists()]
    if os.environ.get("MOLECULE_SCENARIO_NAME") == "production":
        vault = ansible("ansible-vault", "view", "--vault-password-file", str(SIMULATION_PASSWORD),
                        str(SIMULATION_VAULT)).stdout
        values += [line.split(":", 1)[1].strip() for line in vault.splitlines()
                   if line.startswith("vault_")]
    return values


def test_etc_is_untouched_on_the_controller():
    st = os.stat("/etc")
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o755, 0, 0)


@pytest.mark.parametrize("host", warren_containers("app-host", "simulated-host") or ["(none)"])
def test_etc_is_untouched_on_each_host_warren_reached(host):
    if host == "(none)":
        pytest.skip("this scenario reaches no host besides the controller")
    assert run("docker", "exec", host, "stat", "-c", "%a %u:%g", "/etc").stdout.split() == ["755", "0:0"]


def test_docker_inspect_shows_no_secret():
    containers = warren_containers()
    if not containers:
        pytest.skip("this scenario runs no container")
    values = secrets()
    assert values, f"no secrets found in {SECRETS_DIR} or the simulation's vault"
    inspected = run("docker", "inspect", *containers).stdout
    assert json.loads(inspected), "docker inspect returned nothing"
    for value in values:
        assert value not in inspected, "a secret appears in docker inspect of " + ", ".join(containers)
