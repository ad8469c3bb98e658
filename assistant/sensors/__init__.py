"""Sensor questions answered from the summary chunks: ``query`` reads the question, ``answer`` the figures."""

from assistant.sensors.answer import SensorAnswerer, SensorResult
from assistant.sensors.query import SensorQuery, match_signal, parse, terms

__all__ = ["SensorAnswerer", "SensorQuery", "SensorResult", "match_signal", "parse", "terms"]
