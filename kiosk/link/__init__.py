"""The link to the central server: the outbox out as MQTT events, commands and acks in.

Only this package imports paho; the core and the UI do not (DESIGN §2). ``topics`` is the
one place that builds topic strings. Where each behaviour lives:

* ``mqtt_link``: :class:`MqttLink`, what the app holds, and its worker thread;
* ``connection``: connecting, the network thread, reconnecting after a jittered back-off;
* ``send_window``: the outbox published in ``seq`` order inside the in-flight and ahead
  windows, rows deleted by the server's ack, resends, image chunks after events;
* ``intake``: reading ``ack``, ``server/state`` and the queue figures; command and desired
  configuration handlers;
* ``state_publisher``: the Will, the birth, the health snapshot, ``config/reported``, the
  goodbye;
* ``status`` and ``tuning``: online or not and why; windows and timings;
* ``blob_sender`` and ``blob_frame``: ID photo images and support bundles in chunks;
* ``broker_url``, ``tls``: where and how to connect;
* ``contract`` and ``json_schema``: the MQTT contract as data, for tests and tools.
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
