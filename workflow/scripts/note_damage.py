from steel.jobs.log import job_log
from steel.jobs.runs import damage_note_job

with job_log(snakemake.log[0]):
    damage_note_job(snakemake.output[0])
