"""Speaker clustering of window embeddings, with the speaker count found or given.

Agglomerative clustering with average linkage on cosine similarity: every window starts as
its own cluster and the two most similar clusters merge until the best similarity falls under
``MERGE_SIMILARITY`` (or the count reaches what the client gave: ``num_speakers`` exactly,
``max_speakers`` at most, ``min_speakers`` at least). When the count is found, clusters that
found no speaker of their own (fewer than ``MIN_CLUSTER_WINDOWS`` windows, or under
``MIN_CLUSTER_SHARE`` of them: on an 11-minute conversation the windows over overlapped
speech, two voices at once, had formed a cluster of 1.4 % of their own) then join their
nearest cluster, and clusters whose centroids lie closer than ``SAME_VOICE_CENTROIDS`` merge:
one real voice varies more from window to window than a synthetic one, so average linkage
can stop with one reader in two clusters whose centroids are still nearly the same. Every
window is then reassigned to its nearest centroid twice, as k-means does. An item with more than ``MAX_CLUSTERED`` windows is clustered on an even sample of them
and the rest join their nearest centroid, so the cost stays bounded on hours of audio.

The thresholds were measured on the encoder with the conversations ``tests/conversations.py``
builds: whole turns of one voice have centroid similarities of 0.80-0.95, distinct voices
0.52-0.72; single 1.6 s windows spread wider, which average linkage evens out. Whole
speakers' centroids (each cluster of a conversation split into its true count) lie 0.66-0.82
apart for distinct voices, while the LibriVox reader split in two lay 0.865 apart.
"""

import logging
from dataclasses import dataclass
from typing import Optional

import numpy as np

logger = logging.getLogger(__name__)

MERGE_SIMILARITY = 0.72
SAME_VOICE_CENTROIDS = 0.84
MIN_CLUSTER_WINDOWS = 3
MIN_CLUSTER_SHARE = 0.02
MAX_CLUSTERED = 800
REFINE_ROUNDS = 2


@dataclass
class SpeakerCount:
    """What the client said of the number of speakers (all None: find it)."""

    num: Optional[int] = None
    min: Optional[int] = None
    max: Optional[int] = None

    @classmethod
    def from_dict(cls, raw: Optional[dict]) -> "SpeakerCount":
        raw = raw or {}
        return cls(raw.get("num_speakers"), raw.get("min_speakers"), raw.get("max_speakers"))

    @property
    def floor(self) -> int:
        return self.num or self.min or 1

    @property
    def ceiling(self) -> Optional[int]:
        return self.num or self.max


def cluster(embeddings: np.ndarray, count: SpeakerCount, threshold: float = MERGE_SIMILARITY) -> np.ndarray:
    """A label (0…k-1) for each unit-length embedding."""
    n = embeddings.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    sample = np.arange(n) if n <= MAX_CLUSTERED else np.linspace(0, n - 1, MAX_CLUSTERED).round().astype(np.int64)
    labels = _agglomerate(embeddings[sample], count, threshold)
    if count.num is None:
        labels = _absorb_small(embeddings[sample], labels, count.floor)
        labels = _merge_same_voice(embeddings[sample], labels, count.floor)
    for _ in range(REFINE_ROUNDS):
        labels = _nearest(embeddings, _centroids(embeddings[sample], labels))
        sample = np.arange(n)
    return _compact(labels)


def _agglomerate(vectors: np.ndarray, count: SpeakerCount, threshold: float) -> np.ndarray:
    n = vectors.shape[0]
    similarity = (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(similarity, -np.inf)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    owner = np.arange(n)
    clusters = n
    floor, ceiling = count.floor, count.ceiling
    while clusters > max(floor, 1):
        flat = int(np.argmax(similarity))
        a, b = divmod(flat, n)
        best = similarity[a, b]
        if best < threshold and (ceiling is None or clusters <= ceiling):
            break
        # Average linkage: the merged cluster's similarity to each other is the size-weighted mean.
        merged = (sizes[a] * similarity[a] + sizes[b] * similarity[b]) / (sizes[a] + sizes[b])
        similarity[a], similarity[:, a] = merged, merged
        similarity[a, a] = -np.inf
        similarity[b], similarity[:, b] = -np.inf, -np.inf
        sizes[a] += sizes[b]
        alive[b] = False
        owner[owner == b] = a
        clusters -= 1
    return owner


def _absorb_small(vectors: np.ndarray, labels: np.ndarray, floor: int) -> np.ndarray:
    """Clusters too small to be a speaker join the nearest large one (while enough remain)."""
    while True:
        names, sizes = np.unique(labels, return_counts=True)
        small = names[sizes < max(MIN_CLUSTER_WINDOWS, MIN_CLUSTER_SHARE * labels.size)]
        if small.size == 0 or names.size <= floor or small.size == names.size:
            return labels
        smallest = names[np.argmin(sizes)]
        centroids = _centroids(vectors, labels)
        others = [name for name in centroids if name != smallest]
        target = max(others, key=lambda name: float(centroids[smallest] @ centroids[name]))
        labels = np.where(labels == smallest, target, labels)


def _merge_same_voice(vectors: np.ndarray, labels: np.ndarray, floor: int) -> np.ndarray:
    """Clusters whose centroids are nearly the same voice merge, closest pair first."""
    while True:
        centroids = _centroids(vectors, labels)
        if len(centroids) <= floor:
            return labels
        names = list(centroids)
        pairs = [(float(centroids[a] @ centroids[b]), a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        best, a, b = max(pairs)
        if best < SAME_VOICE_CENTROIDS:
            return labels
        labels = np.where(labels == b, a, labels)


def _centroids(vectors: np.ndarray, labels: np.ndarray) -> dict:
    centroids = {}
    for name in np.unique(labels):
        mean = vectors[labels == name].mean(axis=0)
        centroids[int(name)] = mean / max(float(np.linalg.norm(mean)), 1e-8)
    return centroids


def _nearest(vectors: np.ndarray, centroids: dict) -> np.ndarray:
    names = np.array(list(centroids))
    matrix = np.stack([centroids[int(name)] for name in names])
    return names[np.argmax(vectors @ matrix.T, axis=1)]


def _compact(labels: np.ndarray) -> np.ndarray:
    _, compact = np.unique(labels, return_inverse=True)
    return compact.astype(np.int64)
