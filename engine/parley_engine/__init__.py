"""Parley inference engine: a framed stdio sidecar around CTranslate2 models."""

__version__ = "0.1.0"
PROTOCOL_VERSION = 2
