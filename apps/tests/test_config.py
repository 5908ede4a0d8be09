import pytest

from warren_apps.config import ConfigError, Settings, parse_hosts


def test_the_tutorials_variables_still_work():
    s = Settings.from_env({"RABBIT_HOST": "rabbit-1", "RABBIT_PORT": "5673",
                           "RABBIT_USERNAME": "u", "RABBIT_PASSWORD": "p"})
    assert s.hosts == (("rabbit-1", 5673),)
    assert (s.username, s.password, s.queue, s.http_port) == ("u", "p", "publisher", 80)


def test_defaults_without_any_variable():
    s = Settings.from_env({})
    assert s.hosts == (("localhost", 5672),) and s.vhost == "/" and s.queue_type is None


def test_rabbit_hosts_lists_every_node_and_wins_over_rabbit_host():
    s = Settings.from_env({"RABBIT_HOST": "ignored", "RABBIT_PORT": "5999",
                           "RABBIT_HOSTS": "rabbit-1, rabbit-2:5673 ,[::1]:5674,"})
    assert s.hosts == (("rabbit-1", 5999), ("rabbit-2", 5673), ("::1", 5674))


@pytest.mark.parametrize("text", ["a:b", ",", "host:70000", ":5672"])
def test_bad_host_lists_are_explained(text):
    with pytest.raises(ConfigError, match="RABBIT_HOSTS"):
        parse_hosts(text)


def test_password_from_a_file(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    s = Settings.from_env({"RABBIT_PASSWORD_FILE": str(secret), "RABBIT_PASSWORD": "other"})
    assert s.password == "s3cret"
    assert "s3cret" not in repr(s)


def test_unreadable_password_file_is_explained(tmp_path):
    with pytest.raises(ConfigError, match="RABBIT_PASSWORD_FILE"):
        Settings.from_env({"RABBIT_PASSWORD_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize("env, words", [
    ({"RABBIT_PORT": "x"}, "RABBIT_PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"PREFETCH": "0"}, "PREFETCH"),
    ({"PUBLISH_TIMEOUT": "soon"}, "PUBLISH_TIMEOUT"),
    ({"RABBIT_QUEUE_TYPE": "stream"}, "RABBIT_QUEUE_TYPE"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"RABBIT_TLS": "maybe"}, "RABBIT_TLS"),
    ({"RABBIT_TLS": "1", "RABBIT_TLS_CERT_FILE": "c.pem"}, "go together"),
])
def test_bad_values_name_the_variable(env, words):
    with pytest.raises(ConfigError, match=words):
        Settings.from_env(env)


def test_tls_settings():
    s = Settings.from_env({"RABBIT_TLS": "true", "RABBIT_TLS_CA_FILE": "/ca.pem",
                           "RABBIT_TLS_SERVER_NAME": "mq.example", "RABBIT_TLS_VERIFY": "false"})
    assert s.tls.ca_file == "/ca.pem" and s.tls.server_name == "mq.example" and not s.tls.verify


def test_queue_type_and_log_level_are_normalised():
    s = Settings.from_env({"RABBIT_QUEUE_TYPE": "Quorum", "LOG_LEVEL": "debug"})
    assert s.queue_type == "quorum" and s.log_level == "DEBUG"
