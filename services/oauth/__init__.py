"""The OAuth 2 server of the Mastodon client API: Authlib's grants over our tables.

`server` is the Authlib AuthorizationServer subclass with its grants and the revocation
endpoint; `requests` feeds it from Starlette requests; `flows` are the use cases the edges
call (api/ for /api/v1/apps, /oauth/token, /oauth/revoke; web/ for /oauth/authorize).
"""
