"""The web app behind ``ui.py``: HTML rendering, shared state, the Gradio page and the HTTP API."""
