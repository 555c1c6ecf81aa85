"""A local Azure IoT Hub Device Provisioning Service, for offline development and tests.

Device API over HTTPS (MQTT and AMQP front ends join on the same port), enrollments
(individual and group, X.509 with proof of possession), an IoT Hub device registry, SQLite
persistence, and the service API. Start it from Python (:class:`Emulator`) or with the
``dps-emulator`` command.
"""

from .client import EmulatorError, ServiceClient
from .emulator import DEFAULT_HUB, Emulator

__all__ = ["DEFAULT_HUB", "Emulator", "EmulatorError", "ServiceClient"]
