"""JSON APIs. `/api/comptoir/v1/` is Comptoir's own (token auth, OpenAPI-described); see
routes.py.
"""
