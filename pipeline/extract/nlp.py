"""The spaCy frame: a blank Chinese pipeline with the jieba segmenter and our rule components.

Each stage of extraction is a named spaCy component that reads and writes `Doc._` extensions,
so a user can add a rule with `nlp.add_pipe("my_rule", after="edu_figures")` without touching
the core. No model is downloaded: `spacy.blank("zh")` plus jieba and a domain user dictionary.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.document import Document
from pipeline.extract.figures import extract_figures
from pipeline.extract.indicators import extract_indicators
from pipeline.extract.metadata import extract_metadata
from pipeline.extract.quantities import find_quantities
from pipeline.extract.sections import find_sections
from pipeline.extract.words import load_dictionary, tokenize

COMPONENTS = ("edu_metadata", "edu_sections", "edu_quantities", "edu_figures", "edu_indicators")

for _name in ("document", "meta", "sections", "quantities", "figures", "indicators"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


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
    load_dictionary()
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
