"""Kafka bridge: carries events between the processes of a deployment (confluent-kafka).

Importing this package does not start anything; see ``KafkaTransport`` and the
development broker in ``streamer.kafka.devbroker``.
"""
