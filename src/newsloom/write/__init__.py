"""The story writer: headline, tone, highlights, story, opinions, sources and timeline.

``write_page(articles)`` builds a story page from a story's articles (see ``page.py``); the
default writer is extractive (``extractive.py``): it quotes the sources' own sentences, each
with its citations, and needs no model. ``verify.supported`` checks any written sentence
against the articles it cites; ``tone.rate`` gives the tone label of the published taxonomy.
"""

from newsloom.write.extractive import Draft, ExtractiveWriter, Passage
from newsloom.write.page import SourceArticle, write_page
from newsloom.write.tone import TAXONOMY
from newsloom.write.verify import supported

__all__ = [
    "Draft",
    "ExtractiveWriter",
    "Passage",
    "SourceArticle",
    "TAXONOMY",
    "supported",
    "write_page",
]
