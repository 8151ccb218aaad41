"""What a question asks for, which decides how an answer opens: a definition ("How does the Statute
define forced pregnancy?"), the elements of a crime ("What must be proved for …?"), whether a term is
in the law at all ("Is forced marriage a crime under the Rome Statute?"), or what a provision says
(every other question)."""

from __future__ import annotations

import re
from enum import StrEnum


class QuestionKind(StrEnum):
    DEFINITION = "definition"
    ELEMENTS = "elements"
    CONCORDANCE = "concordance"
    REFERRERS = "referrers"
    PROVISION = "provision"


# "Which rules refer to article 69(4)?", "Where else does the Statute rely on 'gender as defined in article 7,
# paragraph 3'?": the provisions that point to a provision the question names (a verb before the provision;
# "What does rule 63(4) refer to?" asks the other way)
REFERRERS_QUESTION = re.compile(
    r"\b(?:which|what|where)\b[^?]*?\b(?:refers?|referring|rel(?:y|ies)|cites?|invokes?|implements?|mentions?)"
    r"(?:\s+(?:to|on))?\s+[^?]*?\b(?:article|art\.|rule|paragraph)\s*\d", re.IGNORECASE)
ELEMENTS_QUESTION = re.compile(
    r"\belements?\b|\bprove[dn]?\b|\bproof\b"
    r"|\b(?:must|has to|have to|needs? to) be (?:shown|proved|proven|established)\b"
    r"|\b(?:to|must|has to|have to) (?:show|establish)\b",
    re.IGNORECASE)
# Not a question on the elements of a crime for these words alone: the Statute's general principles (art. 30's
# "mental element", art. 66's onus and standard of proof) and the instrument's name ("where the Elements don't
# specify one", "the Elements of Crimes"; but "the Elements of sexual slavery" asks for elements)
GENERAL_PRINCIPLES = re.compile(
    r"\bmental elements?\b|\b(?:standard|burden|onus) of proof\b|(?-i:\bthe Elements\b)(?! of (?!Crimes))",
    re.IGNORECASE)
DEFINITION_QUESTION = re.compile(
    r"\bhow (?:is|are|does|do) .{0,80}\bdefine[sd]?\b|\bdefin(?:e|es|ed|ition) of\b"
    r"|\bwhat (?:is|are) (?:meant by|the meaning)\b|\bwhat does .{1,60}\bmean\b|\bmeaning of\b"
    r"|\bwhat (?:counts|qualifies) as\b|^what (?:is|are) (?:an? |the )?[\w“\"' -]{2,40}\?$",
    re.IGNORECASE)
# "Is forced marriage a crime under the Rome Statute?", "Is gender apartheid a crime at the ICC?",
# "Does the Statute mention forced marriage?", "Is forced pregnancy recognised as a war crime?"
CRIME_WORDS = r"(?:an? )?(?:(?:war |international |separate |standalone |stand-alone |distinct )?crimes?|offen[cs]es?" \
              r"|crimes? against humanity)"
IS_TERM_A_CRIME = re.compile(
    rf"^(?:[^?,]{{3,80}},\s*)?(?:is|are)\s+(?P<term>[^?]{{3,60}}?)\s+(?:(?:itself\s+)?{CRIME_WORDS}|(?:explicitly\s+|expressly\s+)?"
    rf"(?:criminali[sz]ed|prohibited|recogni[sz]ed|mentioned|listed|named|covered)\b)",
    re.IGNORECASE)
DOES_IT_MENTION = re.compile(
    r"^(?:does|do)\s+(?:the\s+)?(?:[\w ]{1,40}?)\s+"
    r"(?:mention|name|list|recogni[sz]e|criminali[sz]e|prohibit|refer to)\s+"
    r"(?P<term>[^?]{3,60}?)\s*(?:as\b[^?]*)?\?*$",
    re.IGNORECASE)
# "Does the ICC treat forced abortion as a crime?", "Does the Statute regard forced nudity as sexual violence?"
DOES_IT_TREAT_AS = re.compile(
    r"^(?:does|do)\s+(?:the\s+)?[\w ]{1,40}?\s+(?:treat|regard|consider|count|classify|qualify)\s+"
    rf"(?P<term>[^?]{{3,60}}?)\s+as\s+(?:{CRIME_WORDS}|(?:an?\s+(?:act|form)\s+of\s+)?sexual violence)\b",
    re.IGNORECASE)
# "Does the word 'gender apartheid' appear in the Statute?", "Does the Statute use the term femicide?",
# "Does the Rome Statute say anything about forced abortion?", "Is there any mention of forced nudity?"
WORD = r"(?:the\s+)?(?:words?|terms?|phrases?|expressions?)\s+"
DOES_IT_APPEAR = re.compile(rf"^(?:does|do)\s+(?:{WORD})?(?P<term>[^?]{{3,60}}?)\s+(?:appear|occur|feature)s?"
                            r"(?:\s+(?:in|anywhere|at all)\b|\s*\?)", re.IGNORECASE)
DOES_IT_USE = re.compile(
    rf"^(?:does|do)\s+(?:the\s+)?[\w ]{{1,40}}?\s+(?:use|contain|include)\s+{WORD}(?P<term>[^?]{{3,60}}?)\s*\?*$",
    re.IGNORECASE)
SAYS_ANYTHING = re.compile(
    r"^(?:does|do)\s+(?:the\s+)?[\w ]{1,40}?\s+say\s+anything\s+(?:about|on)\s+(?P<term>[^?]{3,60}?)\s*\?*$",
    re.IGNORECASE)
ANY_MENTION = re.compile(
    r"^(?:is|are)\s+there\s+(?:any\s+)?(?:mention|reference)s?\s+(?:of|to)\s+(?P<term>[^?]{3,60}?)"
    r"(?:\s+(?:in|at|under)\b[^?]*)?\s*\?*$",
    re.IGNORECASE)
TERM_PATTERNS = (IS_TERM_A_CRIME, DOES_IT_MENTION, DOES_IT_TREAT_AS, DOES_IT_APPEAR, DOES_IT_USE, SAYS_ANYTHING,
                 ANY_MENTION)
LEADING_WORD = re.compile(WORD, re.IGNORECASE)
# The same two kinds asked in Spanish, French, Portuguese, Russian, Ukrainian or Arabic.
ELEMENTS_QUESTION_OTHER = re.compile(
    r"\belementos\b|\béléments?\b|\bprobar(?:se)?\b|\bprouv|\bprovad?[oa]?\b|\bprovar\b"
    r"|элемент|елемент|доказ|довест|довед|أركان|عناصر|إثبات|اثبات|يثبت|يجب إثبات",
    re.IGNORECASE)
DEFINITION_QUESTION_OTHER = re.compile(
    r"\bdefin[ei]|\bdéfini|\bqu[ée] es\b|\bqu['’]est-ce qu|\bo que (?:é|são|significa)\b|\bsignifi"
    r"|определ|что так(?:ое|ие)|что означа|визнач|що так(?:е|і)|що означа"
    r"|تعريف|يعرّف|يعرف|ما هو|ما هي|ما معنى|ماذا يعني",
    re.IGNORECASE)
# A verb in -ing with an object ("attacking a hospital", "forcing women to marry"), not a term ("trafficking in
# persons", "forced marriage"): a description of conduct, which no instrument uses word for word.
CONDUCT = re.compile(r"^(?:\w+ly\s+)?\w+ing\s+(?!(?:in|of|for|by|with|into|on|as|and|or)\b)\w", re.IGNORECASE)
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
TRAILING_ARTICLE = re.compile(r"\s+(?:a|an|the)$", re.IGNORECASE)
QUOTES = "“”\"'‘’"


# "Is forced sterilisation a crime against humanity, and what are its elements?": two questions in one
QUESTION_PARTS = re.compile(
    r",?\s+and\s+(?=(?:what|how|does|do|is|are|can|could|must|which|who|where|when|whether)\b)|\?\s+(?=\S)|;\s+",
    re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The questions asked in one ("What is the Trust Fund for Victims and where does its money come from?" →
    two), each with some words of its own; a single question is one part."""
    parts = [p.strip(" ,?") for p in QUESTION_PARTS.split(question.strip())]
    parts = [p for p in parts if len(re.findall(r"[A-Za-z]{4,}", p)) >= 2]
    return parts if len(parts) > 1 else [question]


def question_kind(question: str, language: str = "en") -> QuestionKind:
    """What the question asks for; a question in another language by its own words ("¿Qué elementos …?")."""
    text = question.strip()
    if language != "en":
        if ELEMENTS_QUESTION_OTHER.search(text):
            return QuestionKind.ELEMENTS
        return QuestionKind.DEFINITION if DEFINITION_QUESTION_OTHER.search(text) else QuestionKind.PROVISION
    if concordance_term(text):
        return QuestionKind.CONCORDANCE
    if REFERRERS_QUESTION.search(text):
        return QuestionKind.REFERRERS
    if ELEMENTS_QUESTION.search(GENERAL_PRINCIPLES.sub(" ", text)):
        return QuestionKind.ELEMENTS
    if DEFINITION_QUESTION.search(text):
        return QuestionKind.DEFINITION
    return QuestionKind.PROVISION


# The words with which a question asks whether the law uses a term: what is left says something of its own
ASKING_WORDS = re.compile(
    rf"{CRIME_WORDS}|\b(?:criminali[sz]\w*|prohibit\w*|recogni[sz]\w*|mention\w*|list\w*|named?|covered|cover|"
    r"treat\w*|regard\w*|consider\w*|refer\w*|appear\w*|occur\w*|feature\w*|use[sd]?|contain\w*|include\w*|"
    r"say\w*|anything|explicitly|expressly|itself|words?|terms?|phrases?|expressions?|law)\b",
    re.IGNORECASE)


def beyond_the_term(question: str, term: str) -> str:
    """What a question asking whether the law uses a term says besides the term and the asking ("Are men and
    boys covered by the definition of rape?" → "… definition of rape"; "Is femicide a crime?" → nothing)."""
    rest = re.sub(re.escape(term), " ", question, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", ASKING_WORDS.sub(" ", rest)).strip()


def concordance_term(question: str) -> str | None:
    """The term whose presence in the law the question asks about ("forced marriage"), or None."""
    text = question.strip()
    match = next((m for pattern in TERM_PATTERNS if (m := pattern.match(text))), None)
    if not match:
        return None
    term = match.group("term").strip(" ,.")
    term = LEADING_ARTICLE.sub("", LEADING_WORD.sub("", term) if LEADING_WORD.match(term) else term).strip(QUOTES + " ")
    term = TRAILING_ARTICLE.sub("", term)
    if not term or len(term.split()) > 5 or re.search(r"\b(?:it|this|that|they|there)\b", term, re.IGNORECASE):
        return None  # "Is it a crime …" is a follow-up, not a term to look up
    if CONDUCT.match(term):
        return None  # "(deliberately) attacking a civilian hospital" describes conduct: the provisions on it answer
    return term
