"""Helpers both state store backends use."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any


def band_text(band: bytes | str) -> str:
    """An LSH band key as text (bytes keys are hex-encoded)."""
    return band.hex() if isinstance(band, bytes) else band


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items (bounded queries and scripts)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (a lock holder still running)."""
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True
