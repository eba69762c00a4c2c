"""The `edu-audit` command line: the same functions the library offers, one subcommand each.

Only argparse is imported at start-up; each command imports what it needs inside `main`'s
guard, so Ctrl-C during the (slow) imports ends quietly with exit 130, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.signals import in_finaliser

if TYPE_CHECKING:
    from pipeline.ingest.limits import Limits

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_RUN_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

DESCRIPTION = (
    "提取并复核县域义务教育督导评估自评报告中的数字：合计、百分比、增长率、国家标准与自评结论。"
)
EXAMPLES = {
    None: """示例：
  edu-audit check 报告.pdf                      审核一个文件，打印问题与指标
  edu-audit run corpus/demo -o out/demo          审核整个目录，写出表格、工作簿、数据库和网页报告
  edu-audit review out/demo 3f2a9c1b0d4e --dismiss --note "口径不同"   复核一条问题
  edu-audit 子命令 --help                         查看子命令的说明""",
    "check": """示例：
  edu-audit check 报告.txt
  edu-audit check a.pdf b.html --format json > 结果.json
  edu-audit check 报告.pdf --fail-on warning     有警告或错误时退出码为 1
  cat 报告.txt | edu-audit check -               从标准输入读取""",
    "ingest": """示例：
  edu-audit ingest 页面.html                      打印清洗、规范化后的正文
  edu-audit ingest 报告.pdf --blocks              每块一行：类型、起止位置、页码""",
    "run": """示例：
  edu-audit run corpus/demo -o out/demo
  edu-audit run corpus/crawl -o out/crawl --workers 2 --no-progress
  edu-audit run corpus/crawl -o out/yubei --district 渝北区 --district 江北区
  edu-audit run corpus/crawl -o out/crawl --scheduler tcp://scheduler-host:8786    在 Dask 集群上审核
  edu-audit run corpus/demo -o out/demo --scheduler local --workers 2""",
    "review": """示例（问题编号见工作簿“问题清单”或网页报告，写前几位即可）：
  edu-audit review out/demo                       列出全部问题、编号与复核状态
  edu-audit review out/demo 3f2a9c1b0d4e --confirm
  edu-audit review out/demo 3f2a9c1b0d4e --dismiss --note "分母为另一口径" --reviewer 张三
  edu-audit review out/demo 3f2a9c1b0d4e --reopen
再次运行 edu-audit run … -o out/demo 后，复核结论进入全部输出。""",
    "explain": """示例：
  edu-audit explain report.txt                 列出各句及其编号
  edu-audit explain report.txt --sentence 8    第 8 句的数值、关系与放弃的候选及理由
  edu-audit explain report.txt --at 1292       含第 1292 个字符的那一句""",
    "synth": """示例：
  edu-audit synth -n 30 -o corpus/demo --seed 0""",
    "crawl": """示例：
  edu-audit crawl --start https://www.example.gov.cn/zwgk/jydd/ -o corpus/crawl --contact https://your.org/contact""",
}
# argparse's own messages, in Chinese.
_ARGPARSE_CN = (
    (r"the following arguments are required: (.*)", r"缺少参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (
        r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)",
        r"参数 \1 的取值 \2 无效（可选：\3）",
    ),
    (r"argument (.*?): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"参数 \1 的值 \3 无效"),
    (r"argument (.*?): not allowed with argument (.*)", r"参数 \1 不能与 \2 同时使用"),
    (r"one of the arguments (.*) is required", r"须给出以下参数之一：\1"),
)


class ChineseParser(argparse.ArgumentParser):
    """argparse with Chinese headings, help and error messages."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "用法：", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "用法：", 1)

    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, replacement in _ARGPARSE_CN:
            message = re.sub(pattern, replacement, message)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}：错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="edu-audit", description=DESCRIPTION, epilog=EXAMPLES[None])
    parser.add_argument("--version", action="version", version=f"edu-audit {__version__}",
                        help="显示版本并退出")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, title="子命令", metavar="子命令",
                                parser_class=ChineseParser)  # fmt: skip

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=summary, epilog=EXAMPLES[name])

    check = command("check", "审核文件并打印结果（问题在前，指标在后）")
    check.add_argument(
        "files", nargs="+", metavar="文件", help="报告文件（txt/html/pdf/docx…），- 表示标准输入"
    )
    check.add_argument("--format", choices=["json", "text"], default="text",
                       help="text：便于阅读（默认）；json：DESIGN.md 所述的结果结构")  # fmt: skip
    check.add_argument("--fail-on", choices=["error", "warning"], default=None,
                       help="出现该级别（或更严重）的问题时退出码为 1")  # fmt: skip
    check.set_defaults(handler=cmd_check)

    ingest = command("ingest", "打印文件清洗、规范化后的正文（所有位置都以此为准）")
    ingest.add_argument("file", metavar="文件", help="报告文件，- 表示标准输入")
    ingest.add_argument("--blocks", action="store_true", help="每块一行，带类型、起止位置和页码")
    ingest.set_defaults(handler=cmd_ingest)

    run = command("run", "审核整个语料目录，写出表格、工作簿、数据库与网页报告")
    run.add_argument("corpus", metavar="语料目录")
    run.add_argument("-o", "--out", required=True, metavar="输出目录")
    run.add_argument(
        "--workers", type=int, default=None, metavar="N", help="进程数（默认：CPU 核数）"
    )
    run.add_argument("--district", action="append", default=None, metavar="区县",
                     help="只审核该区县的文档（可重复）")  # fmt: skip
    run.add_argument("--no-progress", action="store_true", help="不在标准错误上显示进度条")
    run.add_argument(
        "--scheduler",
        metavar="地址",
        help="在 Dask 集群上审核：tcp://主机:端口，或 local（本机集群，进程数由 --workers 定；需安装 dask 扩展）",
    )
    add_limit_arguments(run)
    run.set_defaults(handler=cmd_run)

    review = command("review", "复核一条问题：确认、排除或重新打开，结论在下次运行时进入全部输出")
    review.add_argument("out", metavar="输出目录", help="edu-audit run 的输出目录")
    review.add_argument("finding_id", nargs="?", metavar="问题编号",
                        help="问题编号（可只写前几位）；不写则列出全部问题及其编号")  # fmt: skip
    decision = review.add_mutually_exclusive_group()
    decision.add_argument("--confirm", dest="decision", action="store_const", const="confirmed",
                          help="确认：这是报告的问题")  # fmt: skip
    decision.add_argument("--dismiss", dest="decision", action="store_const", const="dismissed",
                          help="排除：误报（仍显示，置灰）")  # fmt: skip
    decision.add_argument("--reopen", dest="decision", action="store_const", const="open",
                          help="撤销复核，重新设为待复核")  # fmt: skip
    review.add_argument("--note", default=None, metavar="备注", help="复核理由")
    review.add_argument(
        "--reviewer", default=None, metavar="姓名", help="复核人（默认：系统用户名）"
    )
    review.set_defaults(handler=cmd_review)

    synth = command("synth", "为虚构区县生成演示语料（含已知的注入问题）")
    synth.add_argument("-n", type=int, default=30, metavar="N", help="文档数（默认 30）")
    synth.add_argument("-o", "--out", required=True, metavar="目录")
    synth.add_argument("--seed", type=int, default=0, help="随机种子（默认 0）")
    synth.set_defaults(handler=cmd_synth)

    explain = command("explain", "显示某一句读出的数值和关系，以及每个候选关系建立或放弃的理由")
    explain.add_argument("file", metavar="文件")
    where = explain.add_mutually_exclusive_group()
    where.add_argument("--sentence", type=int, metavar="N", help="第 N 句（从 1 起）")
    where.add_argument("--at", type=int, metavar="位置", help="正文中的字符位置")
    explain.set_defaults(handler=cmd_explain)

    from pipeline.crawler.cli import add_arguments as add_crawl_arguments
    from pipeline.crawler.cli import run as run_crawl

    crawl = command("crawl", "从区县政府网站抓取报告到语料目录")
    add_crawl_arguments(crawl)
    crawl.set_defaults(handler=run_crawl)
    return parser


def usage_error(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return EXIT_USAGE


def input_problem(name: str) -> str | None:
    """Why a file argument cannot be read, in Chinese; None when it can (or is `-`)."""
    if name == "-":
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*://", name, re.IGNORECASE):
        return f"{name} 是网址：请先下载，或用 edu-audit crawl 抓取后再审核"
    path = Path(name)
    if not path.exists():
        return f"找不到文件 {name}"
    if path.is_dir():
        return f"{name} 是目录：审核整个目录请用 edu-audit run {name} -o 输出目录"
    try:
        with path.open("rb"):
            pass
    except OSError:
        return f"无法读取文件 {name}（没有读取权限？）"
    return None


def read_document(name: str):
    """The ingested document of a file argument; `-` reads standard input."""
    from pipeline.ingest.files import ingest_bytes, ingest_path

    if name == "-":
        return ingest_bytes(sys.stdin.buffer.read(), "stdin.txt")
    return ingest_path(name)


def cmd_explain(args: argparse.Namespace) -> int:
    problem = input_problem(args.file)
    if problem:
        return usage_error(problem)
    from pipeline.explain import explain_path

    print(explain_path(args.file, args.sentence, args.at))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    problems = [p for p in map(input_problem, args.files) if p]
    if problems:
        return usage_error("；".join(problems))
    if args.files.count("-") > 1:
        return usage_error("标准输入 - 只能给一次")
    from pipeline.audit import audit_document
    from pipeline.review import assign_ids

    docs = [read_document(name) for name in args.files]
    results = [assign_ids(audit_document(doc)) for doc in docs]
    if args.format == "json":
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from pipeline.textreport import print_results

        print_results(results, docs)
    return EXIT_FINDINGS if _fails(results, args.fail_on) else EXIT_OK


def _fails(results: list[dict], fail_on: str | None) -> bool:
    if fail_on is None:
        return False
    levels = {"error"} if fail_on == "error" else {"error", "warning"}
    return any(f["severity"] in levels for r in results for f in r["findings"])


def cmd_ingest(args: argparse.Namespace) -> int:
    problem = input_problem(args.file)
    if problem:
        return usage_error(problem)
    doc = read_document(args.file)
    if doc.status != "ok":
        print(f"{doc.path}: {doc.status}: {doc.error}", file=sys.stderr)
    if args.blocks:
        for block in doc.blocks:
            page = f" 第{block.page}页" if block.page is not None else ""
            print(
                f"[{block.kind} {block.start}-{block.end}{page}] {doc.text[block.start : block.end]}"
            )
    else:
        sys.stdout.write(doc.text + ("\n" if doc.text else ""))
    return EXIT_OK


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """Per-document resource limits (docs/limits.md); defaults from pipeline.ingest.Limits."""
    from pipeline.ingest.limits import DEFAULT_TIMEOUT, Limits

    defaults = Limits()
    group = parser.add_argument_group("每份文档的资源上限（见 docs/limits.md）")
    group.add_argument("--max-mb", type=float, default=defaults.max_bytes / 2**20, metavar="MB",
                       help="文件大小上限（MB）")  # fmt: skip
    group.add_argument("--max-pages", type=int, default=defaults.pdf.max_pages, metavar="N",
                       help="PDF 页数上限")  # fmt: skip
    group.add_argument("--max-chars", type=int, default=defaults.max_chars, metavar="N",
                       help="正文字数上限")  # fmt: skip
    group.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="秒", help="每份文档的处理时限"
    )


def limits_from(args: argparse.Namespace) -> Limits | None:
    """Limits from the flags, or None (with a message) when a flag is not positive."""
    from pipeline.ingest.limits import Limits

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
    corpus, out = Path(args.corpus), Path(args.out)
    if corpus.is_file():
        return usage_error(
            f"{args.corpus} 是文件，不是语料目录：审核单个文件请用 edu-audit check {args.corpus}"
        )
    if not corpus.is_dir():
        return usage_error(f"找不到语料目录 {args.corpus}")
    if out.exists() and not out.is_dir():
        return usage_error(f"输出目录 {args.out} 已存在且是文件：请换一个目录名")
    if args.workers is not None and args.workers < 1:
        return usage_error("--workers 须至少为 1")
    from pipeline.batch.corpus import SUFFIXES, discover

    if not discover(corpus, out):
        kinds = " ".join(sorted(SUFFIXES))
        return usage_error(
            f"语料目录 {args.corpus} 中没有可审核的文件（支持 {kinds}），未写出任何输出"
        )
    limits = limits_from(args)
    if limits is None:
        return EXIT_USAGE
    from pipeline.batch.distributed import ClusterError
    from pipeline.batch.lock import RunError
    from pipeline.batch.run import run_corpus

    try:
        summary = run_corpus(
            corpus,
            out,
            workers=args.workers,
            progress=not args.no_progress,
            timeout=args.timeout,
            scheduler=args.scheduler,
            districts=args.district,
            limits=limits,
        )
    except ClusterError as exc:
        return usage_error(str(exc))
    except RunError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except OSError as exc:
        return usage_error(f"无法写入输出目录 {args.out}（{exc.strerror or exc}）")
    print(summary.render())
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from pipeline.review import STATE_LABEL, ReviewError, record

    if not Path(args.out).is_dir():
        return usage_error(f"找不到输出目录 {args.out}")
    if args.finding_id is None:
        from pipeline.review import list_findings

        try:
            print("\n".join(list_findings(Path(args.out))))
        except ReviewError as exc:
            return usage_error(str(exc))
        return EXIT_OK
    if args.decision is None:
        return usage_error("请给出 --confirm、--dismiss 或 --reopen 之一")
    try:
        entry = record(Path(args.out), args.finding_id, args.decision, args.note, args.reviewer)
    except ReviewError as exc:
        return usage_error(str(exc))
    note = f"，备注：{entry.note}" if entry.note else ""
    print(
        f"问题 {entry.finding_id}（{entry.rule}，{entry.path}）：{STATE_LABEL[entry.decision]}"
        f"（{entry.reviewer}，{entry.reviewed_at}{note}）\n"
        f"已记入 {Path(args.out) / 'reviews.jsonl'} 与 audit.sqlite；"
        f"再次运行 edu-audit run … -o {args.out} 后进入工作簿和网页报告。"
    )
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    from pipeline.synth import generate, summary

    if args.n < 1:
        return usage_error("-n 须至少为 1")
    truth_path = generate(args.n, Path(args.out), seed=args.seed)
    truth = json.loads(truth_path.read_text("utf-8"))
    injected = sum(summary(truth)["rule"].values())
    print(
        f"已生成 {args.n} 份文档，注入问题 {injected} 处，写入 {args.out}（标准答案：{truth_path}）"
    )
    return EXIT_OK


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C as KeyboardInterrupt; inside a finaliser the signal is sent again a moment later,
    once the finaliser has returned (`pipeline.signals`)."""
    if in_finaliser(frame):
        again = threading.Timer(0.01, os.kill, (os.getpid(), signum))
        again.daemon = True
        again.start()
        return
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _interrupt) if in_main_thread else None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
            return int(exc.code or 0)
        return args.handler(args)
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":
    sys.exit(main())
