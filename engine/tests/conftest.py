import os
import shutil
import subprocess
import sys

import pytest

ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(ENGINE_DIR)
sys.path.insert(0, ENGINE_DIR)

LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"


@pytest.fixture(scope="session")
def model_dir() -> str:
    path = os.environ.get("PARLEY_MODEL_DIR", os.path.join(REPO_DIR, "models", "whisper-base"))
    if not os.path.isfile(os.path.join(path, "model.bin")):
        pytest.fail(f"Whisper base is not assembled in {path}; run scripts/setup.sh")
    return path


@pytest.fixture(scope="session")
def english_wav() -> bytes:
    with open(os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0880.wav"), "rb") as f:
        return f.read()


@pytest.fixture(scope="session")
def german_wav(tmp_path_factory) -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is required (apt-get install espeak-ng)")
    out = tmp_path_factory.mktemp("tts") / "de.wav"
    subprocess.run(
        ["espeak-ng", "-v", "de", "-w", str(out), "Guten Morgen, wie geht es dir heute? Das Wetter ist schön."],
        check=True,
    )
    return out.read_bytes()
