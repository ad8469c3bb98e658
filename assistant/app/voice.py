"""Voice questions: buffer the browser's audio, enforce limits, transcribe with faster-whisper.

Chainlit's microphone sends 16-bit mono PCM chunks (``mimeType`` "pcm16") at the configured
sample rate; other recorders may send webm/wav, decoded with PyAV (faster-whisper's decoder).
The duration limit holds for every format: PCM is cut by its byte count, anything else while it
is decoded, so a client naming a compressed ``mimeType`` cannot send an hour of speech for
Whisper to transcribe (the byte limit alone let 43 minutes through). The domain
prompt (asset ids and names, fault codes, part numbers) steers Whisper towards the words a
technician says, e.g. "PRESS-04" rather than "press for".

    buf = AudioBuffer(sample_rate=16000, max_seconds=30)
    buf.add(chunk.data, chunk.mimeType)          # per chunk; False once a limit is hit
    text = Transcriber(model_dir, prompt).transcribe(buf.samples())
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path
from typing import Any, Iterable

import numpy as np

WHISPER_RATE = 16_000
PCM_MIME = ("pcm16", "audio/pcm", "audio/l16")


class AudioTooLong(ValueError):
    pass


class AudioBuffer:
    """Collects one recording; stops accepting data past ``max_seconds`` or ``max_bytes``."""

    def __init__(self, sample_rate: int, max_seconds: float, max_bytes: int = 20 * 1024 * 1024) -> None:
        self.sample_rate = sample_rate
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self.mime: str | None = None
        self.truncated = False
        self._parts: list[bytes] = []
        self._size = 0

    @property
    def seconds(self) -> float:
        """Length of the buffered PCM audio (0 for compressed formats, which are cut when decoded)."""
        return self._size / 2 / self.sample_rate if self.is_pcm else 0.0

    @property
    def is_pcm(self) -> bool:
        return (self.mime or "pcm16").split(";")[0].strip().lower() in PCM_MIME

    def add(self, data: bytes, mime: str | None = None) -> bool:
        """Append a chunk; returns False (and keeps what fits) once a limit is reached."""
        self.mime = self.mime or mime
        limit = self.max_bytes
        if self.is_pcm:
            limit = min(limit, int(self.max_seconds * self.sample_rate) * 2)
        room = limit - self._size
        if room <= 0:
            self.truncated = True
            return False
        if len(data) > room:
            data = data[: room - room % 2]
            self.truncated = True
        self._parts.append(bytes(data))
        self._size += len(data)
        return not self.truncated

    def samples(self) -> np.ndarray:
        """Mono float32 samples at 16 kHz, as Whisper expects."""
        raw = b"".join(self._parts)
        if not raw:
            return np.zeros(0, dtype=np.float32)
        if self.is_pcm:
            pcm = np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2").astype(np.float32) / 32768.0
            return resample(pcm, self.sample_rate, WHISPER_RATE)
        samples, cut = decode_limited(raw, self.max_seconds)
        self.truncated = self.truncated or cut
        return samples


def decode_limited(raw: bytes, max_seconds: float, rate: int = WHISPER_RATE) -> tuple[np.ndarray, bool]:
    """Mono float32 samples at ``rate`` from any container PyAV reads, decoding no further than
    ``max_seconds`` (the CPU spent is bounded by the limit, not by what the client sent).
    Returns the samples and whether the recording was cut."""
    import av

    limit = int(max_seconds * rate)
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=rate)
    parts: list[np.ndarray] = []
    total, cut = 0, False
    with av.open(io.BytesIO(raw), mode="r", metadata_errors="ignore") as container:
        frames = container.decode(audio=0)
        while total < limit:
            try:
                frame = next(frames)
            except StopIteration:
                frame = None  # flush the resampler
            except av.error.InvalidDataError:
                continue  # a damaged frame, as faster-whisper skips them
            for out in resampler.resample(frame):
                array = out.to_ndarray().reshape(-1)
                parts.append(array)
                total += array.size
            if frame is None:
                break
        else:
            cut = True
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    cut = cut or samples.size > limit
    return samples[:limit].astype(np.float32) / 32768.0, cut


class SilenceDetector:
    """Ends a recording once speech was heard and ``silence_s`` of quiet followed it.

    Works on 16-bit PCM frames of ``frame_ms``. A frame is speech when its RMS clears both an
    absolute floor and ``ratio`` times the background level, which follows the quiet frames, so a
    steady machine hum counts as quiet rather than as endless speech. Speech must last
    ``min_speech_s`` before silence can end the recording (a cough does not).

        detector = SilenceDetector(16000, silence_s=1.5)
        if detector.feed(chunk.data):  # True once: the technician stopped talking
            ...
    """

    def __init__(self, sample_rate: int, silence_s: float = 1.5, frame_ms: int = 30, min_speech_s: float = 0.3,
                 ratio: float = 3.0, floor: float = 0.004) -> None:
        if silence_s <= 0 or frame_ms <= 0:
            raise ValueError("silence_s and frame_ms must be positive")
        self._frame = int(sample_rate * frame_ms / 1000) * 2  # bytes per frame
        self._frame_s = frame_ms / 1000
        self.silence_s, self.min_speech_s, self.ratio, self.floor = silence_s, min_speech_s, ratio, floor
        self._pending = b""
        self._noise: float | None = None
        self.speech_s = 0.0
        self.quiet_s = 0.0
        self.ended = False

    def feed(self, pcm: bytes) -> bool:
        if self.ended:
            return False
        data = self._pending + pcm
        whole = len(data) - len(data) % self._frame
        self._pending = data[whole:]
        for start in range(0, whole, self._frame):
            frame = np.frombuffer(data[start:start + self._frame], dtype="<i2").astype(np.float32) / 32768.0
            rms = float(np.sqrt(np.mean(frame * frame))) if frame.size else 0.0
            noise = rms if self._noise is None else self._noise
            if rms > max(self.floor, self.ratio * noise):
                self.speech_s += self._frame_s
                self.quiet_s = 0.0
            else:
                self._noise = min(rms, 0.9 * noise + 0.1 * rms)  # background follows quiet frames
                self.quiet_s += self._frame_s
                if self.speech_s >= self.min_speech_s and self.quiet_s >= self.silence_s:
                    self.ended = True
                    return True
        return False


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Linear interpolation; enough for speech recognition at these rates."""
    if rate_in == rate_out or samples.size == 0:
        return samples.astype(np.float32)
    n_out = int(round(samples.size * rate_out / rate_in))
    x_out = np.linspace(0, samples.size - 1, n_out)
    return np.interp(x_out, np.arange(samples.size), samples).astype(np.float32)


def read_wav(path: Path) -> tuple[bytes, int]:
    """PCM16 mono bytes and the sample rate of a WAV file (what a test feeds ``AudioBuffer``)."""
    import wave

    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM WAV, got {8 * wav.getsampwidth()}-bit")
        frames = wav.readframes(wav.getnframes())
        channels, rate = wav.getnchannels(), wav.getframerate()
    if channels > 1:
        frames = np.frombuffer(frames, dtype="<i2").reshape(-1, channels).mean(axis=1).astype("<i2").tobytes()
    return frames, rate


def save_wav(samples: np.ndarray, path: Path, rate: int = WHISPER_RATE) -> Path:
    """Keep a recording (only when ``app.store_audio`` is on): 16-bit mono WAV, written atomically."""
    import os
    import wave

    from assistant.private_files import private_dir, private_file

    private_dir(path.parent)
    tmp = private_file(path.with_suffix(".tmp"))  # a technician's voice: owner only, from the first byte
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    os.replace(tmp, path)
    return path


def domain_prompt(registry: Any = None, extra_terms: Iterable[str] = (), max_chars: int = 600) -> str:
    """Whisper ``initial_prompt`` naming assets, their aliases, and codes/part numbers we index.

    Whisper only reads the last ~224 tokens of a prompt, so it is capped by characters.
    """
    terms: list[str] = []
    if registry is not None:
        for asset in registry.all():
            terms.append(asset.id)
            if asset.name:
                terms.append(asset.name)
    terms.extend(extra_terms)
    seen: set[str] = set()
    unique = [t for t in terms if t and not (t.lower() in seen or seen.add(t.lower()))]
    prompt = "Maintenance question about: " + ", ".join(unique)
    return prompt[:max_chars]


CODE_RE = re.compile(r"\b[A-Z]{1,4}-?\d{2,5}[A-Z]?\b")


def codes_in(texts: Iterable[str], limit: int = 40) -> list[str]:
    """Fault codes and part numbers (E-204, P1234, 6205) that appear in indexed text."""
    found: dict[str, None] = {}
    for text in texts:
        for code in CODE_RE.findall(text or ""):
            found.setdefault(code, None)
            if len(found) >= limit:
                return list(found)
    return list(found)


class Transcriber:
    """faster-whisper on CPU (int8), loaded on first use; one transcription at a time."""

    def __init__(self, model_dir: Path, initial_prompt: str | None = None, threads: int = 2,
                 language: str | None = "en") -> None:
        self.model_dir = Path(model_dir)
        self.initial_prompt = initial_prompt
        self.threads = threads
        self.language = language
        self._model = None
        self._lock = threading.Lock()

    def transcribe(self, samples: np.ndarray) -> str:
        if samples.size == 0:
            return ""
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8",
                                           cpu_threads=self.threads)
            segments, _info = self._model.transcribe(samples, language=self.language, beam_size=1,
                                                     initial_prompt=self.initial_prompt, vad_filter=False)
            return " ".join(s.text.strip() for s in segments).strip()
