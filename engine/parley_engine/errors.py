"""Errors the engine reports per item, with stable codes shared with the Swift side."""

from dataclasses import dataclass


@dataclass
class EngineError(Exception):
    """An error with a stable code; ``retryable`` tells the worker whether to try again."""

    code: str
    message: str
    retryable: bool = False

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "retryable": self.retryable}


def invalid_audio(message: str) -> EngineError:
    return EngineError("invalid_audio", message)


def unsupported_language_pair(source: str, target: str) -> EngineError:
    return EngineError(
        "unsupported_language_pair",
        f"no translation model serves {source}->{target}",
    )


def unknown_model(name: str) -> EngineError:
    return EngineError("unknown_model", f"model {name!r} is not loaded")
