"""How large an answer may be, by source kind, and how much memory a crawl may take.

Scrapy's own default lets a body grow to 1 GiB: a 1 MB gzip bomb cost 2 GiB of memory in one crawl. The
limits here are the project's defaults per kind (a spider's `custom_settings` or a source's `settings` in
aipulse.toml raise them for one source, as aws_gpu does for its tens-of-MB instances.json). Scrapy applies
DOWNLOAD_MAXSIZE to the decompressed size as well, so a bomb is cut off while it inflates.
"""

from __future__ import annotations

__all__ = ["BODY_LIMITS_MIB", "MEMORY_LIMIT_MIB", "body_limits"]

MIB = 1024 * 1024
#: kind -> (refuse above, warn above), MiB: price lists and feeds are KBs to a few MB today
BODY_LIMITS_MIB: dict[str, tuple[int, int]] = {
    "gpu": (64, 16),
    "traffic": (16, 4),
    "funding": (32, 8),
    "quotes": (16, 4),
}
_OTHER = (32, 8)
#: a crawl process above this RSS is closed by Scrapy's memusage extension (reason memusage_exceeded)
MEMORY_LIMIT_MIB = 1536


def body_limits(kind: str) -> dict[str, int]:
    """DOWNLOAD_MAXSIZE and DOWNLOAD_WARNSIZE for a source of `kind`, in bytes."""
    refuse, warn = BODY_LIMITS_MIB.get(kind, _OTHER)
    return {"DOWNLOAD_MAXSIZE": refuse * MIB, "DOWNLOAD_WARNSIZE": warn * MIB}
