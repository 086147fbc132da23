"""UMSAB (XLM-T) tweets in eight languages as Posts, each with its language.

The files are TweetEval-formatted, one tweet a line, one folder per language
(`arabic/train_text.txt`, ...). The folder names the language the benchmark
collected the tweet for; it goes into `meta["language"]` (ISO 639-1) so a model
can learn per-language statistics. It is the corpus's label, not a detection:
the Hindi split holds romanised Hindi, Devanagari and Indian English alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from taglens.errors import InputError
from taglens.hashtags import extract_hashtags
from taglens.post import Post

LANGUAGES = {
    "arabic": "ar", "english": "en", "french": "fr", "german": "de",
    "hindi": "hi", "italian": "it", "portuguese": "pt", "spanish": "es",
}
Row = tuple[int, "Post | InputError"]


def read_umsab_file(path: Path, language: str, split: str) -> Iterator[Row]:
    """(line number, Post or error) of one `<split>_text.txt`; blank lines skipped."""
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                yield line_no, InputError(f"{path.name}:{line_no}: not UTF-8 text")
                continue
            if not text:
                continue
            yield line_no, Post(
                id=f"umsab:{language}:{split}:{line_no}", text=text,
                hashtags=[t.display for t in extract_hashtags(text)],
                source="umsab", meta={"language": language, "split": split},
            )


def read_umsab(path: Path) -> Iterator[Row]:
    """Every `<split>_text.txt` under the UMSAB folder (or one language folder)."""
    path = Path(path)
    folders = [path] if path.name in LANGUAGES else [path / name for name in LANGUAGES]
    found = False
    for folder in folders:
        for file in sorted(folder.glob("*_text.txt")) if folder.is_dir() else []:
            found = True
            yield from read_umsab_file(file, LANGUAGES[folder.name], file.name.removesuffix("_text.txt"))
    if not found:
        raise InputError(f"{path}: no UMSAB <language>/<split>_text.txt files")


def load_umsab(path: Path, split: str, languages: Sequence[str] | None = None) -> list[Post]:
    """The posts of one split ('train' or 'val'), optionally only some languages (ISO codes)."""
    wanted = set(languages or LANGUAGES.values())
    posts: list[Post] = []
    for name, code in LANGUAGES.items():
        file = Path(path) / name / f"{split}_text.txt"
        if code in wanted and file.exists():
            posts += [p for _, p in read_umsab_file(file, code, split) if isinstance(p, Post)]
    return posts
