"""Frequent words and phrases of ticket subjects, per category.

Chinese has no spaces between words, so subjects are segmented with jieba; English
words are lower-cased and stop words dropped. jieba loads a dictionary of ~350,000
words (about a second) the first time it is needed in a process and keeps it;
segmented subjects are remembered too, so a report read again costs little.
"""

import functools
import logging
import re
import threading
from collections import Counter

SUBJECT_LIMIT = 3000  # distinct (category, subject) pairs read, most frequent first
WORDS_PER_CATEGORY = 8

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "cannot",
        "can't",
        "do",
        "does",
        "doesn't",
        "don't",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "isn't",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "please",
        "re",
        "fw",
        "fwd",
        "so",
        "the",
        "this",
        "to",
        "too",
        "up",
        "was",
        "we",
        "what",
        "when",
        "why",
        "with",
        "won't",
        "you",
        "your",
        "after",
        "since",
        "still",
        "our",
        "all",
        "any",
        "get",
        "got",
        "help",
        "issue",
        "problem",
        "question",
        "urgent",
        "的",
        "了",
        "和",
        "是",
        "在",
        "我",
        "我们",
        "你",
        "你们",
        "吗",
        "呢",
        "请",
        "无法",
        "不能",
        "一个",
        "有",
        "没有",
        "问题",
        "什么",
        "怎么",
        "如何",
        "后",
        "时",
        "到",
        "被",
        "把",
        "还",
        "也",
        "都",
        "就",
        "很",
    ]
)
WORD = re.compile(r"[\w\-.]+", re.UNICODE)
HAS_CHINESE = re.compile(r"[\u4e00-\u9fff]")

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """jieba's tokenizer, loaded once per process on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                loaded = jieba.Tokenizer()
                loaded.initialize()
                _tokenizer = loaded
    return _tokenizer


@functools.lru_cache(maxsize=50_000)
def tokens_of(subject):
    """The subject's tokens in order, None where a stop word or punctuation was dropped
    (so phrases never join words that weren't next to each other). Cached: a tuple."""
    text = subject.lower()
    pieces = tokenizer().cut(text) if HAS_CHINESE.search(text) else WORD.findall(text)
    tokens = []
    for piece in pieces:
        piece = piece.strip(" .-_")
        if not piece or piece.isspace():
            continue
        meaningful = (
            (len(piece) >= 2 or HAS_CHINESE.search(piece))
            and piece not in STOP_WORDS
            and not piece.isdigit()
            and WORD.fullmatch(piece)
        )
        tokens.append(piece if meaningful else None)
    return tuple(tokens)


def words_of(subject):
    return [token for token in tokens_of(subject) if token]


def phrases_of(subject):
    """Two-word phrases of neighbouring words (Chinese words join without a space)."""
    tokens = tokens_of(subject)
    return [
        first + ("" if HAS_CHINESE.search(first + second) else " ") + second
        for first, second in zip(tokens, tokens[1:], strict=False)
        if first and second
    ]


@functools.lru_cache(maxsize=50_000)
def terms_of(subject):
    """The subject's distinct words and distinct phrases (each counts once per ticket)."""
    return tuple(set(words_of(subject))), tuple(set(phrases_of(subject)))


def frequent_words(rows, limit=WORDS_PER_CATEGORY):
    """{category: [(term, tickets)]} from rows of {"category__name", "subject", "count"}.

    A term counts once per ticket and needs two tickets. A phrase as frequent as one of
    its words stands in for that word: "ssl certificate (5)", not also "ssl (5)".
    """
    words_by_category, phrases_by_category = {}, {}
    for row in rows:
        words, phrases = terms_of(row["subject"])
        category, count = row["category__name"], row["count"]
        words_counter = words_by_category.get(category)
        if words_counter is None:
            words_counter = words_by_category[category] = Counter()
            phrases_by_category[category] = Counter()
        phrases_counter = phrases_by_category[category]
        for word in words:
            words_counter[word] += count
        for phrase in phrases:
            phrases_counter[phrase] += count
    result = {}
    for category, words in words_by_category.items():
        phrases = [(p, n) for p, n in phrases_by_category[category].items() if n >= 2]
        terms = list(phrases)
        terms += [
            (word, count) for word, count in _words_not_in_a_phrase(words, phrases) if count >= 2
        ]
        terms.sort(key=lambda item: (-item[1], item[0]))
        if terms:
            result[category] = terms[:limit]
    return dict(sorted(result.items(), key=lambda item: -item[1][0][1]))


def _words_not_in_a_phrase(words, phrases):
    """(word, count) of the words that are in no phrase at least as frequent.

    Most frequent words first, each tested against one string of the phrases frequent
    enough for it (a word can't run across the separator)."""
    phrases = sorted(phrases, key=lambda item: -item[1])
    joined, taken = "", 0
    for word, count in sorted(words.items(), key=lambda item: -item[1]):
        if count < 2:
            continue
        while taken < len(phrases) and phrases[taken][1] >= count:
            joined += "\0" + phrases[taken][0]
            taken += 1
        if word not in joined:
            yield word, count
