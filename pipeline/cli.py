"""The `edu-audit` command line: the same functions the library offers, one subcommand each."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace

from pipeline import __version__
from pipeline.audit import audit_path
from pipeline.ingest.files import Limits, ingest_path

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_RUN_FAILED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edu-audit",
        description="Extract and re-check the figures of compulsory-education self-assessment reports.",
    )
    parser.add_argument("--version", action="version", version=f"edu-audit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="audit files and print document results")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--format", choices=["json", "text"], default="text")
    check.add_argument("--fail-on", choices=["error", "warning"], default=None)
    check.set_defaults(handler=cmd_check)

    ingest = sub.add_parser("ingest", help="print the cleaned, normalised text of a file")
    ingest.add_argument("file", metavar="FILE")
    ingest.add_argument(
        "--blocks", action="store_true", help="print one block per line with kind and offsets"
    )
    ingest.set_defaults(handler=cmd_ingest)

    run = sub.add_parser("run", help="audit a whole corpus folder and write all outputs")
    run.add_argument("corpus", metavar="CORPUS_DIR")
    run.add_argument("-o", "--out", required=True, metavar="OUT_DIR")
    run.add_argument("--workers", type=int, default=None, metavar="N", help="default: CPU cores")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_limit_arguments(run)
    run.set_defaults(handler=cmd_run)

    synth = sub.add_parser("synth", help="generate a demo corpus for fictional districts")
    synth.add_argument("-n", type=int, default=30, metavar="N", help="number of documents")
    synth.add_argument("-o", "--out", required=True, metavar="DIR")
    synth.add_argument("--seed", type=int, default=0)
    synth.set_defaults(handler=cmd_synth)

    from pipeline.crawler import add_arguments as add_crawl_arguments
    from pipeline.crawler import run as run_crawl

    crawl = sub.add_parser("crawl", help="fetch reports from district sites into a corpus folder")
    add_crawl_arguments(crawl)
    crawl.set_defaults(handler=run_crawl)
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    results = [audit_path(path) for path in args.files]
    if args.format == "json":
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from pipeline.textreport import print_results

        print_results(results)
    return EXIT_FINDINGS if _fails(results, args.fail_on) else EXIT_OK


def _fails(results: list[dict], fail_on: str | None) -> bool:
    if fail_on is None:
        return False
    levels = {"error"} if fail_on == "error" else {"error", "warning"}
    return any(f["severity"] in levels for r in results for f in r["findings"])


def cmd_ingest(args: argparse.Namespace) -> int:
    doc = ingest_path(args.file)
    if doc.status != "ok":
        print(f"{doc.path}: {doc.status}: {doc.error}", file=sys.stderr)
    if args.blocks:
        for block in doc.blocks:
            print(
                f"[{block.kind} {block.start}-{block.end} p{block.page}] {doc.text[block.start : block.end]}"
            )
    else:
        sys.stdout.write(doc.text + ("\n" if doc.text else ""))
    return EXIT_OK


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """Per-document resource limits (docs/limits.md); defaults from pipeline.ingest.Limits."""
    from pipeline.batch.workers import DEFAULT_TIMEOUT

    defaults = Limits()
    group = parser.add_argument_group("per-document limits (docs/limits.md)")
    group.add_argument("--max-mb", type=float, default=defaults.max_bytes / 2**20, metavar="MB")
    group.add_argument("--max-pages", type=int, default=defaults.pdf.max_pages, metavar="N")
    group.add_argument("--max-chars", type=int, default=defaults.max_chars, metavar="N")
    group.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S", help="seconds per document"
    )


def limits_from(args: argparse.Namespace) -> Limits | None:
    """Limits from the flags, or None (with a message) when a flag is not positive."""
    values = (args.max_mb, args.max_pages, args.max_chars, args.timeout)
    if min(values) <= 0:
        print("错误：--max-mb、--max-pages、--max-chars、--timeout 须为正数", file=sys.stderr)
        return None
    defaults = Limits()
    return replace(
        defaults,
        max_bytes=int(args.max_mb * 2**20),
        max_chars=args.max_chars,
        pdf=replace(defaults.pdf, max_pages=args.max_pages),
    )


def cmd_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.batch.lock import RunError
    from pipeline.batch.run import run_corpus

    if not Path(args.corpus).is_dir():
        print(f"错误：找不到语料目录 {args.corpus}", file=sys.stderr)
        return EXIT_USAGE
    if args.workers is not None and args.workers < 1:
        print("错误：--workers 须至少为 1", file=sys.stderr)
        return EXIT_USAGE
    limits = limits_from(args)
    if limits is None:
        return EXIT_USAGE
    try:
        summary = run_corpus(
            args.corpus,
            args.out,
            workers=args.workers,
            progress=not args.no_progress,
            timeout=args.timeout,
            limits=limits,
        )
    except RunError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    print(summary.render())
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.synth import generate, summary

    if args.n < 1:
        print("错误：-n 须至少为 1", file=sys.stderr)
        return EXIT_USAGE
    truth_path = generate(args.n, Path(args.out), seed=args.seed)
    truth = json.loads(truth_path.read_text("utf-8"))
    injected = sum(summary(truth)["rule"].values())
    print(
        f"已生成 {args.n} 份文档，注入问题 {injected} 处，写入 {args.out}（标准答案：{truth_path}）"
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
