"""JSON-LD with bundled contexts only: pyld never touches the network.

Incoming activities are handled as plain compacted JSON, the way Mastodon does, because pyld
costs about a millisecond per document (perf-limits.md, finding 5). ``needs_normalisation``
decides, in microseconds, whether a document is already in that plain shape; only the rare
one that is not (prefixed keys, contexts redefining AS terms, no context) goes through
``normalize_activity``, which compacts it against the contexts we read with.

Bundled context documents (``federation/contexts/``, the real texts, see ``_BUNDLED``) are served
by ``document_loader``. Two families are served for any origin because every server publishes
its own copy: Pleroma/Akkoma's ``{origin}/schemas/litepub-0.1.jsonld`` (served from Pleroma's
bundled text) and Comptoir's ``{base}/ns/comptoir`` (built by ``comptoir_context``). Any other
URL raises JsonLdError. The loader is passed explicitly on every pyld call;
``install_document_loader`` also makes it pyld's global default (called at start-up, never at
import).

FEP-0837 terms are served under ``https://w3id.org/fep/0837`` (the FEP's own context document,
``fep-0837.jsonld`` in the FEP repository), mapping them into ``https://w3id.org/valueflows/ont/vf#``.
"""

from __future__ import annotations

import copy
import json
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from pyld import jsonld as pyld

from federation.errors import DocumentTooLarge, JsonLdError
from federation.vocab import AS2_CONTEXT, PUBLIC, SECURITY_CONTEXT

FEP_0837_CONTEXT = "https://w3id.org/fep/0837"
GOTOSOCIAL_CONTEXT = "https://gotosocial.org/ns"
VALUEFLOWS_NAMESPACE = "https://w3id.org/valueflows/ont/vf#"
#: The IRI namespace of Comptoir's extension terms (the same on every instance).
COMPTOIR_NAMESPACE = "https://w3id.org/comptoir/ns#"

_BUNDLED: dict[str, str] = {
    AS2_CONTEXT: "activitystreams.jsonld",
    SECURITY_CONTEXT: "security-v1.jsonld",
    "https://w3id.org/identity/v1": "identity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    GOTOSOCIAL_CONTEXT: "gotosocial.jsonld",
    "https://purl.archive.org/socialweb/webfinger": "webfinger.jsonld",
    "https://litepub.social/context.jsonld": "litepub-social-context.jsonld",
    FEP_0837_CONTEXT: "fep-0837.jsonld",
}
_LITEPUB_PATH = "/schemas/litepub-0.1"
_COMPTOIR_PATH = "/ns/comptoir"

#: Extension terms Mastodon inlines in its own @context; used when normalising.
MASTODON_TERMS: dict[str, Any] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "toot": "http://joinmastodon.org/ns#",
    "Emoji": "toot:Emoji",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "memorial": "toot:memorial",
    "suspended": "toot:suspended",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "votersCount": "toot:votersCount",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "ostatus": "http://ostatus.org#",
    "atomUri": "ostatus:atomUri",
    "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
    "conversation": "ostatus:conversation",
}
#: What ``normalize_activity`` compacts against: the shape Mastodon sends, plus the FEP-0837
#: and GoToSocial terms so those come out as plain keys too.
NORMALISATION_CONTEXT: list[Any] = [
    AS2_CONTEXT,
    SECURITY_CONTEXT,
    FEP_0837_CONTEXT,
    GOTOSOCIAL_CONTEXT,
    MASTODON_TERMS,
]

_registered: dict[str, dict[str, Any]] = {}


# ----------------------------------------------------------------------------- the contexts


def comptoir_context(base_url: str) -> dict[str, Any]:
    """Our extension context, served by each instance at ``{base_url}/ns/comptoir``.

    FEP-0837 (ValueFlows) terms map exactly as the FEP's context document does. Comptoir's own
    terms live in ONE namespace, ``COMPTOIR_NAMESPACE``, whatever instance serves the document:
    city A's ``currency`` and city B's ``currency`` must be the same IRI. The document URL
    differs per instance; the terms do not. ``endTime`` is AS2.
    """
    del base_url  # every instance serves the same terms
    vf = {
        term: f"vf:{term}"
        for term in (
            "Proposal",
            "Intent",
            "Agreement",
            "Commitment",
            "purpose",
            "publishes",
            "reciprocal",
            "stipulates",
            "stipulatesReciprocal",
            "resourceConformsTo",
            "resourceQuantity",
            "availableQuantity",
            "minimumQuantity",
            "unitBased",
            "hasUnit",
            "hasNumericalValue",
            "action",
            "satisfies",
        )
    }
    own = {
        term: f"comptoir:{term}"
        for term in (
            "currency",
            "currencyCode",
            "scale",
            "unitHours",
            "ExchangeRule",
            "Settlement",
            "sourceAmount",
            "targetAmount",
            "ruleHash",
            "endState",
            # exchange rules agreed between cities (docs/FEDERATION.md)
            "version",
            "replaces",
            "proposer",
            "responder",
            "proposerCurrency",
            "proposerScale",
            "responderCurrency",
            "responderScale",
            "rateNum",
            "rateDen",
            "feeBps",
            "minAmount",
            "maxAmount",
            "importCap",
            "exportCap",
            "reasonCode",
            "status",
            # the quote an agreement fixes
            "Quote",
            "quote",
            "exchangeRule",
            "sellerAmount",
            "sellerCurrency",
            "buyerAmount",
            "buyerCurrency",
            # cross-city settlements (docs/FEDERATION.md)
            "Settle",
            "payer",
            "payee",
            "rule",
            "settlementState",
            "refusalCode",
            "temporary",
            "settlementBatches",
            # local projects funded by pledges (docs/FEDERATION.md, "Projects")
            "goal",
            "pledged",
            "pledgers",
            "projectState",
        )
    }
    dated = {"@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    return {
        "@context": {
            "vf": VALUEFLOWS_NAMESPACE,
            "comptoir": COMPTOIR_NAMESPACE,
            **vf,
            **own,
            "expiresAt": {"@id": "comptoir:expiresAt", **dated},
            "decisionDeadline": {"@id": "comptoir:decisionDeadline", **dated},
            "validFrom": {"@id": "comptoir:validFrom", **dated},
            "validUntil": {"@id": "comptoir:validUntil", **dated},
            "counterOffer": {"@id": "comptoir:counterOffer", "@type": "@id"},
        }
    }


def _key(url: str) -> str | None:
    """The lookup key of a context URL: http and https alike, no fragment, no trailing slash,
    no ``.jsonld``/``.json`` suffix, lower-case host. None for non-http(s) URLs."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path.rstrip("/")
    for suffix in (".jsonld", ".json"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return parts.netloc.lower() + path + (f"?{parts.query}" if parts.query else "")


@cache
def _read_context(filename: str) -> dict[str, Any]:
    text = (resources.files("federation") / "contexts" / filename).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _bundled_documents() -> dict[str, dict[str, Any]]:
    return {
        key: _read_context(filename)
        for url, filename in _BUNDLED.items()
        if (key := _key(url)) is not None
    }


def _lookup(url: str) -> dict[str, Any] | None:
    key = _key(url)
    if key is None:
        return None
    found = _registered.get(key) or _bundled_documents().get(key)
    if found is not None:
        return found
    path = urlsplit(url.strip()).path.rstrip("/")
    if path.endswith(_COMPTOIR_PATH):
        parts = urlsplit(url.strip())
        return comptoir_context(
            f"{parts.scheme.lower()}://{parts.netloc.lower()}{path[: -len(_COMPTOIR_PATH)]}"
        )
    if path.removesuffix(".jsonld") == _LITEPUB_PATH:
        return _read_context("litepub-0.1.jsonld")
    return None


def is_known_context(url: str) -> bool:
    """True when ``document_loader`` can serve ``url`` (without any network access)."""
    return _lookup(url) is not None


def register_context(url: str, document: dict[str, Any]) -> None:
    """Serve ``document`` for ``url`` from now on (the instance registers its own context at
    start-up). pyld's cache of resolved contexts is cleared so the new text is used."""
    key = _key(url)
    if key is None:
        raise ValueError(f"not an http(s) URL: {url}")
    _registered[key] = copy.deepcopy(document)
    _plain_safe_url.cache_clear()
    pyld._resolved_context_cache.clear()


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader serving bundled contexts only; raises JsonLdError for any other URL.

    Returns a copy (pyld may rewrite relative URLs in place) tagged ``static`` so pyld keeps the
    resolved context in its shared cache."""
    document = _lookup(url)
    if document is None:
        raise JsonLdError(
            f"JSON-LD context {url} is not bundled (remote contexts are never fetched)"
        )
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(document),
        "contentType": "application/ld+json",
        "tag": "static",
    }


def install_document_loader() -> None:
    """Make ``document_loader`` pyld's global default (call once at start-up)."""
    pyld.set_document_loader(document_loader)


# ------------------------------------------------------------------------------ operations


def _options(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"documentLoader": document_loader}
    if extra:
        options.update(extra)
    return options


def expand(doc: dict[str, Any]) -> list[Any]:
    """JSON-LD expansion with bundled contexts only; raises JsonLdError."""
    try:
        return pyld.expand(doc, _options())
    except JsonLdError:
        raise
    except Exception as exc:  # pyld on hostile input raises more than its own JsonLdError
        raise JsonLdError(f"cannot expand document: {_cause(exc)}") from exc


def compact(doc: Any, context: Any) -> dict[str, Any]:
    """JSON-LD compaction of ``doc`` against ``context`` with bundled contexts only."""
    try:
        return pyld.compact(doc, context, _options())
    except JsonLdError:
        raise
    except Exception as exc:  # pyld on hostile input raises more than its own JsonLdError
        raise JsonLdError(f"cannot compact document: {_cause(exc)}") from exc


def _cause(exc: BaseException) -> str:
    """The innermost message, so "context X is not bundled" reaches the log."""
    for _ in range(10):
        inner = exc.__cause__ or getattr(exc, "cause", None)
        if not isinstance(inner, BaseException):
            break
        exc = inner
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _restore_public(value: Any) -> Any:
    """Compaction writes ``@id``-typed values with prefixes (``as:Public``); put the public
    collection back in the full form Mastodon sends."""
    if isinstance(value, dict):
        return {key: _restore_public(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_public(item) for item in value]
    return PUBLIC if value == "as:Public" else value


#: The most values (objects, arrays, scalars, keys) a document may have to be normalised. pyld
#: costs roughly 0.1 ms per value on this machine; real activities have a few hundred at most.
MAX_NORMALISED_VALUES = 2_000


def count_values(doc: Any, limit: int) -> int:
    """How many values `doc` holds (each key counted too), stopping once past `limit`."""
    count = 0
    stack = [doc]
    while stack and count <= limit:
        node = stack.pop()
        count += 1
        if isinstance(node, dict):
            count += len(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


def normalize_activity(doc: dict[str, Any]) -> dict[str, Any]:
    """Re-shape an oddly written activity into the plain shape Mastodon sends.

    Expands ``doc`` (assuming the AS2 context when it is missing, as the AS2 spec requires for
    ``application/activity+json``) and compacts it against ``NORMALISATION_CONTEXT`` plus any
    Comptoir contexts it used, so ``as:actor`` becomes ``actor`` and so on. Raises JsonLdError;
    DocumentTooLarge, before pyld runs, for a document of more than MAX_NORMALISED_VALUES values
    (pyld's time grows with them, and nothing else bounds it).
    """
    if count_values(doc, MAX_NORMALISED_VALUES) > MAX_NORMALISED_VALUES:
        raise DocumentTooLarge(f"document has more than {MAX_NORMALISED_VALUES} values")
    entries = doc.get("@context")
    entries = entries if isinstance(entries, list) else ([] if entries is None else [entries])
    if not any(isinstance(e, str) and _key(e) == _key(AS2_CONTEXT) for e in entries):
        doc = {**doc, "@context": [AS2_CONTEXT, *entries]}
    comptoir = [e for e in entries if isinstance(e, str) and _is_comptoir(e)]
    compacted = compact(expand(doc), [*NORMALISATION_CONTEXT, *comptoir])
    return _restore_public(compacted)


def _is_comptoir(url: str) -> bool:
    return urlsplit(url.strip()).path.rstrip("/").endswith(_COMPTOIR_PATH)


# --------------------------------------------------------------------- the plain-shape test


@lru_cache(maxsize=1)
def _as_terms() -> dict[str, str]:
    """AS2 term -> the IRI (or keyword) it stands for."""
    context = _bundled_documents()[_key(AS2_CONTEXT) or ""]["@context"]
    return {term: _iri_of(definition, context) or "" for term, definition in context.items()}


def _iri_of(definition: Any, prefixes: dict[str, Any]) -> str | None:
    """The IRI a term definition maps to, expanding a ``prefix:`` from ``prefixes`` or AS2's."""
    if isinstance(definition, dict):
        definition = definition.get("@id")
    if not isinstance(definition, str):
        return None
    prefix, sep, rest = definition.partition(":")
    if sep and not rest.startswith("//"):
        namespace = prefixes.get(prefix)
        if namespace is None and prefixes is not _AS_PREFIXES:
            namespace = _AS_PREFIXES.get(prefix)
        if isinstance(namespace, str):
            return namespace + rest
    return definition


_AS_PREFIXES = {
    "as": "https://www.w3.org/ns/activitystreams#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "ldp": "http://www.w3.org/ns/ldp#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
#: Keywords in an inline context that leave the JSON keys meaning what AS2 says (not ``@base``).
_HARMLESS_KEYWORDS = frozenset(
    {"@language", "@version", "@protected", "@vocab", "@direction", "@propagate"}
)


def _inline_is_plain(context: dict[str, Any]) -> bool:
    """An inline context keeps the plain shape if it redefines no AS2 term to another IRI."""
    as_terms = _as_terms()
    for term, definition in context.items():
        if term.startswith("@"):
            if term not in _HARMLESS_KEYWORDS:
                return False
        elif term in as_terms and _iri_of(definition, context) != as_terms[term]:
            return False
    return True


@lru_cache(maxsize=256)
def _plain_safe_url(url: str) -> bool:
    """A context URL keeps the plain shape if we can serve it and nothing in it (following
    nested URLs) redefines an AS2 term."""
    if _key(url) == _key(AS2_CONTEXT):
        return True
    document = _lookup(url)
    if document is None:
        return False
    context = document.get("@context")
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            if not _plain_safe_url(entry):
                return False
        elif not isinstance(entry, dict) or not _inline_is_plain(entry):
            return False
    return True


def _has_unplain_keys(doc: dict[str, Any]) -> bool:
    """Any key, at any depth, that is a compact IRI (``as:actor``) or a keyword (``@type``),
    other than the top-level ``@context``."""
    stack: list[Any] = [doc]
    top = True
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if ":" in key or (key[:1] == "@" and not (top and key == "@context")):
                    return True
                if isinstance(value, (dict, list)) and key != "@context":
                    stack.append(value)
            top = False
        else:
            stack.extend(item for item in node if isinstance(item, (dict, list)))
    return False


def needs_normalisation(doc: dict[str, Any]) -> bool:
    """False when ``doc`` is already in the plain shape Mastodon sends, so the hot path can read
    it as plain JSON without pyld: ``@context`` is the AS2 URL, or a list starting with it whose
    other entries are servable context URLs or inline objects that redefine no AS2 term, and no
    key anywhere is a compact IRI or a keyword. True otherwise (then call normalize_activity)."""
    context = doc.get("@context")
    if context != AS2_CONTEXT:
        if not isinstance(context, list) or not context or context[0] != AS2_CONTEXT:
            return True
        for entry in context[1:]:
            if isinstance(entry, str):
                if not _plain_safe_url(entry):
                    return True
            elif not isinstance(entry, dict) or not _inline_is_plain(entry):
                return True
    return _has_unplain_keys(doc)
