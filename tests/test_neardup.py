"""Near-duplicate detection: precision/recall on the labelled pairs, and the building blocks."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from crawler.neardup import (
    DEFAULT_THRESHOLD,
    MinHasher,
    is_near_duplicate,
    jaccard_estimate,
    lsh_bands,
    shingles,
)
from fixtures.neardup import build_pairs

PAIRS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "neardup"
PAIRS = PAIRS_DIR / "pairs.jsonl"
POSITIVE = {"copy", "light_edit"}

TEXT = (
    "Sáng 12/7, Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị sơ kết công tác 6 tháng đầu năm. "
    "Đồng chí Trần Thị Hòa, Phó Bí thư Thường trực Tỉnh ủy chủ trì hội nghị và đề nghị các sở "
    "tập trung tháo gỡ khó khăn cho sản xuất, kinh doanh, bảo đảm sức khỏe cho người dân."
)


@pytest.fixture(scope="module")
def pairs() -> list[dict[str, str]]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def signatures(pairs: list[dict[str, str]]) -> dict[str, tuple[int, ...]]:
    hasher = MinHasher()
    texts = {p["a"] for p in pairs} | {p["b"] for p in pairs}
    return {t: hasher.signature(shingles(t)) for t in texts}


def test_fixture_is_large_balanced_and_current(
    pairs: list[dict[str, str]],
) -> None:
    labels = [p["label"] for p in pairs]
    assert len(pairs) >= 200
    assert {lab: labels.count(lab) >= 50 for lab in ("copy", "light_edit", "different")} == {
        "copy": True,
        "light_edit": True,
        "different": True,
    }
    # The committed file is exactly what the script builds: nobody hand-tuned the labels.
    assert build_pairs.build() == PAIRS.read_text(encoding="utf-8")


def test_precision_and_recall_on_labelled_pairs(
    pairs: list[dict[str, str]], signatures: dict[str, tuple[int, ...]]
) -> None:
    tp = fp = fn = 0
    for p in pairs:
        predicted = is_near_duplicate(signatures[p["a"]], signatures[p["b"]])
        actual = p["label"] in POSITIVE
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(
        f"near-duplicate precision={precision:.3f} recall={recall:.3f} on {len(pairs)} pairs"
        f" (threshold={DEFAULT_THRESHOLD})"
    )
    assert precision >= 0.95
    assert recall >= 0.95


def test_lsh_bands_find_the_positive_pairs_as_candidates(
    pairs: list[dict[str, str]], signatures: dict[str, tuple[int, ...]]
) -> None:
    # The store's near index only answers "shares a band"; that stage must not lose
    # positives, and must not flag most different stories either.
    def shares_band(p: dict[str, str]) -> bool:
        return bool(set(lsh_bands(signatures[p["a"]])) & set(lsh_bands(signatures[p["b"]])))

    positives = [p for p in pairs if p["label"] in POSITIVE]
    negatives = [p for p in pairs if p["label"] not in POSITIVE]
    found = sum(map(shares_band, positives)) / len(positives)
    false_alarms = sum(map(shares_band, negatives)) / len(negatives)
    print(f"LSH candidate recall={found:.3f} false-candidate rate={false_alarms:.3f}")
    assert found >= 0.95
    assert false_alarms <= 0.05


def test_identical_texts_estimate_one() -> None:
    hasher = MinHasher()
    sig = hasher.signature(shingles(TEXT))
    assert jaccard_estimate(sig, hasher.signature(shingles(TEXT))) == 1.0
    assert lsh_bands(sig) == lsh_bands(hasher.signature(shingles(TEXT)))


def test_tone_mark_and_character_variants_give_identical_signatures() -> None:
    variant = (
        TEXT.replace("Hòa", "Hoà")
        .replace("khỏe", "khoẻ")
        .replace(" ", "\u00a0", 5)
        .replace("kinh doanh", "kinh&nbsp;doanh")
    )
    assert variant != TEXT
    hasher = MinHasher()
    assert hasher.signature(shingles(variant)) == hasher.signature(shingles(TEXT))


def test_disjoint_texts_estimate_near_zero() -> None:
    other = (
        "Giá cà phê nhân xô tại Tây Nguyên tăng mạnh lên mức cao kỷ lục, thương lái tranh mua "
        "hàng còn lại trong dân trong khi sàn London biến động theo nguồn cung từ Indonesia."
    )
    hasher = MinHasher()
    estimate = jaccard_estimate(hasher.signature(shingles(TEXT)), hasher.signature(shingles(other)))
    assert estimate <= 0.05


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(7)
    common = {rng.getrandbits(64) for _ in range(300)}
    a = common | {rng.getrandbits(64) for _ in range(150)}
    b = common | {rng.getrandbits(64) for _ in range(150)}
    true = len(a & b) / len(a | b)  # 0.5
    hasher = MinHasher()
    assert abs(jaccard_estimate(hasher.signature(a), hasher.signature(b)) - true) < 0.12


def test_signatures_depend_on_seed_only() -> None:
    s = shingles(TEXT)
    assert MinHasher(seed=1).signature(s) == MinHasher(seed=1).signature(s)
    assert MinHasher(seed=1).signature(s) != MinHasher(seed=2).signature(s)
    assert len(MinHasher(num_perm=64).signature(s)) == 64


def test_empty_text_matches_nothing() -> None:
    hasher = MinHasher()
    empty = hasher.signature(shingles(" … "))
    assert empty == ()
    assert lsh_bands(empty) == []
    assert not is_near_duplicate(empty, empty)


def test_shingles_are_syllable_windows() -> None:
    assert len(shingles("một hai ba bốn năm", k=3)) == 3
    assert shingles("một hai ba", k=2) == shingles("Một, hai; ba!", k=2)
    with pytest.raises(ValueError, match="k must be >= 1"):
        shingles("một", k=0)


def test_mismatched_signatures_are_rejected() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        jaccard_estimate((1, 2), (1, 2, 3))
    with pytest.raises(ValueError, match="need 128 values"):
        lsh_bands(tuple(range(64)))
