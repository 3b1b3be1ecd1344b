# A run folder's record (run.json, metrics.json, vector.json) that no longer parses is made again:
# planning finds it (steel.plan.run_folder.damage_notes, nothing is written or deleted while
# planning), this rule notes it beside the record, and the record's maker, which takes the record's
# notes as inputs, reruns with everything after it. The note stays: an old note reruns nothing.


rule note_damage:
    output:
        f"{RUN_DIR}/{run_folder.DAMAGE_NOTE.format(name='{record}', stamp='{stamp}')}",
    log:
        f"{RUN_DIR}/{run_folder.DAMAGE_LOG.format(name='{record}', stamp='{stamp}')}",
    wildcard_constraints:
        record="|".join(re.escape(name) for name in run_folder.RECORDS),
        stamp="[0-9]+",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    script:
        "../scripts/note_damage.py"
