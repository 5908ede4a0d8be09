"""Test doubles for the apps' unit tests: a channel that records what is sent to it."""

import asyncio

from pika import frame
from pika.spec import Basic



class FakeChannel:
    def __init__(self):
        self.published = []
        self.acked = []
        self.nacked = []
        self.is_open = True

    def basic_publish(self, exchange, routing_key, body, properties=None, mandatory=False):
        self.published.append((routing_key, body, properties.message_id))

    def basic_ack(self, tag):
        self.acked.append(tag)

    def basic_nack(self, tag, requeue=True):
        self.nacked.append(tag)


def ack(tag, multiple=False):
    return frame.Method(1, Basic.Ack(delivery_tag=tag, multiple=multiple))


def nack(tag, multiple=False):
    return frame.Method(1, Basic.Nack(delivery_tag=tag, multiple=multiple))


def connect(client, channel):
    """Put a client in the state it has once its channel is set up, without a broker."""
    client._loop = asyncio.get_running_loop()
    client.channel = channel
    client.node = "rabbit-1:5672"
    client.set_ready()
