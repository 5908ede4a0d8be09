"""What every scenario must leave as it found it on the hosts it touched (shared by all
scenarios through the verifier's additional_files_or_dirs)."""

import json
import os
import stat

import pytest
from testkit import SECRETS_DIR, run

SECRET_FILES = ("erlang_cookie", "admin_password", "publisher_password", "consumer_password")


def warren_containers(role=None):
    label = "org.warren.role" + (f"={role}" if role else "")
    names = run("docker", "ps", "--all", "--filter", f"label={label}", "--format", "{{.Names}}")
    return names.stdout.split()


def test_etc_is_untouched_on_the_controller():
    st = os.stat("/etc")
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o755, 0, 0)


@pytest.mark.parametrize("host", warren_containers("app-host") or ["(none)"])
def test_etc_is_untouched_on_each_app_host(host):
    if host == "(none)":
        pytest.skip("this scenario runs no app host")
    assert run("docker", "exec", host, "stat", "-c", "%a %u:%g", "/etc").stdout.split() == ["755", "0:0"]


def test_docker_inspect_shows_no_secret():
    containers = warren_containers()
    if not containers:
        pytest.skip("this scenario runs no container")
    secrets = [(SECRETS_DIR / name).read_text().strip() for name in SECRET_FILES
               if (SECRETS_DIR / name).exists()]
    assert secrets, f"no secrets found in {SECRETS_DIR}"
    inspected = run("docker", "inspect", *containers).stdout
    assert json.loads(inspected), "docker inspect returned nothing"
    for value in secrets:
        assert value not in inspected, "a secret appears in docker inspect of " + ", ".join(containers)
