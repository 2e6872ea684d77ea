# Fine-tune and evaluate: one job per task x view x variant x seed set, then one table per task.


def run_data(wildcards):
    dataset = config["tasks"][wildcards.task]["data"]
    suffix = "conllu" if dataset == "ud" else "tsv"
    return expand("results/data/{view}/{dataset}/{split}.{suffix}", view=wildcards.view, dataset=dataset, split=["train", "dev", "test"], suffix=suffix)


def run_settings(wildcards):
    view = VIEWS[wildcards.view]
    lang = config["languages"][view.language]
    return settings(
        "finetune",
        {
            **config["finetune"],
            **STUDY.variant(wildcards.variant).get("finetune", {}),
            "task": wildcards.task,
            "batch_size": STUDY.batch_size(wildcards.task, wildcards.view, wildcards.variant),
            "seed_set": config["seed_sets"][int(wildcards.seed)],
            "pos_column": lang["ud"]["pos_column"] if "ud" in lang else None,
        },
    )


rule finetune:
    input:
        model=lambda w: STUDY.model_dir(w.view, w.variant),
        data=run_data,
    output:
        "results/runs/{task}/{view}/{variant}/seed{seed}/metrics.json",
    params:
        settings=run_settings,
        checkpoints=lambda w: checkpoint_dir("finetune", w.task, w.view, w.variant, f"seed{w.seed}"),
    threads: 1
    resources:
        gpu=lambda w: 0 if variant_kind(w) == "fasttext" else 1,
    log:
        "results/logs/finetune/{task}/{view}.{variant}.seed{seed}.log",
    benchmark:
        "results/benchmarks/finetune/{task}/{view}.{variant}.seed{seed}.tsv"
    script:
        "../scripts/finetune.py"


rule task_table:
    input:
        lambda w: [f"{run.path}/metrics.json" for run in STUDY.runs if run.task == w.task],
    output:
        csv=report("results/tables/{task}.csv", caption="../report/tables.rst", category="Tables"),
        markdown="results/tables/{task}.md",
    params:
        settings=lambda w: settings("aggregate", {"task": w.task, "views": {v: {"language": e.language, "parent": e.parent} for v, e in VIEWS.items()}}),
    log:
        "results/logs/task_table/{task}.log",
    script:
        "../scripts/task_table.py"
