"""Text helpers for Vietnamese news: normalisation, matching keys and fingerprints
(crawler.text.normalize), cleaning rules for leads, captions and bylines
(crawler.text.cleanup) and dates (crawler.text.dates). Import them from here.

Every function is pure (the clock is only read when a caller leaves ``now``
unset) so that fingerprints and parsed dates are reproducible across runs.
"""

from __future__ import annotations

from crawler.text.cleanup import (
    is_caption_credit,
    is_image_filename_line,
    split_authors,
    strip_dateline,
)
from crawler.text.dates import VN_TZ, parse_vn_datetime, to_iso, utc_now_iso
from crawler.text.normalize import (
    FINGERPRINT_VERSION,
    ZERO_WIDTH,
    body_fingerprint,
    canonical_tone_form,
    fingerprint_text,
    join_paragraphs,
    normalize_paragraphs,
    normalize_text,
    renormalize,
)

__all__ = [
    "FINGERPRINT_VERSION",
    "VN_TZ",
    "ZERO_WIDTH",
    "body_fingerprint",
    "canonical_tone_form",
    "fingerprint_text",
    "is_caption_credit",
    "is_image_filename_line",
    "join_paragraphs",
    "normalize_paragraphs",
    "normalize_text",
    "parse_vn_datetime",
    "renormalize",
    "split_authors",
    "strip_dateline",
    "to_iso",
    "utc_now_iso",
]
