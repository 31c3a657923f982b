"""Alibaba Cloud GPU instance families and types: which GPU, how many, vCPUs and memory (gpu.md §5)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ALIYUN_FAMILIES", "ALIYUN_SKUS", "AliyunFamily", "AliyunSku", "TypeSpec", "describe_instance_type"]


@dataclass(frozen=True)
class AliyunFamily:
    """The GPU of an instance family as the official tables describe it (name with variant, memory per GPU)."""

    gpu: str
    memory_gb: int


@dataclass(frozen=True)
class AliyunSku:
    """One row of an official spec table: GPUs, vCPUs and memory (GiB) of an instance type."""

    gpu_count: int
    vcpus: int
    memory_gb: int


#: family -> GPU. The price file names no hardware, so the family is the only key. From the official tables
#: (help.aliyun.com "GPU-accelerated compute-optimized instance families", English copy read 2026-11; gn7/gn7e
#: also /work/shared/samples/gpu/alibaba_gn7_gn7e_instance_types_doc_excerpt.md, whose tables give only the
#: memory: the A100 is gpu.md §5). Left out on purpose: gn8v/gn8v-tee/ebmgn8v (96 GB, GPU not named) and
#: ebmgn9g* (Blackwell, not named) are reported as unknown families rather than guessed.
ALIYUN_FAMILIES: dict[str, AliyunFamily] = {
    "gn5": AliyunFamily("NVIDIA P100", 16),
    "gn5i": AliyunFamily("NVIDIA P4", 8),
    "gn6i": AliyunFamily("NVIDIA T4", 16),
    "ebmgn6i": AliyunFamily("NVIDIA T4", 16),
    # gn6v/gn6e: "NVIDIA V100 GPUs (SXM2-based)" in the docs.
    "gn6v": AliyunFamily("NVIDIA V100 SXM2", 16),
    "ebmgn6v": AliyunFamily("NVIDIA V100 SXM2", 16),
    "gn6e": AliyunFamily("NVIDIA V100 SXM2", 32),
    "ebmgn6e": AliyunFamily("NVIDIA V100 SXM2", 32),
    "gn7": AliyunFamily("NVIDIA A100", 40),
    "ebmgn7": AliyunFamily("NVIDIA A100", 40),
    "gn7e": AliyunFamily("NVIDIA A100", 80),
    "ebmgn7e": AliyunFamily("NVIDIA A100", 80),
    "gn7i": AliyunFamily("NVIDIA A10", 24),
    "ebmgn7i": AliyunFamily("NVIDIA A10", 24),
    "gn7s": AliyunFamily("NVIDIA A30", 24),
    "gn8is": AliyunFamily("NVIDIA L20", 48),
    "ebmgn8is": AliyunFamily("NVIDIA L20", 48),
    "ebmgn8ia": AliyunFamily("NVIDIA L20", 48),
}

#: instance type -> (GPUs, vCPUs, GiB), copied from the same official tables. A type missing here falls back
#: to its name (describe_instance_type); the table wins because names round (gn6v-c10g1.20xlarge has 82 vCPUs).
ALIYUN_SKUS: dict[str, AliyunSku] = {
    "ecs.gn8is.2xlarge": AliyunSku(1, 8, 64),
    "ecs.gn8is.4xlarge": AliyunSku(1, 16, 128),
    "ecs.gn8is-2x.8xlarge": AliyunSku(2, 32, 256),
    "ecs.gn8is-4x.16xlarge": AliyunSku(4, 64, 512),
    "ecs.gn8is-8x.32xlarge": AliyunSku(8, 128, 1024),
    "ecs.gn7e-c16g1.4xlarge": AliyunSku(1, 16, 125),
    "ecs.gn7e-c16g1.8xlarge": AliyunSku(2, 32, 250),
    "ecs.gn7e-c16g1.16xlarge": AliyunSku(4, 64, 500),
    "ecs.gn7e-c16g1.32xlarge": AliyunSku(8, 128, 1000),
    "ecs.gn7i-c8g1.2xlarge": AliyunSku(1, 8, 30),
    "ecs.gn7i-c16g1.4xlarge": AliyunSku(1, 16, 60),
    "ecs.gn7i-c32g1.8xlarge": AliyunSku(1, 32, 188),
    "ecs.gn7i-c32g1.16xlarge": AliyunSku(2, 64, 376),
    "ecs.gn7i-c32g1.32xlarge": AliyunSku(4, 128, 752),
    "ecs.gn7i-c48g1.12xlarge": AliyunSku(1, 48, 310),
    "ecs.gn7i-c56g1.14xlarge": AliyunSku(1, 56, 346),
    "ecs.gn7i-2x.8xlarge": AliyunSku(2, 32, 128),
    "ecs.gn7i-4x.8xlarge": AliyunSku(4, 32, 128),
    "ecs.gn7i-4x.16xlarge": AliyunSku(4, 64, 256),
    "ecs.gn7i-8x.32xlarge": AliyunSku(8, 128, 512),
    "ecs.gn7i-8x.16xlarge": AliyunSku(8, 64, 256),
    "ecs.gn7s-c8g1.2xlarge": AliyunSku(1, 8, 60),
    "ecs.gn7s-c16g1.4xlarge": AliyunSku(1, 16, 120),
    "ecs.gn7s-c32g1.8xlarge": AliyunSku(1, 32, 250),
    "ecs.gn7s-c32g1.16xlarge": AliyunSku(2, 64, 500),
    "ecs.gn7s-c32g1.32xlarge": AliyunSku(4, 128, 1000),
    "ecs.gn7s-c48g1.12xlarge": AliyunSku(1, 48, 380),
    "ecs.gn7s-c56g1.14xlarge": AliyunSku(1, 56, 440),
    "ecs.gn7-c12g1.3xlarge": AliyunSku(1, 12, 94),
    "ecs.gn7-c13g1.13xlarge": AliyunSku(4, 52, 378),
    "ecs.gn7-c13g1.26xlarge": AliyunSku(8, 104, 756),
    "ecs.gn6i-c4g1.xlarge": AliyunSku(1, 4, 15),
    "ecs.gn6i-c8g1.2xlarge": AliyunSku(1, 8, 31),
    "ecs.gn6i-c16g1.4xlarge": AliyunSku(1, 16, 62),
    "ecs.gn6i-c24g1.6xlarge": AliyunSku(1, 24, 93),
    "ecs.gn6i-c40g1.10xlarge": AliyunSku(1, 40, 155),
    "ecs.gn6i-c24g1.12xlarge": AliyunSku(2, 48, 186),
    "ecs.gn6i-c24g1.24xlarge": AliyunSku(4, 96, 372),
    "ecs.gn6e-c12g1.3xlarge": AliyunSku(1, 12, 92),
    "ecs.gn6e-c12g1.6xlarge": AliyunSku(2, 24, 184),
    "ecs.gn6e-c12g1.12xlarge": AliyunSku(4, 48, 368),
    "ecs.gn6e-c12g1.24xlarge": AliyunSku(8, 96, 736),
    "ecs.gn6v-c8g1.2xlarge": AliyunSku(1, 8, 32),
    "ecs.gn6v-c8g1.4xlarge": AliyunSku(2, 16, 64),
    "ecs.gn6v-c8g1.8xlarge": AliyunSku(4, 32, 128),
    "ecs.gn6v-c8g1.16xlarge": AliyunSku(8, 64, 256),
    "ecs.gn6v-c10g1.20xlarge": AliyunSku(8, 82, 336),
    "ecs.ebmgn8ia.64xlarge": AliyunSku(4, 256, 1536),
    "ecs.ebmgn8is.32xlarge": AliyunSku(8, 128, 1024),
    "ecs.ebmgn7e.32xlarge": AliyunSku(8, 128, 1024),
    "ecs.ebmgn7i.32xlarge": AliyunSku(4, 128, 768),
    "ecs.ebmgn7.26xlarge": AliyunSku(8, 104, 768),
    "ecs.ebmgn6e.24xlarge": AliyunSku(8, 96, 768),
    "ecs.ebmgn6v.24xlarge": AliyunSku(8, 96, 384),
    "ecs.ebmgn6i.24xlarge": AliyunSku(4, 96, 384),
    "ecs.gn5i-c2g1.large": AliyunSku(1, 2, 8),
    "ecs.gn5i-c4g1.xlarge": AliyunSku(1, 4, 16),
    "ecs.gn5i-c8g1.2xlarge": AliyunSku(1, 8, 32),
    "ecs.gn5i-c16g1.4xlarge": AliyunSku(1, 16, 64),
    "ecs.gn5i-c16g1.8xlarge": AliyunSku(2, 32, 128),
    "ecs.gn5i-c28g1.14xlarge": AliyunSku(2, 56, 224),
    "ecs.gn5-c4g1.xlarge": AliyunSku(1, 4, 30),
    "ecs.gn5-c8g1.2xlarge": AliyunSku(1, 8, 60),
    "ecs.gn5-c4g1.2xlarge": AliyunSku(2, 8, 60),
    "ecs.gn5-c8g1.4xlarge": AliyunSku(2, 16, 120),
    "ecs.gn5-c28g1.7xlarge": AliyunSku(1, 28, 112),
    "ecs.gn5-c8g1.8xlarge": AliyunSku(4, 32, 240),
    "ecs.gn5-c28g1.14xlarge": AliyunSku(2, 56, 224),
    "ecs.gn5-c8g1.14xlarge": AliyunSku(8, 54, 480),
}

# Instance type names: ecs.<family>[-<suffix>…][-<n>x | -c<vcpus per GPU>g<gpus>].<size>
_VGPU_FAMILY = re.compile(r"[vs]gn\d+[a-z]*")  # vgn6i, sgn7i: slices of a GPU
_GPU_FAMILY = re.compile(r"[a-z]*gn\d+[a-z]*")  # gn7, ebmgn7e, sccgn6, …
_GPU_COUNT_TOKEN = re.compile(r"(\d+)x")
_RATIO_TOKEN = re.compile(r"c(\d+)g(\d+)")
_SIZE = re.compile(r"(\d*)xlarge|large")


@dataclass(frozen=True)
class TypeSpec:
    """What an instance type has: GPUs, vCPUs, GiB; `from_name` when read from its name, not a table."""

    family: str
    sku: AliyunSku | None
    gpu_count: int
    vcpus: int | None
    memory_gb: int | None
    from_name: bool


def describe_instance_type(instance_type: str) -> TypeSpec | str:
    """The GPU spec of an ECS instance type, or the reason it is not a whole-GPU type we know.

    The official table (ALIYUN_SKUS) wins; otherwise the GPU count is read from the documented name
    parts (`-4x` = 4 GPUs; `-c12g1` = 12 vCPUs per GPU with `<n>xlarge` = 4n vCPUs) and the memory is unknown.
    """
    name = instance_type.removeprefix("ecs.")
    head, _, size = name.partition(".")
    tokens = head.split("-")
    if _VGPU_FAMILY.fullmatch(tokens[0]):
        return f"{instance_type}: vGPU slice, not a whole GPU"
    if not _GPU_FAMILY.fullmatch(tokens[0]):
        return f"{instance_type}: not a GPU instance type"
    gpus_token = next((m for t in tokens[1:] if (m := _GPU_COUNT_TOKEN.fullmatch(t))), None)
    ratio = next((m for t in tokens[1:] if (m := _RATIO_TOKEN.fullmatch(t))), None)
    family = "-".join(t for t in tokens if not (_GPU_COUNT_TOKEN.fullmatch(t) or _RATIO_TOKEN.fullmatch(t)))
    if family not in ALIYUN_FAMILIES:
        return f"{instance_type}: unknown GPU family {family!r}, add it to ALIYUN_FAMILIES"
    sku = ALIYUN_SKUS.get(instance_type)
    if sku is not None:
        return TypeSpec(family, sku, sku.gpu_count, sku.vcpus, sku.memory_gb, from_name=False)
    vcpus = _vcpus_from_size(size)
    gpu_count: int | None = None
    if gpus_token is not None:
        gpu_count = int(gpus_token[1])
    elif ratio is not None and vcpus is not None and vcpus % int(ratio[1]) == 0:
        gpu_count = vcpus // int(ratio[1]) * int(ratio[2])
    if not gpu_count:
        return f"{instance_type}: GPU count neither in ALIYUN_SKUS nor in the name, add it to ALIYUN_SKUS"
    return TypeSpec(family, None, gpu_count, vcpus, None, from_name=True)


def _vcpus_from_size(size: str) -> int | None:
    match = _SIZE.fullmatch(size)
    if match is None:
        return None
    if match[0] == "large":
        return 2
    return 4 * int(match[1] or 1)
