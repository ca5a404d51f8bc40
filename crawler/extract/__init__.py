"""Extraction building blocks that know no site: the parser and page index (``dom``), metadata
(``meta``), page specs (``spec``), the body walker (``base``), cleaning (``clean``), decoding
(``encoding``), the generic extractor (``generic/``) and media stories (``media_story``).

The front end that runs a page through the site layers and cleans it is
:mod:`crawler.extraction` (it needs ``crawler.sites``, which builds on this package)."""

from __future__ import annotations

from crawler.extract.base import NotAnArticle

__all__ = ["NotAnArticle"]
