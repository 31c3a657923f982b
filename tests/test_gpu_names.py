"""Table of GPU spellings seen at providers and the canonical name each must map to."""

from __future__ import annotations

import pytest

from spiders.gpu_names import GpuName, canonical_gpu, what_was_read

# raw name, memory_gb argument, expected model, expected variant, expected known
CASES: list[tuple[str, int | None, str, str | None, bool]] = [
    # A100: the family comes in 40 and 80 GB; without a size it stays bare (gpu.md §6.6).
    ("A100 SXM4", None, "A100", "SXM", True),
    ("A100 PCIE", None, "A100", "PCIe", True),
    ("A100", None, "A100", None, True),
    ("A100", 80, "A100-80G", None, True),
    ("A100 SXM4", 40, "A100-40G", "SXM", True),
    ("A100", 79, "A100-80G", None, True),
    ("A100 80GB", 40, "A100-80G", None, True),
    ("NVIDIA A100 80GB PCIe", None, "A100-80G", "PCIe", True),
    ("A100-SXM4-80GB", None, "A100-80G", "SXM", True),
    ("NVIDIA A100-SXM4-80GB", None, "A100-80G", "SXM", True),
    ("NVIDIA A100-SXM4-40GB", None, "A100-40G", "SXM", True),
    ("A100-80GB", None, "A100-80G", None, True),
    ("A100-PCIE-40GB", None, "A100-40G", "PCIe", True),
    ("A100 40G", None, "A100-40G", None, True),
    ("a100 80 gb pci-e", None, "A100-80G", "PCIe", True),
    ("8x A100 80GB", None, "A100-80G", None, True),
    ("A100 NVLink 40GB", None, "A100-40G", None, True),
    ("A800-SXM4-80GB", None, "A800-80G", "SXM", True),
    ("A800 80GB PCIe", None, "A800-80G", "PCIe", True),
    ("A800", None, "A800", None, True),
    # Hopper
    ("H100 SXM", None, "H100-80G", "SXM", True),
    ("H100 PCIe", None, "H100-80G", "PCIe", True),
    ("H100 NVL", None, "H100-94G", "NVL", True),
    ("NVIDIA H100 NVL", 93, "H100-94G", "NVL", True),
    ("H100-SXM5-80GB", None, "H100-80G", "SXM", True),
    ("NVIDIA H100 80GB HBM3", None, "H100-80G", None, True),
    ("H100", None, "H100", None, True),
    ("H800", None, "H800-80G", None, True),
    ("H800 SXM5", None, "H800-80G", "SXM", True),
    ("H20", None, "H20-96G", None, True),
    ("NVIDIA H200", None, "H200-141G", None, True),
    ("H200 NVL", None, "H200-141G", "NVL", True),
    # single-size data-centre cards
    ("L40S", None, "L40S-48G", None, True),
    ("NVIDIA L40S", None, "L40S-48G", None, True),
    ("L40", None, "L40-48G", None, True),
    ("L4", None, "L4-24G", None, True),
    ("L20", None, "L20-48G", None, True),
    ("A10", None, "A10-24G", None, True),
    ("NVIDIA A10G", None, "A10G-24G", None, True),
    ("A40", None, "A40-48G", None, True),
    ("Tesla T4", None, "T4-16G", None, True),
    ("Tesla V100", None, "V100", None, True),
    ("Tesla V100-SXM2-32GB", None, "V100-32G", "SXM", True),
    ("V100 16GB PCIe", None, "V100-16G", "PCIe", True),
    # workstation and consumer cards
    ("RTX A6000", None, "A6000-48G", None, True),
    ("A6000", None, "A6000-48G", None, True),
    ("RTX 6000 Ada", None, "RTX6000ADA-48G", None, True),
    ("RTX 4090", None, "RTX4090-24G", None, True),
    ("GeForce RTX 4090", None, "RTX4090-24G", None, True),
    ("NVIDIA GeForce RTX 4090", 24, "RTX4090-24G", None, True),
    ("rtx4090", None, "RTX4090-24G", None, True),
    ("RTX 4090 24G", None, "RTX4090-24G", None, True),
    ("4090", None, "RTX4090-24G", None, True),
    ("RTX 4090D", None, "RTX4090D-24G", None, True),
    ("RTX 3090", None, "RTX3090-24G", None, True),
    # Blackwell and Grace (issue 13.4): SXM6 is an SXM variant, the sizes are the single sizes sold
    ("NVIDIA B200 SXM6", None, "B200-180G", "SXM", True),
    ("NVIDIA B200 SXM6", 180, "B200-180G", "SXM", True),
    ("B200", None, "B200-180G", None, True),
    ("NVIDIA HGX B200", None, "B200-180G", "SXM", True),
    ("B300", None, "B300-288G", None, True),
    ("NVIDIA B300 SXM6 288GB", None, "B300-288G", "SXM", True),
    ("GB200", None, "GB200-186G", None, True),
    ("NVIDIA GB200 NVL72", None, "GB200-186G", None, True),  # NVL72 names the rack, not a GPU variant
    ("NVIDIA GH200", 96, "GH200-96G", None, True),
    ("GH200 144GB", None, "GH200-144G", None, True),
    ("GH200", None, "GH200", None, True),
    # China-market parts
    ("NVIDIA L20", None, "L20-48G", None, True),
    ("L20 48GB", None, "L20-48G", None, True),
    ("NVIDIA H20", 96, "H20-96G", None, True),
    ("H20-96G", None, "H20-96G", None, True),
    # RTX 5090, RTX PRO 6000 (Blackwell) and Turing's Quadro RTX 6000: three different cards
    ("RTX 5090", None, "RTX5090-32G", None, True),
    ("RTX 5090-32G", None, "RTX5090-32G", None, True),
    ("NVIDIA GeForce RTX 5090", 32, "RTX5090-32G", None, True),
    ("5090", None, "RTX5090-32G", None, True),
    ("RTX PRO 6000", None, "RTXPRO6000-96G", None, True),
    ("NVIDIA RTX PRO 6000 Blackwell Server Edition", 96, "RTXPRO6000-96G", None, True),
    ("RTX PRO 6000 Blackwell Workstation Edition", None, "RTXPRO6000-96G", None, True),
    ("NVIDIA Quadro RTX 6000", 24, "QUADRORTX6000-24G", None, True),
    ("Quadro RTX 6000-24G", None, "QUADRORTX6000-24G", None, True),
    ("Quadro RTX 6000", 48, "Quadro RTX 6000", None, False),
    ("RTX 6000", None, "RTX 6000", None, False),
    # not recognised: raw (stripped) name, never a guess, never an exception
    ("  Radeon MI300X  ", None, "Radeon MI300X", None, False),
    ("Tesla P100", None, "P100-16G", None, True),
    ("Gaudi HL-205", None, "Gaudi HL-205", None, False),
    ("A100", 24, "A100", None, False),
    ("H100 NVL 188GB", None, "H100 NVL 188GB", None, False),
    ("80GB", None, "80GB", None, False),
    ("", None, "", None, False),
]


@pytest.mark.parametrize(("raw", "memory_gb", "model", "variant", "known"), CASES, ids=[repr(c[:2]) for c in CASES])
def test_canonical_gpu_maps_provider_spellings(
    raw: str, memory_gb: int | None, model: str, variant: str | None, known: bool
) -> None:
    assert canonical_gpu(raw, memory_gb) == GpuName(model=model, variant=variant, known=known)


def test_missing_memory_is_never_guessed_for_multi_size_families() -> None:
    for raw in ("A100", "A100 SXM4", "A100 PCIe", "A800", "V100", "H100"):
        assert "-" not in canonical_gpu(raw).model


def test_zero_memory_means_not_given() -> None:
    assert canonical_gpu("A100", 0) == GpuName(model="A100", variant=None, known=True)


def test_what_was_read_names_the_family_words_variant_and_memory_it_saw() -> None:
    assert what_was_read("NVIDIA Quadro RTX 8000") == "family QUADRO RTX 8000, not in the table"
    assert what_was_read("A100 24GB") == "family A100, known, 24 GB in the name, the family has 40/80 GB"
    assert what_was_read("NVIDIA B200 SXM6") == "family B200, known, variant SXM"
