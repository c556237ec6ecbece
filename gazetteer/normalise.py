"""Turn a place name as people write it into a comparison key.

"Ḥamāh", "Hamah", "HAMA" and "حماة" must meet; "Deir-ez-Zor", "Deir ez Zor" and "Dayr az-Zawr"
must at least come close. The steps, in order:

1. Unicode: compatibility-decompose and drop combining marks (Ḥamāh → Hamah), lower-case.
2. Arabic letters: drop harakat and tatweel; alef forms (أ إ آ ٱ) → ا; taa marbuta ة → ه;
   alef maqsura ى → ي; hamza seats ؤ → و, ئ → ي; Persian yeh/keheh → Arabic yeh/kaf.
3. Punctuation: apostrophes and ayn/hamza signs vanish (Dar'a → dara); hyphens, dots and
   slashes become spaces.
4. Articles: a token that is only an article (al, el, as, ar, ez, ...) is dropped, and an
   Arabic token loses its ال prefix.
5. Generic words are spelled one way (tal/tall/tel → tell, dayr → deir, jebel → jabal, ...).

`kind_hint()` reads words such as "city" or "governorate" that say which kind of place is meant.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ء": "",
        "ی": "ي",
        "ک": "ك",
        "ھ": "ه",
    }
)
# Signs transliterations use for ayn and hamza, and apostrophes of every shape.
_VANISHING = re.compile("['’‘`´ʿʾʼʻ\u02bf\u02be]")
_SEPARATORS = re.compile(r"[\s\-‐‑–—_./\\,;:()\[\]\"*]+")

ARTICLES = frozenset(
    "al el il as ash ar ad adh at ath az an ed es er et ez en ul".split()
)
# Spelling variants of the generic words that start many Levantine place names.
_GENERIC_WORDS = {
    "tal": "tell",
    "tall": "tell",
    "tel": "tell",
    "til": "tell",
    "dayr": "deir",
    "deyr": "deir",
    "der": "deir",
    "dair": "deir",
    "jebel": "jabal",
    "jabel": "jabal",
    "jbel": "jabal",
    "kfar": "kafr",
    "kafar": "kafr",
    "kefr": "kafr",
    "ayn": "ain",
    "ein": "ain",
    "ayin": "ain",
    "khirbet": "khirbat",
    "kherbet": "khirbat",
    "sayyidah": "sayyida",
    "sayida": "sayyida",
}

# Words that say what kind of place is meant ("Hama city", "Hama governorate", "مدينة حماة").
_KIND_WORDS = {
    "city": "community",
    "town": "community",
    "village": "community",
    "مدينه": "community",
    "بلده": "community",
    "قريه": "community",
    "governorate": "governorate",
    "governate": "governorate",
    "province": "governorate",
    "muhafaza": "governorate",
    "mohafaza": "governorate",
    "muhafazat": "governorate",
    "محافظه": "governorate",
    "district": "district",
    "mantika": "district",
    "mantiqa": "district",
    "mintaqa": "district",
    "منطقه": "district",
    "subdistrict": "subdistrict",
    "nahya": "subdistrict",
    "nahiya": "subdistrict",
    "nahia": "subdistrict",
    "ناحيه": "subdistrict",
    "camp": "site",
    "camps": "site",
    "site": "site",
    "مخيم": "site",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    text = _VANISHING.sub("", text.casefold())
    return _SEPARATORS.sub(" ", text).strip()


def _tokens(text: str) -> list[str]:
    return [t for t in _fold(text).replace("sub district", "subdistrict").split(" ") if t]


def _canonical_token(token: str) -> str:
    if token.startswith("ال") and len(token) > 3:
        token = token[2:]
    return _GENERIC_WORDS.get(token, token)


def name_key(name: str) -> str:
    """The comparison key of a name: equal keys mean the same written name."""
    tokens = _tokens(name)
    kept = [t for t in tokens if t not in ARTICLES] or tokens
    return " ".join(_canonical_token(t) for t in kept)


def kind_hint(name: str) -> tuple[str, str | None]:
    """Split a kind word off the start or end of a name: ("Hama city") → ("Hama", "community")."""
    tokens = _tokens(name)
    if len(tokens) >= 2:
        for index in (-1, 0):
            kind = _KIND_WORDS.get(tokens[index])
            if kind:
                rest = tokens[:index] if index == -1 else tokens[1:]
                return " ".join(rest), kind
    return name, None


_DIGRAPHS = (("ph", "f"), ("ou", "u"), ("ee", "i"), ("oo", "u"), ("q", "k"), ("c", "k"))
_VOWELS = re.compile("[aeiouyw]")


def phonetic_key(key: str) -> str:
    """Consonant skeleton of a name key, for transliteration variants (Idlib/Idleb, Homs/Hims).

    Vowels and the semivowels y/w are dropped except at a word's start, doubled letters are
    collapsed, and a final h after a vowel (taa marbuta: Hamah) is dropped. Arabic keys are
    returned unchanged: their variants are already folded by name_key().
    """
    if not key.isascii():
        return key
    words = []
    for word in key.split(" "):
        for old, new in _DIGRAPHS:
            word = word.replace(old, new)
        if len(word) > 2 and word.endswith("h") and word[-2] in "aeiou":
            word = word[:-1]
        head, tail = word[:1], _VOWELS.sub("", word[1:])
        skeleton = re.sub(r"(.)\1+", r"\1", head + tail)
        words.append(skeleton)
    return " ".join(words)
