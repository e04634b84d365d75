"""The city's languages: gettext catalogues, and numbers, amounts and dates for a locale.

Why here, in the kernel: the pages (web/, an edge) and the text of federated listings
(outbox/) both speak a member's language, so the catalogues and the locale rules are one
thing below both. The domain never calls this module: it returns codes and parameters, and
the edges turn them into words (docs/I18N.md).

The catalogues are `instance/locale/<lang>/LC_MESSAGES/messages.po`, English as the source.
They are compiled in memory with Babel on first use, so a clean clone needs no build step
and a .po edited by a translator takes effect at the next start.

The language of the work in hand is a context variable (`use`): the web sets it for each
request, around the handler, so templates and Python code of that request call
`gettext` without passing the language around.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from babel.support import Translations

#: the languages with a catalogue; the first is the source language of every message
SUPPORTED: tuple[str, ...] = ("en", "fr")
SOURCE = "en"
#: the folder of the catalogues (shipped as package data)
LOCALE_DIR = Path(__file__).parent / "locale"
#: the name each language goes by in its own words, for the language switch
NAMES = {"en": "English", "fr": "Français"}

_current: ContextVar[str] = ContextVar("comptoir_language", default=SOURCE)


def supported(tag: object) -> str | None:
    """The supported language a tag names ('fr-FR', 'FR', 'fr_CA' -> 'fr'), else None."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language a browser prefers most (RFC 9110 q-values), or None.

    A language with q=0 is refused, not chosen; `*` says nothing about which language.
    """
    best: tuple[float, int, str] | None = None
    for index, item in enumerate((header or "").split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        language = supported(tag)
        if language is None or quality <= 0:
            continue
        # higher quality first; on a tie, the one the browser listed first
        key = (quality, -index, language)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of `language` (the source language translates to itself)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in SUPPORTED or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def current() -> str:
    """The language of the work in hand (the request's, set by the web), or the source."""
    return _current.get()


@contextmanager
def use(language: str) -> Iterator[None]:
    """Speak `language` inside the block (rendering a federated text, a test)."""
    token = _current.set(language if language in SUPPORTED else SOURCE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """`message` (English) in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message, by the current language's plural rule."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart from the same English in `context`."""
    return translations(current()).pgettext(context, message)


def _pattern(scale: int) -> str:
    return "#,##0" + ("." + "0" * scale if scale > 0 else "")


def format_amount(minor: int, scale: int, language: str | None = None) -> str:
    """Minor units as the locale writes them: 123450 at scale 2 is '1,234.50' in English and
    '1 234,50' in French; always `scale` decimals, so amounts line up and read as money."""
    value = Decimal(minor).scaleb(-scale)
    return format_decimal(
        value, format=_pattern(scale), locale=language or current(), decimal_quantization=False
    )


def format_number(value: int | float | Decimal, language: str | None = None) -> str:
    """A count or a rate as the locale writes it (grouping, decimal comma)."""
    return format_decimal(value, locale=language or current())


def decimal_example(language: str | None = None) -> str:
    """'25.50' or '25,50': how to write an amount, for the messages that refuse one."""
    return format_amount(2550, 2, language)


_TYPED_NUMBER = re.compile(r"^[+-]?[0-9][0-9\s.,'\u00a0\u202f]*$")
_CANONICAL = re.compile(r"^[+-]?\d+(\.\d+)?$")


def canonical_decimal(text: str, language: str | None = None) -> str:
    """What a person typed in `language` ('25,50' or '1 234,50' in French, '1,234.50' in
    English) as the canonical decimal string ('1234.50') that `instance.amounts` reads.

    The canonical form is accepted in every language (a value filled back in, a client
    writing '25.50'). Text that is no number in the language comes back unchanged, so the
    canonical parser refuses it with its stable code; nothing here decides what is allowed.
    """
    stripped = text.strip()
    if _CANONICAL.match(stripped) or not _TYPED_NUMBER.match(stripped):
        return stripped
    locale = Locale.parse(language or current())
    group = locale.number_symbols["latn"]["group"]
    if group.isspace() or group in "\u00a0\u202f":
        # a French reader types a plain space, a no-break space or none at all
        stripped = re.sub(r"[\s\u00a0\u202f]", group, stripped)
    try:
        value = parse_decimal(stripped, locale=locale, strict=True)
    except NumberFormatError:
        return text.strip()
    return format(value, "f")


def zone_of(name: str | None) -> ZoneInfo:
    """The time zone named in the settings, or UTC when none (or an unknown one) is named."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def format_datetime(
    value: datetime | None, zone: str | None = None, language: str | None = None
) -> str:
    """A moment as the locale writes it, in `zone`, with the zone shown ('4 déc. 2026, 13:05
    UTC'): times without a zone were read as local by people in other zones."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    tz = zone_of(zone)
    locale = language or current()
    # the date in the locale's medium form, then hours and minutes (no seconds)
    day = babel_format_date(value.astimezone(tz), "medium", locale=locale)
    time = babel_format_datetime(
        value, "h:mm a" if locale == "en" else "HH:mm", tzinfo=tz, locale=locale
    )
    return f"{day}, {time} {value.astimezone(tz).tzname() or 'UTC'}"


def format_date(value: datetime | None, language: str | None = None) -> str:
    """A day as the locale writes it ('24 déc. 2026', 'Dec 24, 2026')."""
    if value is None:
        return ""
    return babel_format_date(value, "medium", locale=language or current())
