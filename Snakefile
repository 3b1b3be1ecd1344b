# Network of Steel (Ter-Sarkisov, 2020): neural font style transfer from heavy-metal logos to
# corporate logos. The experiment: for every style x content pair, optimise the content image
# against Gram-matrix style losses on chosen VGG16 layers, one run ("cell") per combination of
# layer coefficients in each sweep (a table of the paper: coarse-layer coefficient by row,
# deep-layer coefficient by column); then lay the cells out as the paper's tables.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/stylize.smk"


rule all:
    default_target: True
    input:
        run_targets(),
