"""The request loop: reads frames, dispatches operations, writes one response per request.

With ``parallel`` above one, transcribe and translate requests run on that many threads at
once over the same loaded models (CTranslate2 runs one decode per worker, sharing the
weights), so one process holds one copy of each model; the main thread keeps reading, and
answers, which may come back in any order, carry their request's ``id``.

A long request may first write progress frames, ``{"id", "progress": {"item", "seconds"}}``
(no ``ok``), each after another piece of a long item: the caller's call deadline counts from
the last frame, so a call is cut off when it stops making progress, not when it is long."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Dict, Optional

from . import PROTOCOL_VERSION, __version__
from .errors import EngineError, unknown_model
from .protocol import Frame, fit_answer, read_frame, write_frame
from .asr_router import AsrRouter, load_asr
from .speakers import SpeakerService
from .transcription import Strategy, transcribe_items
from .translation import TextItem, TranslationService, load_registry
from .whisper_backend import DeviceChoice

logger = logging.getLogger(__name__)


# Requests that may run beside others; the rest (hello, load, shutdown) run in order.
CONCURRENT_OPS = frozenset({"transcribe", "translate"})


@dataclass
class EngineSettings:
    device: DeviceChoice
    threads: int
    strategy: Strategy = field(default_factory=Strategy)
    # Requests run at once, each with ``threads`` threads of its own.
    parallel: int = 1


@dataclass
class Server:
    """Holds loaded models and answers protocol requests."""

    settings: EngineSettings
    models: Dict[str, AsrRouter] = field(default_factory=dict)
    translators: Dict[str, TranslationService] = field(default_factory=dict)
    # The speaker encoder, shared by every request and loaded by the first diarized item.
    speakers: SpeakerService = field(default_factory=SpeakerService)
    running: bool = True

    def handle(self, frame: Frame, notify: Optional[Callable[[dict], None]] = None) -> dict:
        """The response body for one request; ``notify`` writes a progress frame."""
        op = frame.header.get("op")
        handlers: Dict[str, Callable[[Frame], dict]] = {
            "hello": self._hello,
            "load": self._load,
            "transcribe": lambda f: self._transcribe(f, notify),
            "translate": self._translate,
            "shutdown": self._shutdown,
        }
        handler = handlers.get(op)
        if handler is None:
            raise EngineError("bad_request", f"unknown operation {op!r}")
        return handler(frame)

    def _hello(self, frame: Frame) -> dict:
        return {
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "models": sorted(self.models) + sorted(self.translators),
            "device": self.settings.device.device,
            "compute_type": self.settings.device.compute_type,
        }

    def _load(self, frame: Frame) -> dict:
        name, kind = frame.header["model"], frame.header.get("kind", "whisper")
        device, threads = self.settings.device, self.settings.threads
        if kind == "translation":
            if name not in self.translators:
                registry = load_registry(frame.header.get("path") or None)
                self.translators[name] = TranslationService(registry, device.device, threads, self.settings.parallel)
            return {"model": name, "kind": kind, **self.translators[name].capabilities()}
        if name not in self.models:
            self.models[name] = load_asr(
                name, frame.header["path"], frame.header.get("config"), device, threads, self.settings.parallel
            )
        return {"model": name, "kind": kind, "languages": sorted(self.models[name].languages)}

    def _model(self, frame: Frame) -> AsrRouter:
        name = frame.header.get("model", "")
        if name not in self.models:
            raise unknown_model(name)
        return self.models[name]

    def _transcribe(self, frame: Frame, notify: Optional[Callable[[dict], None]]) -> dict:
        model = self._model(frame)

        def progress(item: str, seconds: float) -> None:
            if notify is not None:
                notify({"item": item, "seconds": round(seconds, 3)})

        items = frame.header.get("items", [])
        return {"results": transcribe_items(model, items, frame.payload, self.settings.strategy, progress, self.speakers)}

    def _translate(self, frame: Frame) -> dict:
        name = frame.header.get("model", "")
        if name not in self.translators:
            raise unknown_model(name)
        items = [
            TextItem(id=i["id"], texts=list(i.get("texts", [])), target=i["target"], source=i.get("source"))
            for i in frame.header.get("items", [])
        ]
        outcomes = self.translators[name].translate(items)
        results = []
        for item in items:
            outcome = outcomes[item.id]
            if isinstance(outcome, EngineError):
                results.append({"id": item.id, "ok": False, "error": outcome.to_dict()})
            else:
                results.append({"id": item.id, "ok": True, "result": outcome})
        return {"results": results}

    def _shutdown(self, frame: Frame) -> dict:
        self.running = False
        return {}

    def serve(self, reader: BinaryIO, writer: BinaryIO) -> None:
        """Answers frames until shutdown or end of input; requests in flight finish first."""
        lock = threading.Lock()

        def send(body: dict) -> None:
            with lock:
                write_frame(writer, body)

        with ThreadPoolExecutor(max_workers=self.settings.parallel, thread_name_prefix="request") as pool:
            while self.running:
                frame = read_frame(reader)
                if frame is None:
                    logger.info("input closed; exiting")
                    return
                if self.settings.parallel > 1 and frame.header.get("op") in CONCURRENT_OPS:
                    pool.submit(self._answer, frame, send)
                else:
                    self._answer(frame, send)

    def _answer(self, frame: Frame, send: Callable[[dict], None]) -> None:
        """Handles one request and writes its progress frames and its answer."""
        request_id = frame.header.get("id")

        def notify(progress: dict) -> None:
            send({"id": request_id, "progress": progress})

        try:
            body = self.handle(frame, notify)
            # The id first, so the caller learns whose answer it is without parsing all of it.
            send(fit_answer(dict({"id": request_id, "ok": True}, **body)))
        except EngineError as exc:
            send({"id": request_id, "ok": False, "error": exc.to_dict()})
        except Exception as exc:
            logger.exception("request %s failed", request_id)
            error = EngineError("engine_error", f"{type(exc).__name__}: {exc}", retryable=True)
            send({"id": request_id, "ok": False, "error": error.to_dict()})
