"""The production line's machines: one module per stage; no LangGraph in here."""
