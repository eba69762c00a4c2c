"""spaCy as an adapter: the stages of `pipeline.extract.extract` and the engine as registered
spaCy factories, for users who compose pipelines in spaCy.

Production runs the plain function chain (`pipeline.audit`); this module only wraps it, so the
two give the same results (tests/test_nlp.py). Each factory declares what it `assigns` on
`Doc._` and takes its data paths as config:

    nlp = spacy.blank("zh")
    nlp.add_pipe("edu_metadata")
    nlp.add_pipe("edu_sections")
    nlp.add_pipe("edu_mentions")
    nlp.add_pipe("edu_figures")
    nlp.add_pipe("edu_indicators", config={"catalog_path": None})
    nlp.add_pipe("edu_engine", config={"rules_path": None})
    doc = nlp(text)            # or analyse(document) for an ingested Document

The components read the ingested `Document` (offsets, blocks, sentences), not spaCy tokens:
`analyse` hands spaCy an empty Doc, so no full-document tokenisation is done that nothing reads.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.data import use_data_file
from pipeline.document import Document
from pipeline.engine import check_document
from pipeline.extract import Extracted, read_indicators
from pipeline.extract.figures import extract_figures
from pipeline.extract.metadata import extract_metadata
from pipeline.extract.quantities import find_quantities
from pipeline.extract.sections import find_sections

COMPONENTS = (
    "edu_metadata",
    "edu_sections",
    "edu_mentions",
    "edu_figures",
    "edu_indicators",
    "edu_engine",
)
_EXTENSIONS = ("document", "meta", "sections", "quantities", "figures", "indicators", "findings")

for _name in _EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def _document(doc: Doc) -> Document:
    """The Document a component reads: the one `analyse` attached, or the Doc's text ingested."""
    if doc._.document is None:
        from pipeline.ingest.files import ingest_bytes

        doc._.document = ingest_bytes(doc.text.encode("utf-8"), "spacy.txt")
    return doc._.document


@Language.factory("edu_metadata", assigns=["doc._.document", "doc._.meta"])
def metadata_factory(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        doc._.meta = extract_metadata(_document(doc))
        return doc

    return component


@Language.factory("edu_sections", assigns=["doc._.sections"], requires=["doc._.document"])
def sections_factory(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        doc._.sections = find_sections(_document(doc))
        return doc

    return component


@Language.factory("edu_mentions", assigns=["doc._.quantities"], requires=["doc._.document"])
def mentions_factory(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        doc._.quantities = find_quantities(_document(doc).text)
        return doc

    return component


@Language.factory(
    "edu_figures", assigns=["doc._.figures"], requires=["doc._.meta", "doc._.quantities"]
)
def figures_factory(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        meta = doc._.meta or {}
        doc._.figures = extract_figures(
            _document(doc), doc._.quantities, meta.get("kind"), meta.get("report_year")
        )
        return doc

    return component


@Language.factory(
    "edu_indicators",
    assigns=["doc._.indicators"],
    requires=["doc._.sections", "doc._.figures"],
    default_config={"catalog_path": None},
)
def indicators_factory(nlp: Language, name: str, catalog_path: str | None):
    """`catalog_path`: another catalog.toml for this process (None: the packaged one)."""
    use_data_file("catalog.toml", catalog_path)

    def component(doc: Doc) -> Doc:
        doc._.indicators = read_indicators(_document(doc), doc._.sections, doc._.figures)
        return doc

    return component


@Language.factory(
    "edu_engine",
    assigns=["doc._.findings"],
    requires=["doc._.indicators"],
    default_config={"rules_path": None},
)
def engine_factory(nlp: Language, name: str, rules_path: str | None):
    """The engine as the last pipe; `rules_path`: another rules.toml (None: the packaged one)."""
    use_data_file("rules.toml", rules_path)

    def component(doc: Doc) -> Doc:
        doc._.findings = check_document(_document(doc), extracted(doc))
        return doc

    return component


def extracted(doc: Doc) -> Extracted:
    """What the extraction components assigned, as the plain chain's result."""
    return Extracted(doc._.meta, doc._.sections, doc._.quantities, doc._.figures, doc._.indicators)


@cache
def get_nlp() -> Language:
    """A blank Chinese pipeline with every component, built once per process."""
    nlp = spacy.blank("zh")
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


def analyse(document: Document) -> Doc:
    """Run the pipeline over an ingested Document (an empty Doc: nothing is tokenised)."""
    nlp = get_nlp()
    doc = Doc(nlp.vocab, words=[])
    doc._.document = document
    return nlp(doc)
