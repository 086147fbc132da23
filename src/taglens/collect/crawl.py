"""The crawl loop: seed hashtags, pages of posts, expansion, repeat until there is enough.

    round 1: crawl each topic's seeds
    round r: crawl the tags the expander ranked best after round r-1
    stop:    every topic has `target_posts`, or `max_rounds` ran, or nothing new and relevant is left

Why it can be killed at any moment: the only state is in the corpus (`kv` table,
namespace `collect:<source key>`), and each page is committed in one transaction
together with the cursor of the page after it. A run that dies between fetching
and committing simply fetches that page again; posts are keyed by their source id,
so nothing is stored twice. Media files are written before their rows commit; a
file whose row never committed is harmless (content-addressed, reused next time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from taglens.collect.expand import Expander, topic_tag_counts
from taglens.collect.http import FetchError, MediaError, Unreachable
from taglens.collect.seeds import Seeds, Topic
from taglens.collect.sources.base import Item, Page, Source
from taglens.corpus.store import Corpus

log = logging.getLogger(__name__)

MAX_NOTES = 200


@dataclass
class CrawlConfig:
    """How much to collect and how widely to look."""

    target_posts: int = 500          # per topic
    max_rounds: int = 3
    tags_per_round: int = 10         # new tags a topic may add each round
    max_pages_per_tag: int = 5       # per round, so one huge tag cannot crowd out the others
    max_failed_tags: int = 3         # consecutive tags that fail for good before the crawl gives up
    progress: bool = True


@dataclass
class CrawlSummary:
    """What a run did, for the end-of-crawl report."""

    rounds: int = 0
    pages: int = 0
    added: int = 0
    duplicates: int = 0
    media_stored: int = 0
    media_skipped: int = 0
    per_topic: dict[str, int] = field(default_factory=dict)
    tags_crawled: dict[str, list[str]] = field(default_factory=dict)
    stop_reason: str = ""
    notes: list[str] = field(default_factory=list)
    proposed: int = 0             # tags the expansion proposed that were crawled (seeds not counted)
    proposed_with_posts: int = 0  # ... of which any page held a post
    unevidenced: int = 0          # recombined tags not crawled: nothing showed anyone uses them

    def note(self, message: str) -> None:
        log.info(message)
        if len(self.notes) < MAX_NOTES:
            self.notes.append(message)

    def render(self) -> str:
        lines = [
            f"stopped: {self.stop_reason} (round {self.rounds})",
            f"this run: {self.added} posts added, {self.duplicates} already stored, "
            f"{self.pages} pages, {self.media_stored} images stored, {self.media_skipped} skipped",
            "posts per topic: " + ", ".join(f"{t} {n}" for t, n in self.per_topic.items()),
        ]
        for topic, tags in self.tags_crawled.items():
            if tags:
                lines.append(f"  {topic}: " + " ".join("#" + t for t in tags))
        lines.append(f"expansion: {self.proposed_with_posts} of {self.proposed} proposed hashtags returned posts; "
                     f"{self.unevidenced} recombined guesses skipped (no sign anyone uses them)")
        return "\n".join(lines)


class Crawler:
    """Runs (or resumes) the crawl of `seeds` from `source` into `corpus`."""

    def __init__(self, corpus: Corpus, source: Source, seeds: Seeds, expander: Expander,
                 config: CrawlConfig | None = None) -> None:
        self.corpus = corpus
        self.source = source
        self.topics = {t.name: t for t in seeds.topics}
        self.expander = expander
        self.config = config or CrawlConfig()
        self.ns = f"collect:{source.key}"
        self.summary = CrawlSummary()
        self._failed: set[tuple[str, str]] = set()
        self._fail_streak = 0
        self._bar: Any = None

    # -- state ------------------------------------------------------------------
    def _crawl_state(self) -> dict[str, Any]:
        """Round number and per-topic frontier; seeds not seen before join the frontier."""
        state = self.corpus.get_state(self.ns, "crawl") or {"round": 1, "frontier": {}}
        for topic in self.topics.values():
            queue = state["frontier"].setdefault(topic.name, [])
            for seed in topic.seeds:
                if seed not in queue and self._tag_state(topic.name, seed) is None:
                    queue.append(seed)
        return state

    def _tag_state(self, topic: str, tag: str) -> dict[str, Any] | None:
        return self.corpus.get_state(self.ns, f"tag:{topic}:{tag}")

    def added(self, topic: str) -> int:
        return int(self.corpus.get_state(self.ns, f"added:{topic}", 0))

    def _crawled_tags(self, topic: str) -> list[str]:
        prefix = f"tag:{topic}:"
        rows = self.corpus.conn.execute(
            "SELECT key FROM kv WHERE namespace=? AND substr(key, 1, ?)=?", (self.ns, len(prefix), prefix)
        )
        return [key[len(prefix):] for (key,) in rows]

    # -- the loop ---------------------------------------------------------------
    def run(self, progress_factory: Callable[..., Any] = tqdm) -> CrawlSummary:
        """Crawl until a stop condition; safe to interrupt and call again."""
        state = self._crawl_state()
        self.corpus.set_state(self.ns, "crawl", state)
        total = self.config.target_posts * len(self.topics)
        done = sum(min(self.added(t), self.config.target_posts) for t in self.topics)
        self._bar = progress_factory(total=total, initial=done, unit="post", desc="collect",
                                     disable=not self.config.progress, dynamic_ncols=True)
        try:
            self.summary.stop_reason = self._rounds(state)
        finally:
            self._bar.close()
            self.summary.per_topic = {t: self.added(t) for t in self.topics}
            self.summary.tags_crawled = {t: self._crawled_tags(t) for t in self.topics}
            self._count_proposed()
        return self.summary

    def _count_proposed(self) -> None:
        """How many crawled non-seed tags returned any post (all runs of this crawl)."""
        for name, tags in self.summary.tags_crawled.items():
            for tag in tags:
                if tag in self.topics[name].seeds:
                    continue
                state = self._tag_state(name, tag) or {}
                self.summary.proposed += 1
                self.summary.proposed_with_posts += bool(state.get("seen", state.get("added", 0)))
        self.summary.unevidenced = len(getattr(self.expander, "dropped", ()))

    def _rounds(self, state: dict[str, Any]) -> str:
        """Rounds until a stop condition; returns why it stopped. `state["round"]` is the
        round to run next or the one in progress, so a resumed run picks it up."""
        while True:
            self.summary.rounds = min(state["round"], self.config.max_rounds)
            if self._all_at_target():
                return "target reached"
            if state["round"] > self.config.max_rounds:
                return f"max rounds ({self.config.max_rounds}) done"
            for topic in self.topics.values():
                for tag in list(state["frontier"].get(topic.name, [])):
                    if self._below_target(topic.name):
                        self._crawl_tag(topic, tag, state["round"])
            if self._all_at_target():
                return "target reached"
            frontier = {t.name: self._next_frontier(t, state) for t in self.topics.values()
                        if self._below_target(t.name)}
            with self.corpus.transaction():
                state["round"] += 1
                state["frontier"] = frontier
                self.corpus.set_state(self.ns, "crawl", state)
            if not any(frontier.values()):
                return "nothing new and relevant left"

    def _all_at_target(self) -> bool:
        return not any(self._below_target(t) for t in self.topics)

    def _below_target(self, topic: str) -> bool:
        return self.added(topic) < self.config.target_posts

    def _next_frontier(self, topic: Topic, state: dict[str, Any]) -> list[str]:
        """Unfinished tags of this round first (failed ones too: a later run retries
        them), then the best new candidates."""
        carry = [t for t in state["frontier"].get(topic.name, [])
                 if not (self._tag_state(topic.name, t) or {}).get("done")]
        crawled = set(self._crawled_tags(topic.name)) | set(topic.seeds) | set(carry)
        ranked = self.expander.rank(topic, crawled, topic_tag_counts(self.corpus, topic.name))
        new = [c.key for c in ranked[: self.config.tags_per_round]]
        for cand in ranked[: self.config.tags_per_round]:
            log.info("%s: next #%s (%s, relevance %.2f, seen %d)", topic.name, cand.key,
                     "+".join(sorted(cand.origins)), cand.relevance, cand.count)
        return carry + new

    # -- one tag, one page --------------------------------------------------------
    def _crawl_tag(self, topic: Topic, tag: str, round_no: int) -> None:
        """Pages of one tag until it ends, hits its per-round page cap, or the topic its target."""
        if (topic.name, tag) in self._failed:
            return
        while self._below_target(topic.name):
            tag_state = self._tag_state(topic.name, tag) or {"cursor": None, "done": False, "pages": 0}
            this_round = tag_state.get("round_pages", {}).get(str(round_no), 0)
            if tag_state["done"] or this_round >= self.config.max_pages_per_tag:
                return
            self._bar.set_postfix_str(f"round {round_no} {topic.name} #{tag}", refresh=False)
            try:
                page = self.source.fetch_page(tag, tag_state["cursor"])
            except Unreachable:
                raise  # a dead server is dead for every hashtag: stop now, with one line
            except FetchError as exc:
                self._tag_failed(topic, tag, exc)
                return
            self._fail_streak = 0
            self._store_page(topic, tag, tag_state, round_no, page)

    def _tag_failed(self, topic: Topic, tag: str, exc: FetchError) -> None:
        self._failed.add((topic.name, tag))
        self._fail_streak += 1
        self.summary.note(f"{topic.name} #{tag}: skipped for this run ({exc})")
        if self._fail_streak >= self.config.max_failed_tags:
            raise FetchError(f"{self._fail_streak} hashtags in a row failed; last: {exc}. "
                             "The crawl state is saved; run the same command again later to resume.")

    def _store_page(self, topic: Topic, tag: str, tag_state: dict[str, Any], round_no: int, page: Page) -> None:
        """Download the new posts' images, then commit posts and the next cursor together."""
        new_items = self._new_items(page.items)
        images = {item.post.id: self._download(item) for item in new_items}
        added = 0
        with self.corpus.transaction():
            for item in new_items:
                added += self._add(item, topic.name, images[item.post.id])
            tag_state["cursor"] = page.next_cursor
            tag_state["done"] = page.next_cursor is None
            tag_state["pages"] = tag_state.get("pages", 0) + 1
            rounds = tag_state.setdefault("round_pages", {})
            rounds[str(round_no)] = rounds.get(str(round_no), 0) + 1
            tag_state["added"] = tag_state.get("added", 0) + added
            tag_state["seen"] = tag_state.get("seen", 0) + len(page.items)
            self.corpus.set_state(self.ns, f"tag:{topic.name}:{tag}", tag_state)
            self.corpus.set_state(self.ns, f"added:{topic.name}", self.added(topic.name) + added)
        self.summary.pages += 1
        self.summary.added += added
        self.summary.duplicates += len(page.items) - added
        self._bar.update(min(added, max(0, self._bar.total - self._bar.n)))

    def _new_items(self, items: list[Item]) -> list[Item]:
        """Items whose post is not stored yet, each once."""
        seen: set[str] = set()
        fresh = []
        for item in items:
            if item.post.id in seen or self.corpus.has_post(item.post.id):
                continue
            seen.add(item.post.id)
            fresh.append(item)
        return fresh

    def _download(self, item: Item) -> list[bytes]:
        """The item's images; a refused one is noted on the post and in the summary."""
        images = []
        for ref in item.media:
            try:
                images.append(self.source.fetch_media(ref))
            except MediaError as exc:
                self.summary.media_skipped += 1
                item.post.meta.setdefault("media_skipped", []).append(str(exc))
                self.summary.note(f"{item.post.id}: image skipped ({exc})")
        return images

    def _add(self, item: Item, topic: str, images: list[bytes]) -> int:
        post = item.post
        post.topic = topic
        post.images = [str(self.corpus.media_path(self.corpus.add_media(data))) for data in images]
        self.summary.media_stored += len(images)
        return int(self.corpus.add_post(post))

