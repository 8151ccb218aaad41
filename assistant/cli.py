"""Command line: `assistant ask|corpus|index|eval|serve|feedback|bench`. Errors print one line and exit non-zero."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from assistant.config import Settings, settings_problem
from assistant.errors import AssistantError, MirrorNotFoundError
from assistant.prompts import load_prompt


class EvalUsageError(AssistantError):
    exit_code = 2


class UsageError(AssistantError):
    exit_code = 2


MAX_K = 50  # as ASSISTANT_TOP_K


def _provisions(text: str) -> int:
    """-k: a whole number of provisions from 1 to MAX_K."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_K}, not {text!r}") from None
    if not 1 <= value <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_K} provisions, not {value}")
    return value


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "mirror", None):
        overrides["mirror"] = Path(args.mirror)
    if getattr(args, "download", False):
        overrides["download"] = True
    return Settings(**overrides)


# ---------------------------------------------------------------------------------------------
# ask


def _print_answer(answer, as_json: bool, streamed: str = "") -> None:
    if as_json:
        print(json.dumps(answer.model_dump(), ensure_ascii=False), flush=True)
        return
    if answer.answer.startswith(streamed):
        print(answer.answer[len(streamed):])
    else:  # the final answer differs from what was streamed (a fallback): show it whole
        print(f"\n\n---\n{answer.answer}")
    if answer.notice:
        print(f"\nNote: {answer.notice}")
    if answer.query and answer.query != answer.question:
        print("\n" + load_prompt("label_searched_as", answer.language).format(query=answer.query))
    if not answer.declined:
        print("\nSources:")
        for c in answer.citations:
            page = f", PDF p. {c.page}" if c.page else ""
            print(f"  [{c.marker}] {c.short_title}, {c.unit}{page} — {c.title}")
    if answer.related:
        print("\n" + load_prompt("label_closest" if answer.declined else "label_related", answer.language) + ":")
        print("  " + "; ".join(r.label for r in answer.related))


def _stream_answer(bot, question: str, doc, k) -> None:
    """Print the answer as it is written, then its sources."""
    from assistant.models import Answer

    shown = ""
    for event in bot.ask_stream(question, doc=doc, k=k):
        if isinstance(event, Answer):
            _print_answer(event, False, shown)
        elif event.text.startswith(shown):
            sys.stdout.write(event.text[len(shown):])
            sys.stdout.flush()
            shown = event.text


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.core import Assistant, clean_question
    from assistant.errors import InvalidQuestionError

    settings = _settings(args)
    if args.question is not None:
        clean_question(args.question, settings.max_question_chars)  # refuse bad input before loading anything
    bot = Assistant.open(settings)
    if args.question is not None:
        if args.json:
            _print_answer(bot.ask(args.question, doc=args.doc, k=args.k), True)
        else:
            _stream_answer(bot, args.question, args.doc, args.k)
        return 0
    if not args.json:
        raise InvalidQuestionError('give a question, e.g. assistant ask "What is forced pregnancy?", '
                                   "or use --json to read questions from standard input")
    status = 0
    for raw in sys.stdin.buffer:  # bytes: a line that is not UTF-8 is read with U+FFFD, never echoed raw
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        try:
            _print_answer(bot.ask(line, doc=args.doc, k=args.k), True)
        except InvalidQuestionError as exc:  # one bad line does not stop the batch
            print(json.dumps({"question": line.rstrip("\n"), "error": str(exc)}, ensure_ascii=False), flush=True)
            status = exc.exit_code
    return status


# ---------------------------------------------------------------------------------------------
# corpus


def cmd_corpus_sync(args: argparse.Namespace) -> int:
    from assistant.corpus.manifest import load_manifest
    from assistant.corpus.sync import sync_corpus

    settings = _settings(args)
    mirror = settings.mirror
    if not mirror.is_dir():
        if args.mirror:
            raise MirrorNotFoundError(f"mirror folder {mirror} does not exist")
        print(f"note: mirror folder {mirror} does not exist; only documents already synced are used", file=sys.stderr)
        mirror = None
    results = sync_corpus(
        load_manifest(settings.manifest), mirror, settings.documents_dir,
        download=settings.download, timeout=settings.download_timeout,
    )
    _print_status(results)
    required_missing = [r for r in results if not r.available and not r.source.optional]
    if required_missing:
        print(f"\n{len(required_missing)} required document(s) missing: the index will be built without them. "
              "Point ASSISTANT_MIRROR (or --mirror) at a folder holding them, or use --download where online.",
              file=sys.stderr)
    optional_missing = [r for r in results if not r.available and r.source.optional]
    if optional_missing:
        print(f"{len(optional_missing)} optional document(s) not available offline: place them in the mirror "
              "folder under the file names listed, or run `assistant corpus sync --download` where online.",
              file=sys.stderr)
    return 0


def _print_status(results) -> None:
    width = max(len(r.source.id) for r in results)
    for r in results:
        kind = "optional" if r.source.optional else "required"
        detail = f"  ({r.detail})" if r.detail and not r.available else ""
        print(f"{r.source.id:<{width}}  {r.status.value:<13} {kind:<8}  {r.source.file}{detail}")


def cmd_corpus_list(args: argparse.Namespace) -> int:
    from assistant.corpus.manifest import load_manifest
    from assistant.corpus.sync import Status, document_status
    from assistant.index import status

    settings = _settings(args)
    results = document_status(load_manifest(settings.manifest), settings.documents_dir)
    built = status(settings, check=False).built or {}
    indexed = set(built.get("indexed", []))
    width = max(len(r.source.id) for r in results)
    for r in results:
        state = "indexed" if r.source.id in indexed else ("synced" if r.available else "not synced")
        if r.status is Status.HASH_MISMATCH:
            state = "wrong version"
        print(f"{r.source.id:<{width}}  {state:<13} {r.source.short_title} — {r.source.version or 'version unknown'}")
    return 0


def _upload_store(settings):
    from assistant.embedding import embedder_of
    from assistant.uploads import UploadStore

    return UploadStore(settings, embedder_of(settings))


def cmd_corpus_add(args: argparse.Namespace) -> int:
    settings = _settings(args)
    path = Path(args.file)
    if not path.is_file():
        from assistant.uploads import UploadError

        raise UploadError(f"{args.file}: no such file")
    document = _upload_store(settings).add_file(path, title=args.title)
    print(f"added {document.id}: “{document.title}” ({document.kind}, {document.units} units, "
          f"{document.chunks} chunks); cited as “{document.short_title}, …”")
    return 0


def cmd_corpus_uploads(args: argparse.Namespace) -> int:
    documents = _upload_store(_settings(args)).list()
    if not documents:
        print("no uploaded documents (add one with `assistant corpus add FILE`)")
    for d in documents:
        print(f"{d.id}  {d.kind:<8} {d.units:>4} units  {d.added_at}  {d.title}  ({d.original_name})")
    return 0


def cmd_corpus_remove(args: argparse.Namespace) -> int:
    document = _upload_store(_settings(args)).remove(args.id)
    print(f"removed {document.id}: “{document.title}”")
    return 0


# ---------------------------------------------------------------------------------------------
# embedder


def cmd_embedder_adapt(args: argparse.Namespace) -> int:
    from assistant.adaptation import adapt

    settings = _settings(args)
    training, out = (settings.home / args.training).resolve(), (settings.home / args.out).resolve()
    record = adapt(settings, training, out, epochs=args.epochs, seed=args.seed, progress=not args.quiet)
    print(f"adapted {record['base_model']} on {record['questions']} questions ({record['pairs']} pairs, "
          f"{record['epochs']} epochs) in {record['seconds']} s: {out}")
    print(f"use it: ASSISTANT_EMBEDDING_MODEL_DIR={args.out} assistant index build (then serve, ask or eval "
          "with the same variable)")
    return 0


# ---------------------------------------------------------------------------------------------
# index


def cmd_index_build(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.routes_english:  # English questions are searched in the English embedder's index: build it too
        english = settings.for_english()
        print(f"English questions use the {english.embedding} index ({english.index_dir}); "
              f"the other languages the {settings.embedding} index ({settings.index_dir})")
        _build_index(english, args)
    return _build_index(settings, args)


def _build_index(settings, args: argparse.Namespace) -> int:
    from assistant.index import build_index, status

    if not args.force:
        state = status(settings)
        if state.up_to_date:
            print(f"index is up to date ({state.built['units']} units, {state.built['chunks']} chunks); "
                  "--force rebuilds it")
            return 0
        if state.damaged:
            print("index is damaged: " + "; ".join(state.damaged) + "; rebuilding it", file=sys.stderr)
        elif state.stale:
            print("index is out of date: " + "; ".join(state.stale), file=sys.stderr)
    report = build_index(settings, progress=not args.quiet)
    print(f"built {report.store.name}: {len(report.documents)} documents, {report.units} units, "
          f"{report.chunks} chunks in {report.seconds:.1f} s")
    for skipped in report.skipped:
        print(f"skipped: {skipped}", file=sys.stderr)
    return 0


def cmd_index_status(args: argparse.Namespace) -> int:
    from assistant.index import status

    settings = _settings(args)
    state = status(settings)
    if not state.exists:
        print(f"no index in {settings.index_dir}: run `assistant index build`")
        return 3
    built = state.built
    print(f"store: {state.store}")
    print(f"built: {built['built_at']}, {built['units']} units, {built['chunks']} chunks, "
          f"model {built['embedding_model']}")
    print(f"documents: {', '.join(built['indexed'])}")
    _print_reference_counts(built.get("references", {}))
    if state.damaged:
        print("status: damaged: " + "; ".join(state.damaged) + ": run `assistant index build --force`")
    else:
        print("status: " + ("up to date" if state.up_to_date else "out of date: " + "; ".join(state.stale)))
    return 0 if state.up_to_date else 3


def _print_reference_counts(counts: dict[str, dict[str, int]]) -> None:
    """Cross-references resolved per document (the rest point outside the corpus or were not understood)."""
    if counts:
        print("cross-references resolved:")
    for doc, entry in counts.items():
        print(f"  {doc:<35} {entry['resolved']:>4} of {entry['found']:>4} ({entry['resolved'] / entry['found']:.1%})")


# ---------------------------------------------------------------------------------------------


def cmd_bench(args: argparse.Namespace) -> int:
    from assistant.bench import run_benchmark, run_llm_benchmark

    if args.llm:
        run_llm_benchmark(_settings(args), args.llm)
        return 0
    run_benchmark(_settings(args), questions=args.questions, skip_build=args.skip_build,
                  embedders=[e.strip() for e in args.embedding.split(",")] if args.embedding else None)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evals.suite import dataset_path, evaluate, resolve_presets

    settings = _settings(args)
    try:
        presets = resolve_presets(settings, args.preset)
    except ValueError as exc:
        raise EvalUsageError(str(exc)) from exc
    for dataset in filter(None, (args.dataset, args.held_out)):
        if not dataset_path(settings, dataset).is_file():
            raise EvalUsageError(f"no dataset '{dataset}' in {settings.evals_dir / 'datasets'}")
    folder, summary = evaluate(settings, args.dataset, presets, limit=args.limit,
                               out=Path(args.out) if args.out else None, progress=not args.quiet,
                               held_out=args.held_out)
    print(f"report: {folder}")
    _print_headlines(summary)
    if not args.check:
        return 0
    gated = "default" if "default" in summary else presets[0]
    return _evaluation_gate(settings, summary[gated]["overall"], gated, args.dataset)


def _print_headlines(summary: dict) -> None:
    """One line per preset with its headline metrics."""
    for preset, data in summary.items():
        o = data["overall"]
        declined = o["decline_recall"] if o["decline_recall"] is not None else float("nan")
        precision = o["citation_precision"] if o.get("citation_precision") is not None else float("nan")
        print(f"{preset:<17} article hit@5 {o['article_hit@5']:.3f}  pinpoint hit@5 {o['pinpoint_hit@5']:.3f}  "
              f"citation precision {precision:.3f}  out-of-scope declined {declined:.3f}  "
              f"wrongly declined {o['wrongly_declined']:.3f}  p95 {o['latency_p95_ms']:.0f} ms")


def _evaluation_gate(settings: Settings, overall: dict, preset: str, dataset: str) -> int:
    """Print a preset's metrics against evals/thresholds.toml; 0 when all pass, 4 when one fails."""
    from assistant.evals.suite import check_thresholds

    ok, table = check_thresholds(overall, settings.evals_dir / "thresholds.toml", dataset)
    print(f"\nthresholds ({preset}, {dataset}):\n{table}")
    if ok:
        return 0
    print("\nevaluation gate FAILED: a metric fell below its threshold (see evals/thresholds.toml)", file=sys.stderr)
    return 4


def cmd_eval_compare(args: argparse.Namespace) -> int:
    from assistant.evals.report import compare

    settings = _settings(args)
    folders = [_report_folder(settings, name) for name in (args.report_a, args.report_b)]
    missing = [str(folder) for folder in folders if not (folder / "metrics.json").is_file()]
    if missing:
        raise EvalUsageError(f"no metrics.json in {', '.join(missing)}")
    print(compare(*folders))
    return 0


def _report_folder(settings: Settings, name: str) -> Path:
    """A report given as a folder, or by its name in evals/reports/."""
    path = Path(name)
    return path if path.is_dir() else settings.evals_dir / "reports" / name


def cmd_serve(args: argparse.Namespace) -> int:
    import signal

    from assistant.ui.app import credentials_for, serve

    settings = _settings(args)
    auth = args.auth or settings.auth
    credentials_for(args.host, auth)  # refuse before saying where it serves
    print(f"Gender Justice Assistant on http://{args.host}:{args.port} (Ctrl+C to stop)", flush=True)
    signal.signal(signal.SIGTERM, _stop)  # `kill` stops it like Ctrl+C: its temporary files are removed
    serve(settings, host=args.host, port=args.port, auth=auth)
    return 0


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def cmd_feedback_export(args: argparse.Namespace) -> int:
    from assistant.feedback import FeedbackStore

    settings = _settings(args)
    path = settings.feedback_db
    if not path.is_file():
        print(f"no feedback yet ({path} does not exist)", file=sys.stderr)
        return 0
    text = FeedbackStore(path).export(args.format)
    if args.output:
        from assistant.errors import DiskFullError
        from assistant.private import disk_full, write_private

        output = Path(args.output)
        try:
            write_private(output, text)  # 0600: it holds what people asked and wrote
        except OSError as exc:
            if disk_full(exc):
                raise DiskFullError(f"cannot write {output}: the disk is full (No space left on device)") from exc
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}"
                             + (" (the folder does not exist)" if not output.parent.is_dir() else "")) from exc
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer a question with pinpoint citations")
    ask.add_argument("question", nargs="?", help="the question; with --json and none, read one per line from stdin")
    ask.add_argument("--doc", action="append", help="search only this document id (repeatable)")
    ask.add_argument("-k", type=_provisions, default=None,
                     help=f"how many provisions to find, quoted or related, 1 to {MAX_K} (default 5)")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON (one line per question)")
    ask.set_defaults(func=cmd_ask)

    corpus = commands.add_parser("corpus", help="manage the source documents").add_subparsers(
        dest="action", required=True)
    sync = corpus.add_parser("sync", help="copy and verify documents from the mirror (or download them)")
    sync.add_argument("--mirror", help="folder holding the documents (default ../shared/corpus)")
    sync.add_argument("--download", action="store_true", help="download missing PDFs from their official URLs")
    sync.set_defaults(func=cmd_corpus_sync)
    listing = corpus.add_parser("list", help="each document and whether it is synced and indexed")
    listing.set_defaults(func=cmd_corpus_list)
    add = corpus.add_parser("add", help="upload your own PDF, Markdown or text file into the local collection")
    add.add_argument("file", help="a .pdf, .md or .txt file")
    add.add_argument("--title", help="title used in citations (default: from the file name)")
    add.set_defaults(func=cmd_corpus_add)
    uploads = corpus.add_parser("uploads", help="list uploaded documents")
    uploads.set_defaults(func=cmd_corpus_uploads)
    remove = corpus.add_parser("remove", help="remove an uploaded document by its id")
    remove.add_argument("id", help="the id shown by `assistant corpus uploads`")
    remove.set_defaults(func=cmd_corpus_remove)

    index = commands.add_parser("index", help="build or check the index").add_subparsers(dest="action", required=True)
    build = index.add_parser("build", help="build the index if it is missing or out of date")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.add_argument("--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=cmd_index_build)
    status = index.add_parser("status", help="is the index up to date?")
    status.set_defaults(func=cmd_index_status)

    embedder = commands.add_parser("embedder", help="adapt the English embedder to the corpus").add_subparsers(
        dest="action", required=True)
    adapt = embedder.add_parser(
        "adapt", help="fine-tune all-minilm-l6-v2 on practitioners' questions and the provisions answering them")
    adapt.add_argument("--training", default="corpus/training.jsonl", metavar="FILE",
                       help="training questions, JSONL with id, question, gold (default corpus/training.jsonl)")
    adapt.add_argument("--out", default="index/adapted-model", metavar="DIR",
                       help="folder for the adapted model (default index/adapted-model)")
    adapt.add_argument("--epochs", type=int, default=3, help="passes over the training pairs (default 3)")
    adapt.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    adapt.add_argument("--quiet", action="store_true", help="no progress output")
    adapt.set_defaults(func=cmd_embedder_adapt)

    evaluation = commands.add_parser(
        "eval", help="run the evaluation suite, or compare two reports",
        usage="%(prog)s [--dataset NAME] [--held-out NAME] [--preset NAME|a,b|all] [--limit N] [--out DIR] "
        "[--check] [--quiet]\n"
        "       %(prog)s compare REPORT_A REPORT_B",
        description="Run evaluation presets (evals/presets.toml) over a dataset and write a report folder; "
        "`assistant eval compare REPORT_A REPORT_B` prints the metric deltas between two reports.",
    )
    evaluation.add_argument("--dataset", default="gold", metavar="NAME",
                            help="dataset in evals/datasets/, or a .jsonl file (default gold)")
    evaluation.add_argument("--preset", default="default", metavar="NAME|a,b|all",
                            help="a preset of evals/presets.toml, comma-separated presets, or all (default: default)")
    evaluation.add_argument("--held-out", metavar="NAME",
                            help="also run the presets on this dataset and report it beside the first (e.g. fresh)")
    evaluation.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    evaluation.add_argument("--out", metavar="DIR",
                            help="report folder (default evals/reports/<date>-<dataset>-<preset>)")
    evaluation.add_argument("--check", action="store_true", help="fail if a metric is below evals/thresholds.toml")
    evaluation.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluation.set_defaults(func=cmd_eval)
    reports = evaluation.add_subparsers(dest="action", title="commands", metavar="COMMAND")
    comparison = reports.add_parser("compare", prog=f"{evaluation.prog} compare",  # not the custom usage above
                                    help="print the metric deltas B − A between two reports",
                                    description="Print the metric deltas B − A for the presets both reports share.")
    comparison.add_argument("report_a", metavar="REPORT_A", help="a report folder, or its name in evals/reports/")
    comparison.add_argument("report_b", metavar="REPORT_B", help="the report compared with it, given the same way")
    comparison.set_defaults(func=cmd_eval_compare)

    web = commands.add_parser("serve", help="start the web app (Gradio) on this machine")
    web.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    web.add_argument("--port", type=int, default=7860)
    web.add_argument("--auth", help="user:password; required when --host is not local")
    web.set_defaults(func=cmd_serve)

    feedback = commands.add_parser("feedback", help="feedback from the web app").add_subparsers(
        dest="action", required=True)
    export = feedback.add_parser("export", help="print or write the stored feedback")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_feedback_export)

    bench = commands.add_parser("bench", help="measure build, retrieval and answer performance")
    bench.add_argument("--questions", type=int, default=120, help="questions to time (default 120)")
    bench.add_argument("--skip-build", action="store_true", help="do not time a fresh build")
    bench.add_argument("--embedding", metavar="NAMES",
                       help="embedders to measure, comma-separated: all-minilm-l6-v2,multilingual-e5-small "
                       "(default: the configured one)")
    bench.add_argument("--llm", type=int, metavar="N",
                       help="instead: ask N smoke questions through the configured LLM backend (speed, verifier)")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ValidationError as exc:  # an invalid ASSISTANT_* value
        print(f"error: {settings_problem(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped reading (`assistant ask … | head -3`): not an error to report
        _silence_stdout()
        return 141  # as a shell reports a process ended by SIGPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit does not fail again on the closed pipe."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
