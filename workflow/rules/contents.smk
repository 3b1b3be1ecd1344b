# Styles and contents the workflow draws: a word in a font (text, font) or an SVG file, at the
# working width. Each is a target of its own, which the stylize, metrics and sheet rules read
# like any image; a new text, font, SVG or width redraws it, and its cells rerun after it.


rule draw_content:
    input:
        logo_sources("content"),
    output:
        DRAWN_LOGO["content"],
    log:
        "results/contents/{name}.log",
    wildcard_constraints:
        name="[^/]+",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        image=logo_param("content", "image"),
        text=logo_param("content", "text"),
        font=logo_param("content", "font"),
        width=LOGO_WIDTH["content"],
    script:
        "../scripts/draw_logo.py"


rule draw_style:
    input:
        logo_sources("style"),
    output:
        DRAWN_LOGO["style"],
    log:
        "results/styles/{name}.log",
    wildcard_constraints:
        name="[^/]+",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        image=logo_param("style", "image"),
        text=logo_param("style", "text"),
        font=logo_param("style", "font"),
        width=LOGO_WIDTH["style"],
    script:
        "../scripts/draw_logo.py"
