"""A length, platform or language read from the words wins over a model's interpretation."""

from __future__ import annotations

from agent.brain.forms import BriefUpdate
from agent.chat.understand import with_certain


def _model_said(**fields: object) -> BriefUpdate:
    return BriefUpdate.model_validate(fields)


def test_the_platform_named_wins_over_the_models_extra_one() -> None:
    text = "My YouTube channel teaches beginner guitar, a 30 second intro video"
    got = with_certain(_model_said(subject="guitar lessons", platforms=["youtube", "reels"],
                                   duration_s=60), text).stated()
    assert got["platforms"] == ["youtube"] and got["duration_s"] == 30
    assert got["subject"] == "guitar lessons"  # the model's reading of the rest stands


def test_a_model_value_stands_where_the_words_name_none() -> None:
    got = with_certain(_model_said(subject="gelato cart", platforms=["tiktok"]),
                       "hiya, we own a little gelato cart at the beach").stated()
    assert got["platforms"] == ["tiktok"] and got["subject"] == "gelato cart"


def test_a_subject_wrapped_in_its_place_is_the_thing_itself() -> None:
    from agent.chat.understand import headed_subject

    assert headed_subject("ramen bar in Portland", "ramen bar") == "ramen bar"
    assert headed_subject("plant nursery in Tucson", "plant nursery") == "plant nursery"
    assert headed_subject("guitar lessons", "beginner guitar") == "guitar lessons"  # not wrapped
    assert headed_subject("cold brew", "cold brew") == "cold brew"
    assert headed_subject("barista training", "bar") == "barista training"  # whole words only


def test_a_name_before_the_thing_stays() -> None:
    from agent.chat.understand import headed_subject

    assert headed_subject("Leeds bike repair shop", "bike repair shop") == "Leeds bike repair shop"


def test_the_persons_own_words_stand_over_a_models_paraphrase() -> None:
    from agent.chat.understand import own_words

    text = ("video on why bees matter for primary school kids, 45 sec youtube, "
            "playful and bright. Call us any time")
    rules = {"audience": "primary school kids", "cta": "Call us any time",
             "subject": "why bees matter", "tone": "playful and bright", "title": "Why Bees Matter"}
    model = {"audience": "primary school students", "cta": "call us now",
             "subject": "bee conservation", "tone": "playful and bright", "title": "Bee Video"}
    assert own_words(model, rules, text) == {
        "audience": "primary school kids", "cta": "Call us any time",
        "subject": "why bees matter", "title": "Why Bees Matter",
    }


def test_a_models_reading_in_the_persons_words_stands() -> None:
    from agent.chat.understand import own_words

    text = "We're a small bike repair shop in Leeds, for commuters and students on bikes"
    rules = {"subject": "bike repair shop", "audience": "commuters"}
    # A name before the thing, and a wider piece of the person's words, are the model's to keep.
    model = {"subject": "Leeds bike repair shop", "audience": "commuters and students on bikes"}
    assert own_words(model, rules, text) == {}
    # A shorter piece of who the rules read loses to the whole.
    assert own_words({"audience": "students"}, {"audience": "commuters and students"},
                     "for commuters and students") == {"audience": "commuters and students"}


def test_a_title_is_the_persons_only_when_they_quoted_it() -> None:
    from agent.chat.understand import own_words

    rules = {"title": "Oxford Mobile Bike Mechanic Service"}
    text = "i run a mobile bike mechanic service in oxford, need a tiktok"
    assert own_words({"title": "Mobile Bike Mechanic Service"}, rules, text) == rules
    quoted = 'a reel called "Spokes at Dawn" for our mobile bike mechanic service'
    assert own_words({"title": "Spokes at Dawn"}, rules, quoted) == {}
