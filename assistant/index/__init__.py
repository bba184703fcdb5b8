"""The index: build stages, the store on disk, and a loaded Index for querying.

``assistant.index.Index`` is the loaded index (loaded.py); ``build.py`` makes one from
folders of documents; ``store.py`` is its layout on disk; ``embed.py`` and
``vectors.py`` are the dense side (embedders, FAISS, the embedding cache).
"""
from assistant.index.loaded import Index

__all__ = ["Index"]
