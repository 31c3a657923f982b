"""GPU-name canonicalisation: one table turning provider spellings into `A100-80G` plus a variant."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["GpuName", "canonical_gpu", "what_was_read"]


@dataclass(frozen=True)
class GpuName:
    """A canonical GPU name.

    `model` is one of three things:

    - `<FAMILY>-<memory>G` (`A100-80G`, `H100-94G`, `RTX4090-24G`) when the memory is known;
    - the bare family (`A100`, `V100`) when the family is recognised but comes in several memory
      sizes and nothing said which one. `known` is True: the family is certain, the memory is not,
      and it is never guessed (gpu.md §6.6: 40 GB cards have been priced into 80 GB indices);
    - the raw input, stripped, when the name is not recognised or its memory fits no size of the
      family. `known` is False and `variant` is None.

    `variant` is "SXM", "PCIe", "NVL" or None (not stated).
    """

    model: str
    variant: str | None
    known: bool


@dataclass(frozen=True)
class _Family:
    name: str
    sizes_gb: tuple[int, ...]
    size_by_variant: dict[str, int] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


# Aliases are the family tokens after normalisation (upper case, vendor words and separators removed).
_FAMILIES: tuple[_Family, ...] = (
    _Family("A100", (40, 80)),
    # The China-market A100; the 40 GB part was PCIe only, but both sizes exist.
    _Family("A800", (40, 80)),
    _Family("H100", (80, 94), {"SXM": 80, "PCIe": 80, "NVL": 94}),
    _Family("H800", (80,)),
    _Family("H20", (96,)),
    _Family("H200", (141,)),
    _Family("L40S", (48,)),
    _Family("L40", (48,)),
    _Family("L20", (48,)),
    _Family("L4", (24,)),
    _Family("A40", (48,)),
    _Family("A30", (24,)),
    _Family("A10", (24,)),
    _Family("A10G", (24,)),
    _Family("T4", (16,)),
    _Family("T4G", (16,)),  # AWS g5g "NVIDIA T4G Tensor Core"
    _Family("P100", (16,)),  # Alibaba gn5
    _Family("P40", (24,)),  # Tencent GN8
    _Family("P4", (8,)),  # Alibaba gn5i
    _Family("K80", (12,)),  # AWS p2 (12 GB per exposed GPU)
    _Family("M60", (8,)),  # AWS g3
    _Family("B200", (180,)),  # AWS p6-b200, Lambda "NVIDIA B200 SXM6" 180 GB
    _Family("B300", (288,)),  # Blackwell Ultra, 288 GB HBM3e
    _Family("GB200", (186,)),  # Grace-Blackwell superchip, 186 GB HBM3e per GPU (NVL72: 13.4 TB / 72)
    _Family("GH200", (96, 144)),  # Grace-Hopper: 96 GB HBM3 (Lambda 2026) or 144 GB HBM3e
    _Family("V100", (16, 32)),
    _Family("V100S", (32,)),
    _Family("A6000", (48,), aliases=("RTXA6000",)),
    _Family("RTX6000ADA", (48,), aliases=("RTX6000ADAGENERATION",)),
    # Turing's Quadro RTX 6000 (24 GB) is neither the RTX A6000 nor the RTX 6000 Ada (both 48 GB):
    # a bare "RTX 6000" stays unknown.
    _Family("QUADRORTX6000", (24,)),
    _Family(
        "RTXPRO6000",
        (96,),
        aliases=("RTXPRO6000SERVEREDITION", "RTXPRO6000WORKSTATIONEDITION", "RTXPRO6000MAXQWORKSTATIONEDITION"),
    ),
    _Family("RTX5090", (32,), aliases=("5090",)),
    _Family("RTX4090", (24,), aliases=("4090",)),
    _Family("RTX4090D", (24,), aliases=("4090D",)),
    _Family("RTX3090", (24,), aliases=("3090",)),
)

_BY_ALIAS: dict[str, _Family] = {alias: f for f in _FAMILIES for alias in (f.name, *f.aliases)}

# NVLINK is not a variant: PCIe A100s take NVLink bridges too, so it does not imply SXM.
_VARIANTS: dict[str, str] = {
    "SXM": "SXM",
    "SXM2": "SXM",
    "SXM3": "SXM",
    "SXM4": "SXM",
    "SXM5": "SXM",
    "SXM6": "SXM",  # B200 (Lambda "NVIDIA B200 SXM6", 2026)
    "HGX": "SXM",
    "PCIE": "PCIe",
    "NVL": "NVL",
}
_NOISE = frozenset(
    {"NVIDIA", "TESLA", "GEFORCE", "TENSOR", "CORE", "GPU", "GPUS", "NVLINK", "AMPERE", "HOPPER", "BLACKWELL"}
    | {"HBM2", "HBM2E", "HBM3", "HBM3E", "GDDR6", "GDDR6X", "GDDR7", "VRAM"}
    | {"NVL72", "NVL36"}  # GB200/GB300 rack sizes, not GPU variants
)
_MEMORY_UNITS = frozenset({"G", "GB", "GIB"})
_MEMORY_TOKEN = re.compile(r"(\d{1,3})(?:G|GB|GIB)")
_COUNT_PREFIX = re.compile(r"^\s*\d+\s*[X\u00d7]\s*(?=[A-Z])")  # "8x A100", "8 x H100"
_PCIE = re.compile(r"PCI-?E(?:XPRESS)?")
_SEPARATORS = re.compile(r"[^A-Z0-9]+")


def _tokens(raw: str) -> tuple[int | None, str | None, list[str]]:
    return _split_tokens([t for t in _SEPARATORS.split(_PCIE.sub(" PCIE ", _COUNT_PREFIX.sub("", raw.upper()))) if t])


def what_was_read(raw: str) -> str:
    """What the table made of a name, for the unknown-model report: family words, variant, memory in the name."""
    memory, variant, rest = _tokens(raw)
    parts = [f"family {' '.join(rest) or '(none)'}"]
    family = _BY_ALIAS.get("".join(rest))
    parts.append("known" if family else "not in the table")
    if variant:
        parts.append(f"variant {variant}")
    if memory:
        sizes = f", the family has {'/'.join(map(str, family.sizes_gb))} GB" if family else ""
        parts.append(f"{memory} GB in the name{sizes}")
    return ", ".join(parts)


def canonical_gpu(raw: str, memory_gb: int | None = None) -> GpuName:
    """Canonicalise a GPU name as a provider writes it ("NVIDIA A100-SXM4-80GB", "RTX 4090", "H100 NVL").

    `memory_gb` is the GPU memory when the provider gives it apart from the name; a size written in
    the name wins over it, and None or 0 means "not given". A memory within 10 % of one of the
    family's sizes is snapped to it (79 GiB from 81 037 MiB is an 80 GB card). Never raises.
    """
    named_memory, variant, rest = _tokens(raw)
    family = _BY_ALIAS.get("".join(rest))
    unknown = GpuName(model=raw.strip(), variant=None, known=False)
    if family is None:
        return unknown
    memory = named_memory or memory_gb or None
    if memory is None:
        implied = family.size_by_variant.get(variant) if variant else None
        if implied is None and len(family.sizes_gb) == 1:
            implied = family.sizes_gb[0]
        if implied is None:
            return GpuName(model=family.name, variant=variant, known=True)
        memory = implied
    size = _snap(memory, family.sizes_gb)
    if size is None:
        return unknown
    return GpuName(model=f"{family.name}-{size}G", variant=variant, known=True)


def _split_tokens(tokens: list[str]) -> tuple[int | None, str | None, list[str]]:
    """Separate a memory size, a variant and the family tokens; vendor words are dropped."""
    memory: int | None = None
    variant: str | None = None
    rest: list[str] = []
    skip_next = False
    for i, token in enumerate(tokens):
        if skip_next:
            skip_next = False
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if match := _MEMORY_TOKEN.fullmatch(token):
            memory = int(match[1])
        elif token.isdigit() and following in _MEMORY_UNITS:
            memory = int(token)
            skip_next = True
        elif token in _VARIANTS:
            variant = _VARIANTS[token]
        elif token not in _NOISE:
            rest.append(token)
    return memory, variant, rest


def _snap(memory_gb: int, sizes_gb: tuple[int, ...]) -> int | None:
    """Return the family size within 10 % of `memory_gb` (the nearest one), or None."""
    near = [s for s in sizes_gb if abs(memory_gb - s) * 10 <= s]
    return min(near, key=lambda s: abs(memory_gb - s)) if near else None
