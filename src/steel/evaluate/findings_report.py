"""The findings in words: one pair's Markdown report and the summary across pairs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from steel.evaluate.verdicts import CLAIMS, FAR_SHORT, PAPER_STEPS, UNTESTED, VERDICTS


def _scale_markdown(scale: Mapping) -> list[str]:
    lines = [
        "## The loss's scale: cells that differ by one common factor",
        "",
        "Under the paper's loss (eq. 1 and 3) Adam ignores a common factor of the loss, and the style "
        "term dwarfs the content and TV terms, so cells whose coefficients differ by one common factor "
        "should give (nearly) one image.",
        "",
        f"- Cells: {scale['cells']}, of which {scale['distinct']} can differ (under the paper loss, "
        "common multiples of another cell of the same layers count once).",
        f"- Judged at: {scale['judged_at']}.",
        "- Largest pixel difference: "
        + (
            f"**{scale['largest']} of 255** ({scale['reason']})."
            if scale["largest"] is not None
            else f"**not tested** ({scale['reason']})."
        ),
        "",
    ]
    table = _table(scale["columns"], scale["rows"][:10])
    return lines + ([*table, ""] if table else [])


def steps_warning(steps: Iterable[int | None]) -> str | None:
    """A warning when the runs stop far short of the paper's 50,000 steps, else ``None``."""
    known = [s for s in steps if s is not None]
    if not known or max(known) >= FAR_SHORT:
        return None
    return (
        f"These runs stop at {max(known):,} steps, far short of the paper's {PAPER_STEPS:,}: the look "
        "changes with the steps (measured with stand-in weights: conv1_2 added grey background "
        "texture at 300 steps and removed artefacts at 4,400), so these verdicts say little about "
        "the method."
    )


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return []
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return lines


def pair_markdown(
    pair: str, findings: Sequence[Mapping], steps: Iterable[int | None] = (), scale: Mapping | None = None
) -> str:
    lines = [f"# Does the paper hold? {pair}", ""]
    warning = steps_warning(steps)
    if warning:
        lines += [f"**Note:** {warning}", ""]
    for number, finding in enumerate(findings, 1):
        lines += [
            f"## {number}. {finding['statement']}: {finding['verdict']}",
            "",
            f"- Test: {finding['test']}.",
            f"- Judged at: {finding['judged_at']}.",
            f"- Verdict: **{finding['verdict']}** ({finding['reason']}).",
            "",
        ]
        table = _table(finding["columns"], finding["rows"])
        if table:
            lines += [*table, ""]
    if scale is not None:
        lines += _scale_markdown(scale)
    return "\n".join(lines)


def summary_markdown(pairs: Mapping[str, Mapping]) -> str:
    """All pairs' verdicts: ``pairs`` maps a pair name to its findings JSON
    (:func:`steel.jobs.findings.findings_job`)."""
    lines = ["# Does the paper hold? Summary over all pairs", ""]
    steps = [s for data in pairs.values() for s in data.get("steps", [])]
    warning = steps_warning(steps)
    if warning:
        lines += [f"**Note:** {warning}", ""]
    known = sorted({s for s in steps if s is not None})
    if known:
        span = f"{known[0]:,}" if len(known) == 1 else f"{known[0]:,} to {known[-1]:,}"
        lines += [f"Runs of {span} steps (the paper: {PAPER_STEPS:,}).", ""]
    columns = ["claim", *pairs, "holds", "does not hold", "not tested"]
    rows = []
    for claim, statement in CLAIMS.items():
        verdicts = []
        for data in pairs.values():
            finding = next((f for f in data["findings"] if f["claim"] == claim), None)
            verdicts.append(finding["verdict"] if finding else UNTESTED)
        judged = sorted(
            {f["judged_at"] for d in pairs.values() for f in d["findings"] if f["claim"] == claim}
            - {"not judged (no cells)"}
        )
        label = statement + (f" (judged at {'; '.join(judged)})" if judged else "")
        rows.append((label, *verdicts, *(str(verdicts.count(v)) for v in VERDICTS)))
    lines += _table(columns, rows)
    lines += ["", *_scale_summary(pairs)]
    lines += ["", "Each pair's comparisons, numbers and reasons: results/findings/{style}__{content}.md.", ""]
    return "\n".join(lines)


def _scale_summary(pairs: Mapping[str, Mapping]) -> list[str]:
    scales = {pair: data["scale"] for pair, data in pairs.items() if data.get("scale")}
    if not scales:
        return []
    counts = sorted({(s["cells"], s["distinct"]) for s in scales.values()})
    count_words = "; ".join(f"{cells} cells, {distinct} of which can differ" for cells, distinct in counts)
    measured = {pair: s for pair, s in scales.items() if s["largest"] is not None}
    lines = [
        "The loss's scale: under the paper's loss Adam ignores a common factor of the loss, so cells of "
        "the same layers whose coefficients differ by one common factor should give one image.",
        "",
        f"- Cells per pair: {count_words} (common multiples of another cell of the same layers, under "
        "the paper loss, count once).",
    ]
    if measured:
        pair, worst = max(measured.items(), key=lambda item: item[1]["largest"])
        judged = "; ".join(sorted({s["judged_at"] for s in measured.values()}))
        lines.append(
            f"- Largest pixel difference between such cells: {worst['largest']} of 255 ({pair}: "
            f"{worst['reason']}; judged at {judged})."
        )
    else:
        lines.append("- Largest pixel difference between such cells: not tested (no such cells).")
    return lines
