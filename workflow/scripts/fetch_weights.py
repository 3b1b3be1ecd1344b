from steel.jobs.log import job_log
from steel.jobs.weights import fetch_weights_job

with job_log(snakemake.log[0]):
    fetch_weights_job(snakemake.output[0])
