"""Chinese and English words for the database search backends, and highlighted excerpts.

SQLite FTS5 (unicode61) and PostgreSQL's text parser both split text at spaces and punctuation.
Chinese has neither between words, so a whole Chinese sentence becomes one token and a search
for 审批 finds nothing. Text is therefore cut into words with jieba before it is indexed, and
queries are cut the same way (see `cms.search_backend`, which does both for every indexed model).

Index: each run of Chinese characters gives jieba's search-mode words plus every pair of
adjacent characters. The pairs guarantee that a two-character word finds every text containing
it, whatever jieba made of the sentence around it (一网通办 may be cut 一网通 / 办, and 通办 is
still found).

Query: jieba's precise cut. A word of two characters is looked up as it is; a longer word as all
of its character pairs (so 营商环境 finds 营商环境 even where jieba cut the text differently);
a lone character joins its neighbour into a pair; function words (的, 和 ...) are dropped. Latin
words are looked up as prefixes, on both databases alike, so "approval" also finds "approvals".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKENS = re.compile(rf"(?P<cjk>[{CJK_CHARS}]+)|(?P<latin>(?:(?![{CJK_CHARS}])[^\W_])+)")
_CJK = re.compile(rf"[{CJK_CHARS}]")

# Words of the bureau's trade that jieba's general dictionary cuts apart.
DOMAIN_WORDS = (
    "一网通办",
    "一窗受理",
    "一次性告知",
    "容缺受理",
    "并联审批",
    "限时办结",
    "首问负责制",
    "帮办领办",
    "帮办员",
    "领办",
    "营商环境",
    "放管服",
    "渔光互补",
    "联合踏勘",
    "现场踏勘",
    "联席会议",
    "告知承诺制",
    "证照分离",
    "多规合一",
    "区域评估",
    "承诺时限",
    "法定时限",
    "办件",
    "行政审批局",
)
# Function words a Chinese query may contain that no text needs to match.
CHINESE_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "对",
        "为",
        "等",
        "把",
        "被",
        "之",
        "其",
        "而",
        "并",
        "以",
        "于",
        "由",
        "向",
        "从",
        "将",
        "个",
        "也",
        "都",
    ]
)
LATIN_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)
MAX_QUERY_LENGTH = 100
MAX_TERMS = 12


@cache
def _jieba():
    import rjieba

    jieba = rjieba.Jieba()
    for word in DOMAIN_WORDS:
        jieba.add_word(word, None, None)
    return jieba


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def segment_for_index(text: str) -> str:
    """The text as space-separated words, the way both databases index it."""
    if not text or not _CJK.search(text):
        return text
    jieba = _jieba()
    out: list[str] = []
    for match in _TOKENS.finditer(text):
        run = match.group("cjk")
        if run is None:
            out.append(match.group("latin"))
            continue
        words = [w for w in jieba.cut_for_search(run) if w.strip()]
        out += words
        seen = set(words)
        out += [pair for pair in _pairs(run) if pair not in seen]
    return " ".join(out)


@dataclass(frozen=True)
class Term:
    """One thing the query looks for: a word, or for long Chinese words all of their pairs."""

    text: str
    latin: bool = False

    @property
    def prefix(self) -> bool:
        """Latin words and single Chinese characters match the words they begin."""
        return self.latin or len(self.text) == 1

    @property
    def pairs(self) -> list[str]:
        if self.latin or len(self.text) <= 2:
            return [self.text]
        return _pairs(self.text)


def _latin_stem(word: str) -> str:
    # A light plural rule; the word is then matched as a prefix (policies -> polic*).
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def query_terms(query: str) -> list[Term]:
    """What a search box entry looks for, in the order typed, without repeats."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    terms: list[Term] = []
    stopwords: list[Term] = []
    for match in _TOKENS.finditer(query):
        run = match.group("cjk")
        if run is None:
            word = match.group("latin").lower()
            term = Term(_latin_stem(word), latin=True)
            (stopwords if word in LATIN_STOPWORDS else terms).append(term)
            continue
        if len(run) <= 2:
            terms.append(Term(run))
            continue
        position = 0
        for word in _jieba().cut(run):
            start = position
            position += len(word)
            if len(word) > 1:
                terms.append(Term(word))
            elif word not in CHINESE_STOPWORDS:
                # A lone character is looked up with its neighbour, which the index has as a pair.
                terms.append(Term(run[start - 1 : start + 1] if start else run[:2]))
    unique = list(dict.fromkeys(terms or stopwords))
    return unique[:MAX_TERMS]


def _pattern(terms: list[Term]) -> re.Pattern | None:
    if not terms:
        return None
    parts = []
    for term in sorted(terms, key=lambda t: -len(t.text)):
        if term.latin:
            parts.append(rf"\b{re.escape(term.text)}\w*")
        else:
            parts.append(re.escape(term.text))
    return re.compile("|".join(parts), re.IGNORECASE)


def highlight(text: str, terms: list[Term]) -> SafeString:
    """The text, escaped, with each match of the query in <mark>."""
    text = text or ""
    pattern = _pattern(terms)
    if pattern is None:
        return mark_safe(escape(text))  # noqa: S308 - escaped just here
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    # Words next to each other read as one match: 规划 + 许可 -> <mark>规划许可</mark>.
    return mark_safe("".join(out).replace("</mark><mark>", ""))  # noqa: S308 - escaped above


def excerpt(text: str, terms: list[Term], *, width: int = 140) -> SafeString:
    """About `width` characters of the text around its first match, highlighted."""
    text = re.sub(r"\s+", " ", text or "").strip()
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    if match is None:
        cut = text[:width]
        return highlight(cut + ("…" if len(text) > width else ""), terms)
    start = max(0, match.start() - width // 3)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    piece = text[start:end]
    return mark_safe(  # noqa: S308 - highlight() escapes
        ("…" if start else "") + highlight(piece, terms) + ("…" if end < len(text) else "")
    )
