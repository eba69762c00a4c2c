"""The spaCy frame: a blank Chinese pipeline with the jieba segmenter and our rule components.

Each stage of extraction is a named spaCy component that reads and writes `Doc._` extensions,
so a user can add a rule with `nlp.add_pipe("my_rule", after="edu_figures")` without touching
the core. No model is downloaded: `spacy.blank("zh")` plus jieba and a domain user dictionary.
"""

from __future__ import annotations

import logging
from functools import cache, lru_cache
from importlib.resources import files

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.catalog import load_catalog
from pipeline.document import Document
from pipeline.figures import extract_figures
from pipeline.indicators import extract_indicators
from pipeline.metadata import extract_metadata
from pipeline.quantities import find_quantities
from pipeline.sections import find_sections

COMPONENTS = ("edu_metadata", "edu_sections", "edu_quantities", "edu_figures", "edu_indicators")

for _name in ("document", "meta", "sections", "quantities", "figures", "indicators"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[str, ...]:
    """jieba words with the domain dictionary loaded (used for fuzzy name matching); cached,
    since catalog names are tokenized for every heading of every document."""
    _load_dictionary()
    return tuple(w for w in jieba.lcut(text, HMM=False) if w.strip())


@cache
def _load_dictionary() -> None:
    jieba.setLogLevel(logging.WARNING)
    jieba.load_userdict(str(files("pipeline.data").joinpath("userdict.txt")))
    catalog = load_catalog()
    for framework in catalog.frameworks.values():
        for indicator in framework.indicators.values():
            for word in (indicator.short, *indicator.keywords):
                if 2 <= len(word) <= 12:
                    jieba.add_word(word, freq=1000)


@Language.component("edu_metadata")
def metadata_component(doc: Doc) -> Doc:
    doc._.meta = extract_metadata(doc._.document)
    return doc


@Language.component("edu_sections")
def sections_component(doc: Doc) -> Doc:
    doc._.sections = find_sections(doc._.document)
    return doc


@Language.component("edu_quantities")
def quantities_component(doc: Doc) -> Doc:
    doc._.quantities = find_quantities(doc._.document.text)
    return doc


@Language.component("edu_figures")
def figures_component(doc: Doc) -> Doc:
    meta = doc._.meta or {}
    doc._.figures = extract_figures(
        doc._.document, doc._.quantities, meta.get("kind"), meta.get("report_year")
    )
    return doc


@Language.component("edu_indicators")
def indicators_component(doc: Doc) -> Doc:
    doc._.indicators = extract_indicators(doc._.document, doc._.sections, doc._.figures, tokenize)
    return doc


@cache
def get_nlp() -> Language:
    """Built once per process: the jieba dictionary and the pipeline are reused for every document."""
    _load_dictionary()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


def analyse(document: Document) -> Doc:
    """Run the pipeline over a document. The spaCy Doc holds the tokens of the document's
    text; the components read the Document for offsets, blocks and sentences."""
    nlp = get_nlp()
    doc = nlp.make_doc(document.text)
    doc._.document = document
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc
