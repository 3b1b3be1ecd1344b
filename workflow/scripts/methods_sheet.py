import csv
import json
from pathlib import Path

from steel.jobs import _metrics_note, job_log
from steel.outputs import StagedFiles
from steel.sheets import methods_sheet

COLUMNS = ("cer", "ocr_text", "artefacts", "colour_share", "style_strength")


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


with job_log(snakemake.log[0]):
    run_root = Path(snakemake.params.run_root)
    best = read(snakemake.input.best)
    methods = [("content", None, snakemake.input.content, snakemake.input.reference)]
    methods.append(("style", None, snakemake.input.style, None))
    if snakemake.params.gatys:
        methods.append(("Gatys (table 1)", snakemake.params.gatys, None, None))
    methods.append(("Network of Steel", best["cell"], None, None))
    methods.append(("MSG-Net", snakemake.params.msgnet, None, None))
    panels, rows = [], []
    for label, cell, image, metrics in methods:
        if cell is not None:
            image, metrics = run_root / cell / "stylized.png", run_root / cell / "metrics.json"
        note = _metrics_note(Path(metrics)) if metrics else None
        if label == "Network of Steel":  # which cell the pair's best.json recommends
            note = f"{cell} · {note}" if note else cell
        panels.append((label, str(image), note))
        if metrics:
            values = read(metrics)
            rows.append({"method": label, "cell": cell or "", **{k: values.get(k) for k in COLUMNS}})
    sheet = methods_sheet(panels, title=f"Methods: {snakemake.params.title}")
    with StagedFiles() as staged:

        def write_table(tmp):
            with tmp.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(
                    handle, ["method", "cell", *COLUMNS], delimiter="\t", lineterminator="\n"
                )
                writer.writeheader()
                writer.writerows(rows)

        staged.stage(Path(snakemake.output.table), write_table)
        staged.stage(Path(snakemake.output.sheet), lambda tmp: sheet.save(tmp, format="PNG"))
