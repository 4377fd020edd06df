"""The producer: state, graph wiring, nodes, model factory, settings, session driver and CLI."""
