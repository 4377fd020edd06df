"""Write the default key message for a brief whose person gave none, fitted to its subject.

One line for every subject ("{subject} is worth trying") read badly for anything but a product:
"Leeds bike repair shop is worth trying". The subject's kind (a person, an event, a service, a
food, a place, else a product) picks the template (``prompts/key_messages.yaml``), and the
subject gets the determiner and the verb English needs: "Our Leeds bike repair shop has you
covered", "The Westside Jazz Festival is not to be missed", "Our merino wool socks are worth
trying", "Straight talk from a life coach".
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from prompts import load_data

_WORD = re.compile(r"[\w&'’-]+")


@cache
def _data() -> dict[str, Any]:
    return dict(load_data("key_messages"))


@cache
def _grammar() -> dict[str, Any]:
    return dict(load_data("offline_copy")["grammar"])


def default_key_message(subject: str, use_case: str = "campaign") -> str:
    """Return a grammatical key message about ``subject`` that suits what kind of thing it is."""
    subject = " ".join(subject.split()).strip(" .;,!?")
    if not subject:
        subject = "our brand"
    kind = subject_kind(subject)
    template = _template(kind, use_case)
    plural = _plural(_head(subject))
    values = {
        "topic": subject,
        "ours": _with_determiner(subject, kind, use_case),
        "a": _with_article(subject),
        "is": "are" if plural else "is",
        "has": "have" if plural else "has",
    }
    out = template
    for key, value in values.items():  # plain replacement: a subject may hold braces
        out = out.replace("{" + key + "}", value)
    return _capitalize(out)


def default_cta(subject: str, use_case: str = "campaign") -> str | None:
    """Return a campaign's call to action fitted to the subject's kind; None for other uses."""
    if use_case != "campaign":
        return None
    ctas: dict[str, str] = _data()["campaign_ctas"]
    return ctas.get(subject_kind(" ".join(subject.split()) or "our brand"))


def subject_kind(subject: str) -> str:
    """Return "person", "event", "service", "food", "place" or "product" for a subject.

    A person or an event is named by the subject's head noun (its last word: "life coach",
    "charity fun run"); the other kinds by any of its words, as the built-in copy reads them
    (a "bike repair shop" is a service, not a place to visit).
    """
    data, head = _data(), _head(subject)
    for kind in ("person", "event"):
        if head in data[kind]:
            return kind
    said = subject.lower()
    kinds = dict(load_data("offline_copy")["kinds"])
    kinds["place"] = [*kinds.get("place", []), *data["place"]]
    for kind, words in kinds.items():
        if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", said) for w in words):
            return str(kind)
    return "product"


def _template(kind: str, use_case: str) -> str:
    templates = _data()["templates"]
    if use_case == "education":
        return str(templates["education"])
    chosen = templates[kind]
    if isinstance(chosen, dict):
        return str(chosen.get(use_case, chosen["default"]))
    return str(chosen)


def _words(subject: str) -> list[str]:
    return _WORD.findall(subject)


def _head(subject: str) -> str:
    words = _words(subject)
    return re.sub(r"['’]s$", "", words[-1].lower()) if words else ""


def _plural(head: str) -> bool:
    grammar = _grammar()
    return (
        len(head) > 2
        and head.endswith("s")
        and not head.endswith(("ss", "us", "is", "'s", "’s"))
        and head not in grammar["not_plural"]
    )


def _is_name(subject: str) -> bool:
    """Say whether every word of the subject is capitalized (a name), joiners aside."""
    joiners = set(_data()["name_joiners"])
    words = [w for w in _words(subject) if w.lower() not in joiners and not w.isdigit()]
    return bool(words) and all(any(c.isupper() for c in w) for w in words)


def _determined(subject: str) -> bool:
    """Say whether the subject brings its own determiner or count ("our", "three", "2")."""
    first = subject.split()[0].lower()
    counts = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
    return first in _grammar()["determiners"] or first in counts or first[:1].isdigit()


def named_with_the(subject: str) -> bool:
    """Say whether a named event or place takes "the" ("the Westside Jazz Festival")."""
    kind = subject_kind(subject)
    return _is_name(subject) and kind in ("event", "place") and (
        _head(subject) in _data()["the_before_names"]
    )


def _with_determiner(subject: str, kind: str, use_case: str) -> str:
    """Return the subject as ours ("our bike repair shop") or as a name ("the Westside ...")."""
    if _determined(subject):
        return subject
    if _is_name(subject):
        named_place = kind in ("event", "place") and _head(subject) in _data()["the_before_names"]
        return f"the {subject}" if named_place else subject
    own = _grammar()["possessive"].get(use_case, "our")
    return f"{own} {subject}"  # its case as given: "Leeds" stays a name


def _with_article(subject: str) -> str:
    """Return the subject with "a" or "an" ("a life coach"); names and plurals take none."""
    if _determined(subject) or _is_name(subject) or _plural(_head(subject)):
        return subject
    first = subject.split()[0].lower()
    data = _data()
    if first.startswith(tuple(data["an_before"])):
        article = "an"
    elif first.startswith(tuple(data["a_before"])):
        article = "a"
    else:
        article = "an" if first[:1] in "aeiou" else "a"
    return f"{article} {subject}"


def _capitalize(text: str) -> str:
    """Upper-case the first letter, unless the first word is cased on purpose ("iPhones")."""
    word = text.split(" ", 1)[0]
    if not word[:1].islower() or any(c.isupper() for c in word[1:]):
        return text
    return text[:1].upper() + text[1:]
