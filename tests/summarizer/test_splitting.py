"""split_sentences(): boundaries in English, other Latin-script languages, CJK and line breaks."""

from __future__ import annotations

from summarizer import split_sentences


def test_english_abbreviations_do_not_end_sentences():
    text = "Mr. Smith met U.S. officials at 5 p.m. on Monday. They agreed on a plan."
    assert split_sentences(text, "en") == [
        "Mr. Smith met U.S. officials at 5 p.m. on Monday.",
        "They agreed on a plan.",
    ]


def test_chinese_text_splits_at_chinese_full_stops():
    text = "美国和俄罗斯特使周六在迈阿密会谈。乌克兰总统表示怀疑！谈判会继续吗？"
    assert split_sentences(text, "zh") == [
        "美国和俄罗斯特使周六在迈阿密会谈。",
        "乌克兰总统表示怀疑！",
        "谈判会继续吗？",
    ]


def test_japanese_quotation_is_not_split_inside_its_brackets():
    text = "首相は「交渉を続ける。結果を待つ。」と述べた。会談は明日も行われる。"
    assert split_sentences(text, "ja") == [
        "首相は「交渉を続ける。結果を待つ。」と述べた。",
        "会談は明日も行われる。",
    ]


def test_german_abbreviations_and_ordinals_do_not_end_sentences():
    text = "Der Preis stieg z. B. am 3. Mai um 2 Mio. Euro. Danach fiel er wieder."
    assert split_sentences(text, "de") == [
        "Der Preis stieg z. B. am 3. Mai um 2 Mio. Euro.",
        "Danach fiel er wieder.",
    ]


def test_each_line_and_bullet_is_its_own_sentence():
    text = "Key points\n• Rates rise by half a point\n• Inflation stays high\nMarkets fell."
    assert split_sentences(text, "en") == [
        "Key points",
        "• Rates rise by half a point",
        "• Inflation stays high",
        "Markets fell.",
    ]


def test_a_line_starting_in_lower_case_continues_the_sentence_before_it():
    text = "The minister said the talks\nwould resume next week.\nNobody objected."
    assert split_sentences(text, "en") == [
        "The minister said the talks would resume next week.",
        "Nobody objected.",
    ]


def test_white_space_inside_a_sentence_is_collapsed():
    assert split_sentences("Talks  resumed \t on Friday.   Both sides agreed.") == [
        "Talks resumed on Friday.",
        "Both sides agreed.",
    ]


def test_empty_text_has_no_sentences():
    assert split_sentences(" \n ") == []


def test_an_unclosed_bracket_does_not_glue_the_rest_of_a_chinese_text_together():
    sentence = "这是一个很长的句子，讨论了和平谈判的许多细节。"
    text = "（注：" + sentence * 30
    assert len(split_sentences(text, "zh")) > 10


def test_a_full_stop_after_a_long_word_before_a_capital_ends_the_sentence() -> None:
    text = (
        "Analysts said prices had weighed on the market for much of the month. "
        "Delegates from the producer group are due to meet online in early January."
    )
    assert split_sentences(text) == [
        "Analysts said prices had weighed on the market for much of the month.",
        "Delegates from the producer group are due to meet online in early January.",
    ]


def test_long_abbreviations_do_not_end_a_sentence() -> None:
    assert len(split_sentences("Prices rose approx. Five percent in a year.")) == 1
