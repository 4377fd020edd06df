"""Tests on the real distributed engines (PostgreSQL, a Chroma server, Redis) on loopback."""
