"""Drives Parley's OpenAI-compatible speech endpoints with the official `openai` package.

Usage: openai_client.py BASE_URL API_KEY ENGLISH_WAV GERMAN_WAV [CONVERSATION_WAV]
(with a conversation, also ``response_format="diarized_json"`` on it, and the same with a
speaker count through ``extra_body``)
Prints one JSON object: what the client returned for each call (strings as they are,
models through model_dump), or the status and body of the error it raised.
"""

import json
import sys

import openai


def call(fn, **kwargs):
    try:
        result = fn(**kwargs)
    except openai.APIStatusError as exc:
        return {"error_status": exc.status_code, "error_body": exc.body}
    return result if isinstance(result, str) else result.model_dump()


def main() -> None:
    base_url, api_key, english, german = sys.argv[1:5]
    conversation = sys.argv[5] if len(sys.argv) > 5 else None
    client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=300)
    transcribe = client.audio.transcriptions.create
    out = {}
    for fmt in ("json", "text", "srt", "vtt", "verbose_json"):
        with open(english, "rb") as f:
            out[fmt] = call(transcribe, model="whisper-1", file=f, response_format=fmt, language="en")
    with open(english, "rb") as f:
        out["words"] = call(
            transcribe, model="whisper-1", file=f, response_format="verbose_json",
            timestamp_granularities=["word", "segment"], prompt="Sense and Sensibility", temperature=0.0,
        )
    with open(german, "rb") as f:
        out["translation"] = call(client.audio.translations.create, model="whisper-1", file=f)
    out["garbage"] = call(transcribe, model="whisper-1", file=("bad.wav", b"not audio at all" * 200))
    out["bad_format"] = call(transcribe, model="whisper-1", file=("a.wav", b"x"), response_format="docx")
    bad_key = openai.OpenAI(base_url=base_url, api_key="pk_wrong", max_retries=0)
    with open(english, "rb") as f:
        out["bad_key"] = call(bad_key.audio.transcriptions.create, model="whisper-1", file=f)
    if conversation:
        with open(conversation, "rb") as f:
            out["diarized"] = call(transcribe, model="whisper-1", file=f, response_format="diarized_json", language="en")
        with open(conversation, "rb") as f:
            out["diarized_one"] = call(transcribe, model="whisper-1", file=f, response_format="diarized_json",
                                       language="en", extra_body={"num_speakers": 1})
        with open(conversation, "rb") as f:
            out["diarized_srt"] = call(transcribe, model="whisper-1", file=f, response_format="srt", language="en",
                                       extra_body={"diarize": "true"})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
