import shutil
import subprocess

import numpy as np
import pytest

from assistant.app.voice import AudioBuffer, SilenceDetector, codes_in, domain_prompt, read_wav, resample


class FakeRegistry:
    class A:
        def __init__(self, id, name):
            self.id, self.name = id, name

    def all(self):
        return [self.A("PRESS-04", "Hydraulic press 4"), self.A("COMP-01", None)]


class TestAudioBuffer:
    def test_pcm_is_converted_and_resampled_to_16k(self):
        buf = AudioBuffer(sample_rate=24000, max_seconds=5)
        tone = (np.sin(np.arange(24000) / 10) * 10000).astype("<i2").tobytes()
        assert buf.add(tone, "pcm16")
        samples = buf.samples()
        assert samples.dtype == np.float32 and abs(samples.size - 16000) <= 1
        assert 0.2 < np.abs(samples).max() <= 1.0
        assert buf.seconds == pytest.approx(1.0)

    def test_duration_limit_truncates(self):
        buf = AudioBuffer(sample_rate=16000, max_seconds=1)
        assert buf.add(b"\x00\x01" * 12000, "pcm16")
        assert buf.add(b"\x00\x01" * 12000, "pcm16") is False
        assert buf.truncated and buf.seconds == pytest.approx(1.0)
        assert buf.add(b"\x00\x01", "pcm16") is False

    def test_byte_limit_for_compressed_audio(self):
        buf = AudioBuffer(sample_rate=16000, max_seconds=60, max_bytes=10)
        assert buf.add(b"x" * 8, "audio/webm")
        assert buf.add(b"x" * 8, "audio/webm") is False and buf.truncated

    def test_compressed_audio_is_cut_at_the_duration_limit_while_decoded(self):
        """A client naming another mimeType is held to the same duration (only the bytes were limited)."""
        import io
        import wave

        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes((np.sin(np.arange(8000 * 120) / 7) * 9000).astype("<i2").tobytes())  # 2 minutes
        buf = AudioBuffer(sample_rate=16000, max_seconds=3)
        assert buf.add(out.getvalue(), "audio/wav")  # within the byte limit
        samples = buf.samples()
        assert samples.size == 3 * 16000 and buf.truncated
        short = AudioBuffer(sample_rate=16000, max_seconds=300)
        short.add(out.getvalue(), "audio/webm;codecs=opus")  # whatever it claims, the container decides
        assert short.samples().size == pytest.approx(120 * 16000, abs=400) and not short.truncated

    def test_resample_identity_and_empty(self):
        x = np.ones(10, dtype=np.float32)
        assert resample(x, 16000, 16000) is not None and resample(x, 16000, 16000).size == 10
        assert AudioBuffer(16000, 1).samples().size == 0


def _pcm(seconds: float, amplitude: float, tone: bool = False, rate: int = 16000) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    rng = np.random.default_rng(7)
    wave = np.sin(2 * np.pi * 220 * t) if tone else rng.normal(0, 1, t.size)
    return (np.clip(wave * amplitude, -1, 1) * 32767).astype("<i2").tobytes()


def _feed(detector: SilenceDetector, pcm: bytes, chunk: int = 4096) -> float | None:
    """Seconds into the recording at which the detector ended it (None: it kept listening)."""
    for i in range(0, len(pcm), chunk):
        if detector.feed(pcm[i:i + chunk]):
            return (i + chunk) / 2 / 16000
    return None


class TestSilenceDetector:
    def test_stops_about_one_and_a_half_seconds_after_speech(self):
        hum = 0.01
        speech = np.frombuffer(_pcm(2.0, 0.3, tone=True), "<i2") + np.frombuffer(_pcm(2.0, hum), "<i2")
        pcm = _pcm(1.0, hum) + speech.astype("<i2").tobytes() + _pcm(3.0, hum)
        ended = _feed(SilenceDetector(16000, silence_s=1.5), pcm)
        assert ended is not None and 4.4 <= ended <= 4.8  # speech ends at 3.0 s

    def test_quiet_or_steady_noise_alone_never_ends_it(self):
        assert _feed(SilenceDetector(16000), _pcm(4.0, 0.0)) is None  # waits for the technician to speak
        assert _feed(SilenceDetector(16000), _pcm(4.0, 0.05)) is None  # machine hum is background

    def test_a_click_is_not_speech(self):
        pcm = _pcm(1.0, 0.0) + _pcm(0.06, 0.5, tone=True) + _pcm(3.0, 0.0)
        assert _feed(SilenceDetector(16000, min_speech_s=0.3), pcm) is None


class TestDomainPrompt:
    def test_prompt_names_assets_and_codes(self):
        prompt = domain_prompt(FakeRegistry(), ["E-204", "e-204", "P/N 4471-31"])
        assert prompt.startswith("Maintenance question about: PRESS-04, Hydraulic press 4, COMP-01, E-204")
        assert prompt.count("204") == 1  # duplicates dropped case-insensitively
        assert len(domain_prompt(FakeRegistry(), ["X"] * 0, max_chars=30)) == 30

    def test_codes_found_in_text(self):
        assert codes_in(["Alarm E-204 and E-101; part 4471-31", "code E-204"]) == ["E-204", "E-101"]


@pytest.mark.slow
class TestTranscription:
    def test_espeak_question_is_transcribed_with_key_terms(self, tmp_path):
        """A spoken question goes through the audio handler's path: PCM chunks -> buffer -> Whisper."""
        if not shutil.which("espeak-ng"):
            pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
        from assistant.app.voice import Transcriber
        from assistant.models import whisper_model_dir

        wav = tmp_path / "q.wav"
        subprocess.run(["espeak-ng", "-s", "140", "-w", str(wav),
                        "What hydraulic oil does press four use?"], check=True)
        pcm, rate = read_wav(wav)
        buf = AudioBuffer(sample_rate=rate, max_seconds=30)
        for i in range(0, len(pcm), 4096):  # the browser sends small chunks
            buf.add(pcm[i:i + 4096], "pcm16")
        model = whisper_model_dir("base", tmp_path / "models")
        text = Transcriber(model, domain_prompt(FakeRegistry(), ["HLP 46"])).transcribe(buf.samples()).lower()
        assert "hydraulic" in text and "oil" in text and "press" in text
