"""Style-anchor and project memory on chromadb, embedded offline.

Import ``memory.embedding`` (or anything that imports it) in every process that opens a
collection: it registers the embedding function chromadb needs to reopen collections.
"""
