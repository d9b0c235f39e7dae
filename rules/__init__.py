"""Rules, one module per rule (``llNNN_name.py``); the engine discovers them."""
