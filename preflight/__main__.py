"""`python -m preflight <stack> | --all-stacks [--json] [--policy-config PATH] [--against PREVIOUS] [--summary PATH]
[--sarif PATH] [--annotations]`.

Exit codes: 0 clean, 1 mandatory policy violations, 2 config, program or policy-pack errors (and bad usage),
130 / 143 when interrupted by SIGINT / SIGTERM. See preflight/README.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from preflight.previous import Previous, PreviousError, for_stack, read_document, read_previous

if TYPE_CHECKING:
    from preflight.run import PreflightResult

INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread so the pack process is stopped on the way out.

    A KeyboardInterrupt because asyncio (the SDK runs the program on an event loop) lets only those and
    SystemExit out of a callback: any other exception raised there is logged and swallowed.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    # Once: a second Ctrl-C must not cut short the clean-up that stops the pack process.
    for other in INTERRUPTED:
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signum)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m preflight",
        description=(
            "Offline preflight of a stack: run the program under the Pulumi SDK's mocks and check every planned "
            "resource with the policy pack over its gRPC Analyzer interface. No cloud credentials needed."
        ),
        epilog="Exit codes: 0 clean, 1 mandatory policy violations, 2 config/program/policy-pack errors.",
    )
    parser.add_argument("stack", nargs="?", help="the stack to check (Pulumi.<stack>.yaml)")
    parser.add_argument("--all-stacks", action="store_true", help="check every Pulumi.*.yaml; exit with the worst")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else")
    parser.add_argument(
        "--policy-config",
        type=Path,
        metavar="PATH",
        help="policy pack config (default: policies/config/<stack>.json; a stack with neither is an error)",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="PREVIOUS",
        help="diff against the stack before this change: an earlier --json document (e.g. the base branch's), "
        "`pulumi stack output --json` or `pulumi stack export`; the program reads its outputs back",
    )
    parser.add_argument(
        "--summary", type=Path, metavar="PATH", help="also write a Markdown summary (job summary, PR comment)"
    )
    parser.add_argument("--sarif", type=Path, metavar="PATH", help="also write SARIF 2.1.0 for code scanning")
    parser.add_argument(
        "--annotations",
        action="store_true",
        help="also print GitHub Actions annotations at the line of the key to change (on stderr with --json)",
    )
    args = parser.parse_args(argv)
    if (args.stack is None) == (not args.all_stacks):
        parser.error("name one stack, or pass --all-stacks")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    # A short-lived process that allocates ~10k objects per cache and frees almost nothing: the cyclic GC only
    # costs time here (a quarter of a large stack's run; collecting only young objects still cost 13-26%) and
    # finds next to nothing to collect. The one cycle the SDK leaves per value it resolves is avoided instead
    # (`sdk_internals.unknowns`, installed by `preflight.run`).
    gc.disable()
    for signum in INTERRUPTED:
        signal.signal(signum, _on_signal)

    try:
        return _check(args)
    except KeyboardInterrupt as interruption:
        signum = interruption.signum if isinstance(interruption, Interrupted) else signal.SIGINT
        print(f"preflight: interrupted ({signal.Signals(signum).name}); policy pack stopped", file=sys.stderr)
        return INTERRUPTED[signal.Signals(signum)]


def _check(args: argparse.Namespace) -> int:
    from sdk_internals import lazy_aws, lazy_pulumi

    # pulumi_aws's service packages import every module of a service on first use, and pulumi its Automation
    # API and dynamic providers: load only what is used. First of all: once anything has imported pulumi or
    # pulumi_aws (the component does), the stand-ins can no longer go in.
    lazy_pulumi.install()
    lazy_aws.install()

    from preflight import progress, run, summaries

    terminal = progress.TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    stacks = run.stacks_in() if args.all_stacks else [args.stack]
    if not stacks:
        print("preflight: no Pulumi.<stack>.yaml here", file=sys.stderr)
        return 2
    unusable = None
    try:
        previous = _previous(args, stacks)
    except PreviousError as error:
        # No stack can be compared: each is an error (exit 2), and the JSON document and the CI outputs are
        # still written, as on every other path ("The files are written whatever the exit code").
        print(f"preflight: --against: {error}", file=sys.stderr)
        previous, unusable = {}, run.Failure("against", f"--against: {error}")
    results = []
    for stack in stacks:
        if terminal is not None:
            terminal.heading(f"preflight {stack}")
        if unusable is not None:
            result = run.PreflightResult("", stack, None, failures=(unusable,))
        else:
            result = run.run_preflight(
                stack, policy_config=args.policy_config, progress=terminal, previous=previous.get(stack)
            )
        results.append(result)
        if terminal is not None:
            verdict = summaries.VERDICTS[result.exit_code]
            terminal.finished(
                "total", f"stack {stack}: {verdict}", result.timings.get("total", 0.0), ok=not result.exit_code
            )
        # Imported once a stack has run: it imports the component, so before the first run it would hold up the
        # pack's launch, which needs no SDK (`preflight.run`).
        from preflight import report

        if not args.json:
            # Each stack as soon as it is done: with --all-stacks the first report need not wait for the last.
            text = report.render_text(result, unicode=progress.unicode_ok(sys.stdout))
            _emit(text + ("\n" if len(stacks) > 1 else ""))
    if args.json:
        _emit(report.render_json(results, all_stacks=args.all_stacks) + "\n")
        for result in results:
            for failure in result.failures:
                # stdout holds only the document: say why on stderr too, for whoever reads the CI log.
                print(f"preflight {result.stack}: {failure.kind} error: {failure.message}", file=sys.stderr)
    elif len(results) > 1:
        _emit(report.render_summary(results))
    worst = max(result.exit_code for result in results)
    try:
        _ci_outputs(args, results)
    except OSError as error:
        print(f"preflight: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    return worst


def _ci_outputs(args: argparse.Namespace, results: Sequence[PreflightResult]) -> None:
    """`--summary`, `--sarif`, `--annotations`: written whatever the verdict, once every stack has run."""
    if not (args.summary or args.sarif or args.annotations):
        return
    from preflight import annotations, findings, markdown, run, sarif

    found = [finding for result in results for finding in findings.findings(result)]
    if args.summary is not None:
        args.summary.write_text(markdown.render(results))
    if args.sarif is not None:
        pack = next(((r.pack.name, r.pack.version) for r in results if r.pack is not None), None)
        args.sarif.write_text(sarif.render(found, run.PROJECT_DIR, pack=pack))
    if args.annotations:
        # With --json, stdout holds only the document; the runner reads workflow commands from stderr too.
        stream = sys.stderr if args.json else sys.stdout
        stream.write(annotations.render(found, run.PROJECT_DIR))
        stream.flush()


def _previous(args: argparse.Namespace, stacks: Sequence[str]) -> dict[str, Previous]:
    """Each stack's previous state from `--against`, before anything runs (a bad file stops at once)."""
    if args.against is None:
        return {}
    if not args.all_stacks:
        return {stacks[0]: read_previous(args.against, stacks[0])}
    document = read_document(args.against)
    return {stack: for_stack(document, stack, str(args.against)) for stack in stacks}


def _emit(text: str) -> None:
    """Write to stdout; a reader that went away (`| head`) does not change the verdict or the exit code."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Further writes (and the final flush) go nowhere instead of raising again.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process


if __name__ == "__main__":
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    # Skip the interpreter's teardown of the SDK and pulumi_aws modules (~0.15 s, a quarter of a run): the pack
    # process is already stopped and everything written is flushed, so there is nothing left for it to do.
    os._exit(code)
