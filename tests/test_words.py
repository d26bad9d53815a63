"""The word primitives clustering and the writer share (newsloom.words), and what they mean
for each: the same figure written three ways is one number; each keeps its own stop words."""

from newsloom.cluster.text import STOP_WORDS as CLUSTER_STOP
from newsloom.cluster.text import tokens
from newsloom.words import FUNCTION_WORDS, TOKEN, guess_language, normalise_number, stem
from newsloom.write.sentences import STOP_WORDS as WRITER_STOP
from newsloom.write.sentences import content_words, numbers
from newsloom.write.verify import supported


def test_tokens_keep_acronyms_numbers_and_apostrophes():
    text = "The U.S. added 266K jobs; O'Neill's office said 9.3% in 2021."
    assert TOKEN.findall(text) == [
        "The", "U.S.", "added", "266K", "jobs", "O'Neill's", "office", "said", "9.3", "in", "2021",
    ]  # fmt: skip


def test_one_figure_written_three_ways_is_one_number():
    assert normalise_number("385,000") == normalise_number("385K") == "385000"
    assert normalise_number("385000") == "385000"
    assert normalise_number("9.3") == "9.3"
    assert normalise_number("1.234.567") == "1234567"
    assert normalise_number("9,5") == "9.5"  # a decimal comma, not a thousands group
    assert normalise_number("2.5k") == "2500"


def test_stem_is_light():
    words = ("claims", "cities", "taxes", "biden's", "biden’s", "bus", "crisis")
    assert [stem(w) for w in words] == ["claim", "city", "tax", "biden", "biden", "bus", "crisis"]


def test_guess_language_among_the_languages_asked():
    german = "Die Regierung hat am Montag beschlossen, dass die Steuer für alle Bürger steigt."
    italian = "Il governo ha deciso che la tassa per gli italiani non è una buona idea della casa."
    assert guess_language(german) == "de"
    assert guess_language(italian) == "it"
    assert guess_language(italian, ("en", "de", "es", "fr")) != "it"
    assert guess_language("Too short to tell.") is None
    assert guess_language(german, min_words=50) is None


def test_each_user_keeps_its_own_stop_words():
    # Clustering drops words of time (days are a signal of their own); the writer keeps them,
    # because a sentence that says "Monday" must be checked against its sources.
    assert FUNCTION_WORDS <= CLUSTER_STOP and FUNCTION_WORDS <= WRITER_STOP
    assert "monday" in CLUSTER_STOP and "monday" not in WRITER_STOP
    assert "monday" not in tokens("The council met on Monday")
    assert "monday" in content_words("The council met on Monday")


def test_writer_matches_a_shortened_figure_to_the_source():
    source = "The economy added 266,000 jobs in April, far fewer than the 1 million expected."
    assert numbers("Employers added 266K jobs") == ["266000"]
    ok, details = supported("The economy added 266K jobs in April.", [source])
    assert ok, details
    ok, details = supported("The economy added 267K jobs in April.", [source])
    assert not ok and details["missing_numbers"] == ["267000"]
