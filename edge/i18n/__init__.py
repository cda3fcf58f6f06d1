"""Every page in the reader's language: Simplified Chinese and English, from gettext
catalogues (``locales/``), so a translator adds a language without touching code.

How it fits together (README, "Languages"):

- Python code that makes a message a person reads keeps it as an English template marked
  ``N_("fever {temperature}")`` and fills it with ``str.format``; the English text goes on to
  the page, the API, the audit trail and the logs as before.
- A page marks its own words (``data-i18n``, :mod:`edge.i18n.html`); the server translates them
  (:class:`edge.i18n.web.Localiser`) in the language the configuration pins, or the page's
  language menu chose, or the browser asks for.
- The page's scripts use ``i18n.js``: ``t("...")`` for their own words, and ``message(text)``
  for an English text from the server (a decision's reason, a device's state, an alert, an
  error), which it translates through the template it was made from, values and all.
- ``scripts/i18n`` extracts every marked string into ``locales/messages.pot`` with Babel,
  merges it into each language's ``.po`` and compiles the ``.mo`` read here;
  ``tests/i18n`` fails when a string of a page, a reason, an alert, a device state or an error
  has no translation.
"""

from edge.core.words import N_
from edge.i18n.catalogue import Catalogue, Catalogues
from edge.i18n.negotiate import AUTO, FALLBACK, choose

__all__ = ["AUTO", "FALLBACK", "N_", "Catalogue", "Catalogues", "choose"]
