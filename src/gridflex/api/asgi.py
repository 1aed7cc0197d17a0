"""The ASGI entry point for servers: ``uvicorn gridflex.api.asgi:app`` (settings from the environment)."""

from gridflex.api.app import create_app

app = create_app()
