"""warren's messaging apps: an HTTP publisher that answers only once RabbitMQ confirmed each
message, and a consumer; both fail over between the cluster's nodes."""

__version__ = "0.1.0"
