"""The link to the central server: the outbox out as MQTT events, commands and acks in.

Only this package imports paho; the core and the UI do not (DESIGN §2). ``topics`` is the
one place that builds topic strings.
"""

from kiosk.link.broker_url import BrokerUrl, BrokerUrlError, parse_broker_url
from kiosk.link.mqtt_link import LinkReason, LinkTuning, MqttLink, MqttVersion
from kiosk.link.topics import SERVER_STATE, LinkTopicError, Topics, office_queue

__all__ = [
    "SERVER_STATE",
    "BrokerUrl",
    "BrokerUrlError",
    "LinkReason",
    "LinkTopicError",
    "LinkTuning",
    "MqttLink",
    "MqttVersion",
    "Topics",
    "office_queue",
    "parse_broker_url",
]
