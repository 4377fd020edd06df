"""Settings that choose the engines."""
